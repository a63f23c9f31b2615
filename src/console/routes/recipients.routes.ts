/**
 * Recipients of a campaign: the list, and a CSV import in two steps. Step 1 stores the upload (a
 * pending object in storage, under the campaign, so deleting the campaign deletes it) and shows
 * the mapping the importer guessed from the header row; nothing is imported. Step 2 imports the
 * stored file with the mapping the person chose, through the same service call as the API's
 * import, and shows the report with the rows to fix and the failures CSV.
 */
import { randomBytes } from "node:crypto";
import { Transform } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { customKey } from "../../csv/fold.ts";
import { guessColumns, MAPPABLE_FIELDS } from "../../csv/guess-columns.ts";
import { CsvImportError, DEFAULT_LIMITS } from "../../csv/index.ts";
import { AppError, notFound } from "../../errors.ts";
import type { CampaignRow } from "../../modules/campaigns/campaigns.repository.ts";
import { requireStorable } from "../../modules/shared/storable-text.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";

const hide = { hide: true };
/** Our ids (cmp_…, imp_…): anything else is not ours, so 404 before any lookup. */
const ID = /^[a-z]{2,5}_[A-Za-z0-9]{1,40}$/;
const UPLOAD = /^[a-f0-9]{32}$/;
const FIRST_PAGE = 50;

type Form = Record<string, string | undefined>;
type CampaignParams = { Params: { id: string } };

export const idOf = (value: string): string => {
  if (!ID.test(value)) throw notFound("Campaign");
  return value;
};

const pendingKey = (accountId: string, campaignId: string, upload: string) =>
  `accounts/${accountId}/campaigns/${campaignId}/pending-uploads/${upload}.csv`;

/** Labels people read for each field a column can go to. */
const FIELD_LABELS: Record<string, string> = {
  firstName: "First name",
  lastName: "Last name",
  fullName: "Full name",
  company: "Company",
  line1: "Street address",
  line2: "Address line 2",
  poBox: "PO box",
  city: "City",
  region: "State / region",
  postalCode: "ZIP / postal code",
  country: "Country",
  email: "Email",
  phone: "Phone",
  birthday: "Birthday",
  anniversary: "Anniversary",
  photo: "Photo file name",
};

/**
 * The choices of one column's select: every field, the merge fields the campaign's message uses
 * (a column of any name can fill {{lastPurchase}}), the column's own merge field, ignore.
 */
function columnChoices(header: string, index: number, chosen: string, campaignFields: string[]) {
  const custom = `custom:${customKey(header, index + 1)}`;
  const used = campaignFields
    .map((f) => `custom:${f}`)
    .filter((v) => v !== custom)
    .map((value) => ({ value, label: `Merge field {{${value.slice(7)}}} (the campaign's)` }));
  const options = [
    ...MAPPABLE_FIELDS.map((f) => ({ value: f, label: FIELD_LABELS[f] ?? f })),
    ...used,
    { value: custom, label: `Merge field {{${custom.slice(7)}}}` },
    { value: "ignore", label: "Ignore this column" },
  ];
  // A guess outside the list (home.line1, another custom key): offered as it is.
  if (!options.some((o) => o.value === chosen)) options.unshift({ value: chosen, label: chosen });
  return options.map((o) => ({ ...o, selected: o.value === chosen }));
}

/** A mapping value the importer understands: a field, custom:<key>, ignore, or an address group. */
function allowedTarget(value: string): boolean {
  if (value === "ignore" || (MAPPABLE_FIELDS as readonly string[]).includes(value)) return true;
  if (/^custom:[A-Za-z][A-Za-z0-9_]{0,63}$/.test(value)) return true;
  const [group, part] = value.split(".");
  return (
    part !== undefined &&
    /^[a-z][a-z0-9]{0,30}$/.test(group ?? "") &&
    ["line1", "line2", "poBox", "city", "region", "postalCode", "country"].includes(part)
  );
}

