import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { DEFAULT_LIMITS } from "../../csv/index.ts";
import { AppError } from "../../errors.ts";
import { authOf } from "../../http/auth.ts";
import { CSV_TYPES, readCsvUpload } from "../../http/csv-upload.ts";
import { csvMedia, fileResponse, multipartForm } from "../../http/openapi-docs.ts";
import { listOf, pageOf, toList } from "../../http/pagination.ts";
import { CONTACT_COLUMNS } from "./contact-columns.ts";
import {
  ContactImportSchema,
  ContactInput,
  ContactListQuery,
  ContactSchema,
  contactImportJson,
  contactJson,
  MAX_BATCH,
} from "./contacts.schemas.ts";
import type { ContactsService } from "./contacts.service.ts";

const tags = ["contacts"];
const config = { scope: "campaigns" as const };
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ImportQuery = Type.Object({
  default_country: Type.Optional(
    Type.String({
      pattern: "^[A-Za-z]{2}$",
      description: "Country for rows without one (ISO alpha-2).",
    }),
  ),
  mapping: Type.Optional(
    Type.String({
      description:
        'JSON object: your header → field, e.g. {"Partner":"spouseName","Kunden-Nr":"externalId"}',
    }),
  ),
});

const CONTACT_FIELDS_HELP =
  "first_name, last_name, full_name, company, address{line1, line2, city, region, postal_code, country}, email, phone, birthday, anniversary (1990-03-14 or --03-14), spouse_name, children[], tags[], custom{}, notes, mail_status (active, do_not_mail, returned), photo (an uploaded photo's name or id), external_id.";

// The same contact without its $id: in one answer schema (Contact | ContactBatchResult) an $id may
// appear once only, or the serializer cannot tell the two apart.
const ContactInBatch = Type.Object(ContactSchema.properties);
const BatchItem = Type.Object({
  index: Type.Integer(),
  status: Type.Integer({ description: "201 created, 200 updated, 400 refused (see errors)." }),
  contact: Type.Optional(ContactInBatch),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
});
const BatchResult = Type.Object(
  {
    object: Type.Literal("contact_batch"),
    created: Type.Integer(),
    updated: Type.Integer(),
    failed: Type.Integer(),
    data: Type.Array(BatchItem),
  },
  { $id: "ContactBatchResult" },
);

