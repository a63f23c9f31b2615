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
import type { PhotoRow } from "../../modules/photos/photos.repository.ts";
import { photoResolution, type UploadedFile } from "../../modules/photos/photos.service.ts";
import { spoolPart } from "../../modules/photos/spool-part.ts";
import { FORMATS, type FormatId, STANDARD_VARIABLES } from "../../render/index.ts";
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
import { createDesignPreviews } from "./design-previews.ts";

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

const ID = /^[\w-]{1,64}$/;
const isFormat = (f: string): f is FormatId => (FORMAT_IDS as readonly string[]).includes(f);

type Verdict = ReturnType<typeof photoResolution>;
const photoView = (row: PhotoRow, format: string) => ({
  id: row.id,
  filename: row.filename,
  width: row.width,
  height: row.height,
  preview: `/campaigns/photos/${row.id}/preview.jpg`,
  ...verdictView(photoResolution(row.width, row.height, isFormat(format) ? format : "card_5x7")),
});
const verdictView = (v: Verdict) => ({
  ppi: v.ppi,
  verdict: v.verdict,
  good: v.verdict === "good",
  summary:
    v.verdict === "good"
      ? `Good for print: ${v.ppi} ppi on ${v.where}.`
      : v.verdict === "soft"
        ? `A little soft: ${v.ppi} ppi on ${v.where}, ${v.target} is best (${v.needPx.join(" × ")} px).`
        : `Too small: ${v.ppi} ppi on ${v.where}, need ${v.target} (${v.needPx.join(" × ")} px).`,
  detail: v.message,
});

/** Form fields and files of a multipart post: fields as the urlencoded parser gives them. */
async function readMultipart(request: FastifyRequest, dir: string, limitBytes: number) {
  const fields: Record<string, string | string[]> = {};
  let photo: UploadedFile | undefined;
  const budget = { left: limitBytes, limit: limitBytes };
  for await (const part of request.parts({ limits: { files: 1, fields: 30 } })) {
    if (part.type === "file") {
      const file = path.join(dir, "photo");
      if (part.fieldname !== "photo" || photo || !part.filename) {
        part.file.resume();
        continue;
      }
      await spoolPart(part.file, file, budget);
      photo = { filename: part.filename.slice(0, 200), path: file };
      continue;
    }
    const value = String(part.value);
    const had = fields[part.fieldname];
    fields[part.fieldname] = had === undefined ? value : [had, value].flat();
  }
  return { fields, photo };
}

/** The fields the design check speaks of. */
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
  const previews = createDesignPreviews(deps);

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

  /** A photo uploaded as soon as it is chosen: stored, and its print verdict for the format. */
  app.post<{ Querystring: { format?: unknown } }>(
    "/campaigns/new/photo",
    { schema: hide },
    async (request, reply) => {
      const format = String(request.query.format ?? "");
      if (!request.isMultipart())
        return reply.code(400).send({ error: "Send the photo as multipart/form-data." });
      const dir = await mkdtemp(path.join(tmpdir(), "cardmerge-console-"));
      try {
        const { photo } = await readMultipart(request, dir, deps.config.uploadLimitBytes);
        if (!photo) return reply.code(400).send({ error: "No photo in the upload." });
        const fmt = isFormat(format) ? format : "card_5x7";
        try {
          const [row] = await deps.photos.upload(accountOf(request).accountId, [photo], fmt);
          return photoView(row as PhotoRow, fmt);
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          return reply
            .code(error.status)
            .send({ error: error.errors[0]?.message ?? error.message });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  /** The verdict of an uploaded photo for another format (the format was changed after upload). */
  app.get<{ Params: { id: string }; Querystring: { format?: unknown } }>(
    "/campaigns/photos/:id/verdict.json",
    { schema: hide },
    async (request) => {
      const { id } = request.params;
      if (!ID.test(id)) throw new AppError("not_found", "Photo was not found.");
      const row = await deps.photos.get(accountOf(request).accountId, id);
      return photoView(row, String(request.query.format ?? ""));
    },
  );

  app.get<{ Params: { id: string } }>(
    "/campaigns/photos/:id/preview.jpg",
    { schema: hide },
    async (request, reply) => {
      const { id } = request.params;
      if (!ID.test(id)) throw new AppError("not_found", "Photo was not found.");
      const stream = await deps.photos.preview(accountOf(request).accountId, id);
      return reply.type("image/jpeg").header("cache-control", "private, max-age=3600").send(stream);
    },
  );

  app.get<{ Params: { template: string; format: string } }>(
    "/campaigns/designs/:template/:format.png",
    { schema: hide },
    async (request, reply) => {
      const { template, format } = request.params;
      if (!ID.test(template) || !isFormat(format))
        throw new AppError("not_found", "Design was not found.");
      const { accountId } = accountOf(request);
      const design = await deps.templates.show(accountId, template);
      if (!(design.formats as string[]).includes(format))
        throw new AppError("not_found", "Design was not found in that format.");
      const png = await previews.front(accountId, template, format);
      return reply
        .type("image/png")
        .header("cache-control", "private, max-age=86400")
        .header("x-content-type-options", "nosniff")
        .send(png);
    },
  );
}