export async function recipientsPages(app: FastifyInstance, { deps }: ConsoleContext) {
  const { recipients, campaigns, storage } = deps;
  const maxBytes = Math.min(DEFAULT_LIMITS.maxBytes, deps.config.uploadLimitBytes);

  const draftOf = async (request: FastifyRequest<CampaignParams>) => {
    const { accountId } = accountOf(request);
    return campaigns.get(accountId, idOf(request.params.id));
  };

  const indexPage = async (campaign: CampaignRow, extra: Record<string, unknown> = {}) => {
    const rows = await recipients.list(campaign.account_id, campaign.id, { limit: FIRST_PAGE });
    return {
      title: `Recipients · ${campaign.name}`,
      section: "campaigns" as const,
      scripts: ["recipients-upload.js"],
      campaign: { ...campaign, recipients: Number(campaign.recipients) },
      draft: campaign.status === "draft",
      recipients: rows.map((r) => ({
        id: r.id,
        row: r.row_number,
        name: r.data.fullName || `${r.data.firstName} ${r.data.lastName}`.trim(),
        address: [r.data.address.line1, r.data.address.city, r.data.address.postalCode]
          .filter(Boolean)
          .join(", "),
        country: r.data.address.country,
      })),
      more: Number(campaign.recipients) > rows.length,
      maxMb: Math.floor(maxBytes / 1024 / 1024),
      ...extra,
    };
  };

  app.get<CampaignParams>("/campaigns/:id/recipients", { schema: hide }, async (request, reply) =>
    reply.page("recipients/index", await indexPage(await draftOf(request))),
  );

  /** The mapping step's page for a stored upload: the columns as the importer reads them now. */
  const mappingPage = async (
    campaign: CampaignRow,
    upload: string,
    filename: string,
    chosen: Form = {},
    error?: string,
  ) => {
    const key = pendingKey(campaign.account_id, campaign.id, upload);
    const header = await guessColumns(await storage.get(key), { maxBytes });
    return {
      title: `Match columns · ${campaign.name}`,
      section: "campaigns" as const,
      campaign,
      upload,
      filename,
      encoding: header.encoding,
      delimiter: header.delimiter === "\t" ? "tab" : header.delimiter,
      error,
      columns: header.columns.map((c, i) => {
        const value = chosen[`col_${i}`] ?? c.field;
        return {
          index: i,
          header: c.header || `Column ${i + 1}`,
          guessed: c.field,
          changed: value !== c.field,
          options: columnChoices(c.header, i, value, campaign.merge_fields ?? []),
        };
      }),
    };
  };

  // Step 1: the file is stored, its header read; nothing is imported.
  app.post<CampaignParams>(
    "/campaigns/:id/recipients/upload",
    { schema: hide },
    async (request, reply) => {
      const campaign = await draftOf(request);
      const refuse = async (status: number, message: string) =>
        reply.code(status).page("recipients/index", await indexPage(campaign, { error: message }));
      if (campaign.status !== "draft")
        return refuse(
          409,
          `This campaign is ${campaign.status}: recipients change only in a draft.`,
        );
      if (!request.isMultipart()) return refuse(400, "Choose a CSV file, then press Upload.");
      const file = await request.file({ limits: { fileSize: maxBytes, files: 1 } });
      if (!file) return refuse(400, "Choose a CSV file, then press Upload.");
      const filename = (file.filename || "recipients.csv").slice(0, 200);
      requireStorable(filename, "file.filename");
      const upload = randomBytes(16).toString("hex");
      const key = pendingKey(campaign.account_id, campaign.id, upload);
      let bytes = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          done(
            bytes > maxBytes
              ? new CsvImportError(
                  "too_large",
                  `The file is larger than ${Math.floor(maxBytes / 1024 / 1024)} MB: split it into smaller files.`,
                )
              : null,
            chunk,
          );
        },
      });
      file.file.on("limit", () =>
        limit.destroy(
          new CsvImportError(
            "too_large",
            `The file is larger than ${Math.floor(maxBytes / 1024 / 1024)} MB: split it into smaller files.`,
          ),
        ),
      );
      try {
        await storage.put(key, file.file.pipe(limit), { contentType: "text/csv" });
        if (file.file.truncated || bytes > maxBytes)
          throw new CsvImportError(
            "too_large",
            `The file is larger than ${Math.floor(maxBytes / 1024 / 1024)} MB: split it into smaller files.`,
          );
        if (bytes === 0)
          throw new CsvImportError("empty", "The file is empty: choose the CSV again.");
        // Post/redirect/get: the mapping page has an address of its own (reload-safe, no token in it).
        return reply.redirect(
          `/campaigns/${campaign.id}/recipients/uploads/${upload}?name=${encodeURIComponent(filename)}`,
          303,
        );
      } catch (error) {
        await storage.delete(key).catch(() => {});
        if (error instanceof AppError && error.status < 500) {
          // Drain what is left of the file so the answer can be sent.
          file.file.resume();
          return refuse(error.status, error.message);
        }
        throw error;
      }
    },
  );

  app.get<{ Params: { id: string; upload: string }; Querystring: { name?: string } }>(
    "/campaigns/:id/recipients/uploads/:upload",
    { schema: hide },
    async (request, reply) => {
      const campaign = await draftOf(request);
      const { upload } = request.params;
      if (!UPLOAD.test(upload)) throw notFound("Upload");
      const key = pendingKey(campaign.account_id, campaign.id, upload);
      if (!(await storage.stat(key))) throw notFound("Upload");
      const filename = (request.query.name || "recipients.csv").slice(0, 200);
      return reply.page("recipients/mapping", await mappingPage(campaign, upload, filename));
    },
  );

  // Step 2: the stored file, imported with the mapping as chosen.
  app.post<CampaignParams & { Body: Form }>(
    "/campaigns/:id/recipients/import",
    { schema: hide },
    async (request, reply) => {
      const campaign = await draftOf(request);
      const form = request.body ?? {};
      const upload = form.upload ?? "";
      if (!UPLOAD.test(upload)) throw notFound("Upload");
      const key = pendingKey(campaign.account_id, campaign.id, upload);
      if (!(await storage.stat(key)))
        throw new AppError(
          "conflict",
          "This upload is no longer here (it was imported already, or the campaign changed): upload the file again.",
        );
      const filename = (form.filename ?? "recipients.csv").slice(0, 200);
      const header = await guessColumns(await storage.get(key), { maxBytes });
      const mapping: Record<string, string> = {};
      const bad: string[] = [];
      header.columns.forEach((c, i) => {
        const value = form[`col_${i}`];
        if (value === undefined || value === c.field) return;
        if (!allowedTarget(value)) bad.push(c.header || `Column ${i + 1}`);
        else if (c.header) mapping[c.header] = value;
      });
      const unknown = Object.keys(form).filter(
        (k) => /^col_\d+$/.test(k) && Number(k.slice(4)) >= header.columns.length,
      );
      const again = async (status: number, message: string) =>
        reply
          .code(status)
          .page("recipients/mapping", await mappingPage(campaign, upload, filename, form, message));
      if (bad.length > 0)
        return again(
          400,
          `Choose a field from the list for: ${bad.map((b) => `“${b}”`).join(", ")}.`,
        );
      if (unknown.length > 0)
        return again(400, "The form names columns the file does not have: upload the file again.");
      let result: Awaited<ReturnType<typeof recipients.import>>;
      try {
        result = await recipients.import(campaign.account_id, campaign.id, {
          source: "csv",
          filename,
          body: await storage.get(key),
          mapping,
          household: form.household === "on",
        });
      } catch (error) {
        if (error instanceof AppError && error.status < 500)
          return again(error.status, error.message);
        throw error;
      }
      await storage.delete(key).catch(() => {});
      // Render ahead: the gallery the report page leads to ("Check the proofs") starts drawing now.
      if (result.imported > 0) recipients.gallery(campaign.account_id, campaign.id).catch(() => {});
      return reply.redirect(`/campaigns/${campaign.id}/imports/${result.id}`, 303);
    },
  );

  app.get<{ Params: { id: string; iid: string } }>(
    "/campaigns/:id/imports/:iid",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const id = idOf(request.params.id);
      const campaign = await campaigns.get(accountId, id);
      const done = await recipients.getImport(accountId, id, idOf(request.params.iid));
      const errors = (
        done.errors as { row: number; field: string; column?: string; message: string }[]
      ).map((e) => ({ ...e, column: e.column ?? (e.field === "row" ? "(whole row)" : e.field) }));
      return reply.page("recipients/import", {
        title: `Import · ${campaign.name}`,
        section: "campaigns",
        campaign,
        done,
        errors,
        moreErrors: done.rejected > errors.length,
        failures: done.failures_key !== null,
        columns: done.columns,
      });
    },
  );

  app.get<{ Params: { id: string; iid: string } }>(
    "/campaigns/:id/imports/:iid/failures.csv",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const id = idOf(request.params.id);
      const iid = idOf(request.params.iid);
      const stream = await recipients.failuresCsv(accountId, id, iid);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${iid}-failures.csv"`)
        .header("cache-control", "no-store")
        .send(stream);
    },
  );
}
