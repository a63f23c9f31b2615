/**
 * A new campaign on one page: occasion, design (pictures of the cards), format, message with its
 * merge variables (checked as people type), photo with its print verdict, and sender. The form
 * posts as multipart when it carries a photo (CSRF token then in ?_csrf=), urlencoded otherwise;
 * the service validates again and its field errors are shown beside their fields.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";
import { FORMATS as FORMAT_IDS, OCCASIONS } from "../../modules/campaigns/campaigns.schemas.ts";
import type { UploadedFile } from "../../modules/photos/photos.service.ts";
import { FORMATS, STANDARD_VARIABLES } from "../../render/index.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import {
  emptyForm,
  type FieldErrors,
  type FormValues,
  fieldErrorsOf,
  mergeFieldNames,
  readForm,
} from "./campaign-form.ts";
import { ID, isFormat, photoView, readMultipart } from "./campaign-photo.ts";

const hide = { hide: true };

export const OCCASION_LABELS: Record<string, string> = {
  thank_you: "Thank you",
  birthday: "Birthday",
  october_holiday: "October holiday",
  anniversary: "Anniversary",
  custom: "Something else",
};

/** Variables offered as buttons above the message (all of STANDARD_VARIABLES are allowed). */
const OFFERED = [
  "firstName",
  "lastName",
  "fullName",
  "company",
  "city",
  "businessName",
  "signature",
  "occasion",
] as const;

const DESIGN_FIELDS = ["message", "merge_fields", "template", "format"] as const;
const pick = (errors: FieldErrors): FieldErrors =>
  Object.fromEntries(DESIGN_FIELDS.flatMap((f) => (errors[f] ? [[f, errors[f]]] : [])));

/** The service's words for the API's field, in the words of this form. */
const inFormWords = (errors: FieldErrors): FieldErrors =>
  Object.fromEntries(
    Object.entries(errors).map(([f, m]) => [
      f,
      m?.replace("in merge_fields", "under “Your own variables”"),
    ]),
  );

export async function campaignNewPages(app: FastifyInstance, { deps }: ConsoleContext) {
  /**
   * What the service says of the design (template, format, message, variables) when the border
   * found nothing wrong with those fields: so a form refused for another field shows these too.
   */
  async function designErrors(
    request: FastifyRequest,
    values: FormValues,
    border: FieldErrors,
  ): Promise<FieldErrors> {
    if (DESIGN_FIELDS.some((f) => border[f]) || !values.template || !isFormat(values.format))
      return {};
    try {
      await deps.campaigns.checkDesign(accountOf(request).accountId, {
        template: values.template,
        format: values.format,
        message: values.message.trim() ? values.message : null,
        merge_fields: mergeFieldNames(values.merge_fields),
      });
      return {};
    } catch (error) {
      if (!(error instanceof AppError) || error.kind !== "validation") throw error;
      return inFormWords(fieldErrorsOf(error.errors));
    }
  }

  async function showForm(
    request: FastifyRequest,
    values: FormValues,
    errors: FieldErrors,
    status = 200,
  ) {
    const { accountId } = accountOf(request);
    const designs = await deps.templates.list(accountId);
    let photo: ReturnType<typeof photoView> | undefined;
    if (values.photo_id && ID.test(values.photo_id)) {
      const row = await deps.photos.get(accountId, values.photo_id).catch(() => undefined);
      photo = row && photoView(row, values.format);
    }
    return {
      status,
      data: {
        title: "New campaign",
        section: "campaigns" as const,
        scripts: ["campaign-new.js"],
        values,
        errors,
        hasErrors: Object.keys(errors).length > 0,
        photo,
        occasions: OCCASIONS.map((id) => ({
          id,
          label: OCCASION_LABELS[id],
          checked: values.occasion === id,
        })),
        designs: designs.map((d) => {
          // The chosen format when the design has it; else a flat one (a folded card's first
          // page is its outside spread, back beside front).
          const format = (d.formats as string[]).includes(values.format)
            ? values.format
            : (d.formats.find((f) => f !== "a2_folded") ?? d.formats[0] ?? "card_5x7");
          return {
            id: d.id,
            name: d.name,
            description: d.description,
            occasion: d.occasion,
            formats: d.formats.join(" "),
            formatLabels: d.formats.map((f) => FORMATS[f]?.label ?? f).join(", "),
            preview: `/campaigns/designs/${encodeURIComponent(d.id)}/${format}.png`,
            checked: values.template === d.id,
          };
        }),
        formats: FORMAT_IDS.map((id) => ({
          id,
          label: FORMATS[id].label,
          checked: values.format === id,
        })),
        variables: OFFERED,
        allowed: STANDARD_VARIABLES,
        custom: mergeFieldNames(values.merge_fields),
      },
    };
  }

  app.get("/campaigns/new", { schema: hide }, async (request, reply) => {
    const { accountName } = accountOf(request);
    const values = {
      ...emptyForm(),
      occasion: "thank_you",
      template: "thank-you",
      format: "card_5x7",
      business_name: accountName,
    };
    const { data } = await showForm(request, values, {});
    return reply.page("campaigns/new", data);
  });

  app.post("/campaigns/new", { schema: hide }, async (request, reply) => {
    const { accountId } = accountOf(request);
    let body: unknown = request.body;
    let dir: string | undefined;
    try {
      let photoFile: UploadedFile | undefined;
      if (request.isMultipart()) {
        dir = await mkdtemp(path.join(tmpdir(), "cardmerge-console-"));
        const read = await readMultipart(request, dir, deps.config.uploadLimitBytes);
        body = read.fields;
        photoFile = read.photo;
      }
      const { values, errors, input } = readForm(body);
      // A photo sent with the form is stored first: shown again with its verdict if the rest fails.
      if (photoFile) {
        const format = isFormat(values.format) ? values.format : "card_5x7";
        try {
          const [row] = await deps.photos.upload(accountId, [photoFile], format);
          if (row) values.photo_id = row.id;
          if (input && row) input.photo_id = row.id;
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          errors.photo_id = error.errors[0]?.message ?? error.message;
        }
      }
      if (input && !errors.photo_id) {
        try {
          const row = await deps.campaigns.create(accountId, input);
          return reply.redirect(`/campaigns/${row.id}?created=1`, 303);
        } catch (error) {
          if (!(error instanceof AppError) || error.kind !== "validation") throw error;
          Object.assign(errors, inFormWords(fieldErrorsOf(error.errors)));
          if (error.errors.length === 0) errors.form = error.message;
        }
      } else Object.assign(errors, await designErrors(request, values, errors));
      const { data, status } = await showForm(request, values, errors, 400);
      return reply.code(status).page("campaigns/new", data);
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });

  /** The message checked as it is typed: {errors: [{field, message}]}, empty when it merges. */
  app.post("/campaigns/new/check", { schema: hide }, async (request) => {
    const { values, errors } = readForm(request.body);
    const found = { ...pick(errors), ...(await designErrors(request, values, errors)) };
    return { errors: Object.entries(found).map(([field, message]) => ({ field, message })) };
  });
}