export const contactsRoutes: FastifyPluginAsyncTypebox<{
  contacts: ContactsService;
  /** JSON body limit of POST /v1/contacts (a batch of 1,000 contacts). */
  batchBodyLimitBytes: number;
}> = async (app, { contacts, batchBodyLimitBytes }) => {
  // CSV bodies stream straight into the import; the importer enforces its own byte limit (413).
  app.addContentTypeParser(CSV_TYPES, (_request, payload, done) => done(null, payload));

  app.post(
    "/v1/contacts",
    {
      config,
      bodyLimit: batchBodyLimitBytes,
      schema: {
        tags,
        summary: 'Create or update contacts: one, or up to 1,000 as {"data": [...]}',
        description: `A contact: ${CONTACT_FIELDS_HELP} With an external_id seen before, the contact is updated (200): the fields sent replace the stored ones, the others keep their values. Otherwise it is created (201). A batch answers 200 with one result per item (status 201, 200 or 400 with errors); the good items are saved even when others are refused.`,
        body: Type.Object(
          {
            data: Type.Optional(
              Type.Array(Type.Unknown(), {
                description: `A batch: up to ${MAX_BATCH.toLocaleString("en-US")} contacts, each like a single one.`,
              }),
            ),
          },
          { additionalProperties: true },
        ),
        response: { 200: Type.Union([ContactSchema, BatchResult]), 201: ContactSchema },
      },
    },
    async (request, reply) => {
      const { accountId } = authOf(request);
      const body = request.body as Record<string, unknown>;
      if (!("data" in body)) {
        const [result] = await contacts.upsert(accountId, [body], () => "body");
        if (!result) throw new Error("no result for the contact");
        if (result.status === 400) {
          throw new AppError(
            "validation",
            `The contact is invalid: ${result.errors.map((e) => `${e.field} ${e.message}`).join("; ")}`,
            { errors: result.errors },
          );
        }
        if (result.status === 201)
          reply.code(201).header("location", `/v1/contacts/${result.contact.id}`);
        return contactJson(result.contact);
      }
      const items = body.data as unknown[];
      const extra = Object.keys(body).filter((k) => k !== "data");
      if (extra.length > 0) {
        throw new AppError(
          "validation",
          `A batch is {"data": [...]} alone; ${extra.map((k) => `"${k}"`).join(", ")} belongs inside each contact.`,
          { errors: extra.map((k) => ({ field: `body.${k}`, message: "unknown field" })) },
        );
      }
      if (items.length > MAX_BATCH) {
        throw new AppError(
          "payload_too_large",
          `The batch has ${items.length.toLocaleString("en-US")} contacts; at most ${MAX_BATCH.toLocaleString("en-US")} go in one request. Split it, or upload a CSV to POST /v1/contacts/import.`,
          { errors: [{ field: "body.data", message: `at most ${MAX_BATCH} items` }] },
        );
      }
      const results = await contacts.upsert(accountId, items, (i) => `body.data.${i}`);
      const count = (status: number) => results.filter((r) => r.status === status).length;
      return {
        object: "contact_batch" as const,
        created: count(201),
        updated: count(200),
        failed: count(400),
        data: results.map((r, index) =>
          r.status === 400
            ? {
                index,
                status: r.status,
                errors: r.errors.map((e) => ({ field: e.field ?? "", message: e.message })),
              }
            : { index, status: r.status, contact: contactJson(r.contact) },
        ),
      };
    },
  );

  app.post(
    "/v1/contacts/import",
    {
      config,
      schema: {
        tags,
        summary: "Import contacts from a CSV (text/csv body or multipart file)",
        description: `The same streaming import as a campaign's recipients (encodings, delimiters, the headers of Excel, Google Contacts, Outlook and CRM exports, \`mapping\`), plus the contact columns ${Object.keys(CONTACT_COLUMNS).join(", ")} (e.g. "External ID" or "CRM id", "Spouse / Partner", "Children", "Tags", "Notes", "Mail Status", "Do Not Mail"). Rows with an External ID seen before update that contact (the file's columns replace, columns it lacks keep their values); rows without one create contacts. A row needs a name; an address is optional. A birthday or anniversary that cannot be real (1900-01-01, 1970-01-01, 31 February, 29 February of a non-leap year, a future date…) is left out with a warning and the row is imported. Atomic: a fatal problem imports nothing. At most ${DEFAULT_LIMITS.maxRows.toLocaleString("en-US")} rows.`,
        querystring: ImportQuery,
        documentedBody: {
          content: {
            ...csvMedia,
            "multipart/form-data": multipartForm("The CSV", {
              mapping: 'JSON: header → field, e.g. {"CRM id":"externalId"}',
              default_country: "ISO 3166-1 alpha-2 for rows without a country",
            }),
          },
        },
        response: { 201: ContactImportSchema },
      },
    },
    async (request, reply) => {
      const { accountId } = authOf(request);
      const upload = await readCsvUpload(request, request.query);
      const result = await contacts.import(accountId, upload);
      return reply
        .code(201)
        .header("location", `/v1/contacts/imports/${result.id}`)
        .send(contactImportJson(result));
    },
  );

  app.get(
    "/v1/contacts/imports/:id",
    {
      config,
      schema: {
        tags,
        summary: "A contacts import's report",
        params: IdParams,
        response: { 200: ContactImportSchema },
      },
    },
    async (request) =>
      contactImportJson(await contacts.getImport(authOf(request).accountId, request.params.id)),
  );

  app.get(
    "/v1/contacts/imports/:id/failures.csv",
    {
      config,
      schema: {
        tags,
        summary: "Every rejected or duplicate row of a contacts import, with reasons (CSV)",
        params: IdParams,
        response: { 200: fileResponse("text/csv", "The rejected rows") },
      },
    },
    async (request, reply) => {
      const stream = await contacts.failuresCsv(authOf(request).accountId, request.params.id);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${request.params.id}-failures.csv"`)
        .send(stream);
    },
  );

  app.get(
    "/v1/contacts",
    {
      config,
      schema: {
        tags,
        summary: "List contacts, newest first",
        querystring: ContactListQuery,
        response: { 200: listOf(ContactSchema) },
      },
    },
    async (request) => {
      const { q, tag, birthday_month, mail_status } = request.query;
      const rows = await contacts.list(
        authOf(request).accountId,
        { q, tag, birthdayMonth: birthday_month, mailStatus: mail_status },
        pageOf(request.query, "time"),
      );
      return toList(rows, request.query.limit, contactJson);
    },
  );

  app.get(
    "/v1/contacts/:id",
    {
      config,
      schema: { tags, summary: "A contact", params: IdParams, response: { 200: ContactSchema } },
    },
    async (request) =>
      contactJson(await contacts.get(authOf(request).accountId, request.params.id)),
  );

  app.patch(
    "/v1/contacts/:id",
    {
      config,
      // The body is checked by the service, as each POSTed contact is: one error per field.
      attachValidation: true,
      schema: {
        tags,
        summary: "Change a contact",
        description: `The fields sent replace the stored ones (null clears one); address and custom change member by member. ${CONTACT_FIELDS_HELP} Marking a contact do_not_mail or returned takes it out of draft campaigns.`,
        params: IdParams,
        body: ContactInput,
        response: { 200: ContactSchema },
      },
    },
    async (request) => {
      // Params are checked all the same (a bad id is a 400, not a lookup).
      if (request.validationError?.validationContext === "params") throw request.validationError;
      return contactJson(
        await contacts.update(authOf(request).accountId, request.params.id, request.body),
      );
    },
  );

  app.delete(
    "/v1/contacts/:id",
    {
      config,
      schema: {
        tags,
        summary: "Delete a contact (it leaves draft campaigns too; cards already made stay)",
        params: IdParams,
        response: { 204: Type.Null({ description: "Deleted" }) },
      },
    },
    async (request, reply) => {
      await contacts.remove(authOf(request).accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
