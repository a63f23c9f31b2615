import type { Readable } from "node:stream";
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { DEFAULT_LIMITS } from "../../csv/index.ts";
import { authOf } from "../../http/auth.ts";
import { CSV_TYPES, parseMapping, readCsvUpload } from "../../http/csv-upload.ts";
import { csvMedia, fileResponse, multipartForm } from "../../http/openapi-docs.ts";
import { listOf, PageQuery, pageOf, toList } from "../../http/pagination.ts";
import type { ImportRequest } from "./import-recipients.ts";
import { type SpooledJsonImport, spoolJsonImport } from "./json-import.ts";
import {
  FromContactsSchema,
  HouseholdOption,
  ImportQuery,
  ImportSchema,
  importJson,
  RecipientSchema,
  recipientJson,
} from "./recipients.schemas.ts";
import type { RecipientsService } from "./recipients.service.ts";

const tags = ["recipients"];
const config = { scope: "campaigns" as const };
const CampaignParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const RecipientParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  rid: Type.String({ maxLength: 64 }),
});
const ImportParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  iid: Type.String({ maxLength: 64 }),
});

export const recipientsRoutes: FastifyPluginAsyncTypebox<{
  recipients: RecipientsService;
  jsonImportLimitBytes: number;
}> = async (app, { recipients, jsonImportLimitBytes }) => {
  // CSV bodies stream straight into the import; the importer enforces its own byte limit (413).
  app.addContentTypeParser(CSV_TYPES, (_request, payload, done) => done(null, payload));

  // The import route alone takes JSON as a stream (its own limits, counted as bytes arrive); every
  // other route, PATCH of a recipient included, keeps the parsed JSON and BODY_LIMIT_BYTES.
  await app.register(async (scope) => {
    const imports = scope.withTypeProvider<TypeBoxTypeProvider>();
    imports.removeContentTypeParser("application/json");
    imports.addContentTypeParser("application/json", (_request, payload, done) =>
      done(null, payload),
    );

    imports.post(
      "/v1/campaigns/:id/recipients",
      {
        config,
        schema: {
          tags,
          summary: "Import recipients: a CSV (text/csv body or multipart file) or a JSON array",
          description: `Streams the file, detects encoding (UTF-8, UTF-16, Windows-1252) and delimiter, maps the headers of Excel, Google Contacts, Outlook, Mailchimp, HubSpot and Salesforce exports, validates every row and skips duplicates. With \`household=true\`, people of one household get one card (see the option; merged.csv reports every merge). Atomic: a fatal problem imports nothing. Multipart: send \`mapping\` and \`default_country\` fields before the file. JSON: an array of recipients or {"recipients": [...], "mapping": {...}}, at most ${DEFAULT_LIMITS.maxRows.toLocaleString("en-US")} recipients and ${jsonImportLimitBytes.toLocaleString("en-US")} bytes (413 as soon as either is passed).`,
          params: CampaignParams,
          querystring: ImportQuery,
          documentedBody: {
            content: {
              ...csvMedia,
              "application/json": {
                schema: {
                  description:
                    'An array of recipients, or {"recipients": [...], "mapping": {...}}: keys as a CSV\'s headers.',
                },
              },
              "multipart/form-data": multipartForm("The CSV", {
                mapping: 'JSON: header → field, e.g. {"Zip Code":"postalCode"}',
                default_country: "ISO 3166-1 alpha-2 for rows without a country",
              }),
            },
          },
          response: { 201: ImportSchema },
        },
      },
      async (request, reply) => {
        const { accountId } = authOf(request);
        const type = request.headers["content-type"] ?? "";
        const defaultCountry = request.query.default_country;
        let req: ImportRequest;
        let spooled: SpooledJsonImport | undefined;
        if (!request.isMultipart() && type.startsWith("application/json")) {
          spooled = await spoolJsonImport(request.body as Readable, {
            maxBytes: jsonImportLimitBytes,
          });
          req = {
            source: "json",
            body: spooled.csv(),
            mapping: parseMapping(spooled.mapping ?? request.query.mapping),
            defaultCountry: defaultCountry?.toUpperCase(),
            household: request.query.household,
          };
        } else {
          req = {
            source: "csv",
            ...(await readCsvUpload(request, request.query)),
            household: request.query.household,
          };
        }
        try {
          const result = await recipients.import(accountId, request.params.id, req);
          return reply
            .code(201)
            .header("location", `/v1/campaigns/${result.campaign_id}/imports/${result.id}`)
            .send(importJson(result));
        } finally {
          await spooled?.remove();
        }
      },
    );
  });

  app.post(
    "/v1/campaigns/:id/recipients/from-contacts",
    {
      config,
      schema: {
        tags,
        summary: "Add the account's contacts (all, or those with a tag) as recipients",
        description:
          "Instead of a CSV: every contact (or every contact with `tag`) becomes a recipient of this draft campaign, with its merge data (custom fields, {{spouseName}}, {{children}}, birthday, anniversary). Contacts marked do_not_mail or returned, without an address, or without a value the message prints are skipped and counted by reason. People already in the campaign are counted as duplicates. Atomic.",
        params: CampaignParams,
        querystring: Type.Object({ household: Type.Optional(HouseholdOption) }),
        optionalBody: true,
        body: Type.Object(
          {
            tag: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 100,
                description: "Only contacts with this tag.",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: FromContactsSchema },
      },
    },
    async (request, reply) => {
      const report = await recipients.fromContacts(authOf(request).accountId, request.params.id, {
        tag: request.body.tag,
        household: request.query.household === true,
      });
      return reply.code(201).send({ object: "contacts_import" as const, ...report });
    },
  );

  app.get(
    "/v1/campaigns/:id/imports/:iid",
    {
      config,
      schema: {
        tags,
        summary: "An import's report",
        params: ImportParams,
        response: { 200: ImportSchema },
      },
    },
    async (request) =>
      importJson(
        await recipients.getImport(
          authOf(request).accountId,
          request.params.id,
          request.params.iid,
        ),
      ),
  );

  // An import's two CSV reports, read alike: the rejected rows, and a household import's merges.
  const reports = [
    {
      name: "failures",
      summary: "Every rejected or duplicate row, with reasons and original values (CSV)",
      holds: "The rejected rows",
      read: recipients.failuresCsv,
    },
    {
      name: "merged",
      summary:
        "A household import's merges: each merged row (row, name) with the card it joined, and rows not merged with why (CSV)",
      holds: "The merged rows",
      read: recipients.mergedCsv,
    },
  ] as const;
  for (const report of reports) {
    app.get(
      `/v1/campaigns/:id/imports/:iid/${report.name}.csv`,
      {
        config,
        schema: {
          tags,
          summary: report.summary,
          params: ImportParams,
          response: { 200: fileResponse("text/csv", report.holds) },
        },
      },
      async (request, reply) => {
        const { id, iid } = request.params;
        const stream = await report.read(authOf(request).accountId, id, iid);
        return reply
          .type("text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="${iid}-${report.name}.csv"`)
          .send(stream);
      },
    );
  }

  app.get(
    "/v1/campaigns/:id/recipients",
    {
      config,
      schema: {
        tags,
        summary: "List a campaign's recipients in import order",
        params: CampaignParams,
        querystring: PageQuery,
        response: { 200: listOf(RecipientSchema) },
      },
    },
    async (request) => {
      const page = pageOf(request.query, "seq");
      const rows = await recipients.list(authOf(request).accountId, request.params.id, page);
      return toList(rows, request.query.limit, recipientJson);
    },
  );

  app.get(
    "/v1/campaigns/:id/recipients/:rid",
    {
      config,
      schema: {
        tags,
        summary: "A recipient, with the report of their card as it renders now",
        params: RecipientParams,
        response: { 200: RecipientSchema },
      },
    },
    async (request) => {
      const { row, report } = await recipients.getWithReport(
        authOf(request).accountId,
        request.params.id,
        request.params.rid,
      );
      return { ...recipientJson(row), report };
    },
  );

  app.patch(
    "/v1/campaigns/:id/recipients/:rid",
    {
      config,
      schema: {
        tags,
        summary: "Edit a recipient of a draft campaign",
        description:
          "Same fields as a JSON import (first_name, last_name, address{…}, custom{…}…); validated like an imported row.",
        params: RecipientParams,
        body: Type.Record(Type.String(), Type.Unknown(), { maxProperties: 60 }),
        response: { 200: RecipientSchema },
      },
    },
    async (request) =>
      recipientJson(
        await recipients.update(
          authOf(request).accountId,
          request.params.id,
          request.params.rid,
          request.body,
        ),
      ),
  );

  app.delete(
    "/v1/campaigns/:id/recipients/:rid",
    {
      config,
      schema: {
        tags,
        summary: "Remove a recipient from a draft campaign",
        params: RecipientParams,
        response: { 204: Type.Null({ description: "Removed" }) },
      },
    },
    async (request, reply) => {
      await recipients.remove(authOf(request).accountId, request.params.id, request.params.rid);
      return reply.code(204).send(null);
    },
  );
};
