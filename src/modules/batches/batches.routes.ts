/**
 * The vendor's side: list ready batches, download each as PDF, manifest CSV or ZIP (streamed, with
 * ETag and byte ranges so big files resume), and acknowledge download, printing and mailing.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Pool } from "../../db/pool.ts";
import { AppError, notFound } from "../../errors.ts";
import { authOf } from "../../http/auth.ts";
import { fileResponse } from "../../http/openapi-docs.ts";
import { listOf, PageQuery, pageOf, toList } from "../../http/pagination.ts";
import { sendProblem } from "../../http/problem.ts";
import { SHEET_IDS, type SheetId } from "../../render/index.ts";
import type { Storage } from "../../storage/storage.ts";
import { batchFileName } from "./batch-file-name.ts";
import { batchJson } from "./batch-json.ts";
import { acknowledge, findBatch, listBatches, type VendorBatch } from "./batches.repository.ts";
import type { ImposedSheetsService } from "./imposed-sheets.service.ts";

const FileSchema = Type.Union([
  Type.Object({ url: Type.String(), bytes: Type.Integer(), sha256: Type.String() }),
  Type.Null(),
]);
const BatchSchema = Type.Object(
  {
    object: Type.Literal("batch"),
    id: Type.String(),
    campaign_id: Type.String(),
    format: Type.String(),
    number: Type.Integer(),
    cards: Type.Integer(),
    pages: Type.Union([Type.Integer(), Type.Null()]),
    color_mode: Type.Union([Type.Literal("rgb"), Type.Literal("cmyk")], {
      description:
        "The colour its PDF and imposed sheets are made in (the account's color_mode when the campaign was submitted); the PDF's output intent names the ICC profile.",
    }),
    status: Type.String({ description: "ready, downloaded, printed or mailed" }),
    automation: Type.Union(
      [
        Type.Object({ id: Type.String(), name: Type.String(), send_date: Type.String() }),
        Type.Null(),
      ],
      { description: "The automation whose day's cards this batch prints; null for a campaign's." },
    ),
    files: Type.Object({ pdf: FileSchema, manifest: FileSchema, zip: FileSchema }),
    ready_at: Type.Union([Type.String(), Type.Null()]),
    downloaded_at: Type.Union([Type.String(), Type.Null()]),
    printed_at: Type.Union([Type.String(), Type.Null()]),
    mailed_at: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String(),
  },
  { $id: "Batch" },
);

/** The vendor's clock and ours may differ this much; beyond it an acknowledgement's time is a mistake. */
const CLOCK_SKEW_MS = 5 * 60_000;

const FILES = {
  pdf: { key: "pdf", type: "application/pdf", doc: "application/pdf", ext: "pdf" },
  "manifest.csv": {
    key: "manifest",
    type: "text/csv; charset=utf-8",
    doc: "text/csv",
    ext: "csv",
  },
  zip: { key: "zip", type: "application/zip", doc: "application/zip", ext: "zip" },
} as const;

/** Parses a single `bytes=a-b` range (the form download managers send); undefined = whole file. */
function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  // RFC 9110: a range whose last byte is before its first is invalid and ignored (the whole file).
  if (m[1] !== "" && m[2] !== "" && Number(m[2]) < Number(m[1])) return undefined;
  const start = m[1] === "" ? Math.max(0, size - Number(m[2])) : Number(m[1]);
  const end = m[1] === "" || m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start > end || start >= size ? "unsatisfiable" : { start, end };
}

const downloadName = (b: VendorBatch) =>
  batchFileName({
    id: b.id,
    format: b.format,
    number: b.number,
    campaignName: b.campaign_name,
    fromAutomation: b.automation != null,
    test: b.campaign_mode === "test",
  });

const tags = ["batches"];
const config = { scope: "batches" as const };
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const PdfResponse = fileResponse("application/pdf", "The PDF");

export const batchesRoutes: FastifyPluginAsyncTypebox<{
  pool: Pool;
  storage: Storage;
  imposed: ImposedSheetsService;
}> = async (app, { pool, storage, imposed }) => {
  async function batchOf(request: FastifyRequest, id: string) {
    const batch = await findBatch(pool, authOf(request).accountId, id);
    if (!batch) throw notFound("Batch");
    return batch;
  }

  app.get(
    "/v1/batches",
    {
      config,
      schema: {
        tags,
        summary: "List print batches, newest first (status=ready for the ones to print)",
        querystring: Type.Intersect([
          PageQuery,
          Type.Object({
            status: Type.Optional(
              Type.Unsafe<string>({
                type: "string",
                enum: ["ready", "downloaded", "printed", "mailed"],
              }),
            ),
          }),
        ]),
        response: { 200: listOf(BatchSchema) },
      },
    },
    async (request) => {
      const { limit, status } = request.query;
      const page = { ...pageOf(request.query, "time"), status };
      return toList(await listBatches(pool, authOf(request).accountId, page), limit, batchJson);
    },
  );

  app.get(
    "/v1/batches/:id",
    {
      config,
      schema: {
        tags,
        summary: "A batch, its files and checksums",
        params: IdParams,
        response: { 200: BatchSchema },
      },
    },
    async (request) => batchJson(await batchOf(request, request.params.id)),
  );

  for (const [path, spec] of Object.entries(FILES)) {
    app.get(
      `/v1/batches/:id/${path}`,
      {
        config,
        schema: {
          tags,
          summary: `Download the batch ${spec.ext.toUpperCase()} (ETag = SHA-256; Range supported)`,
          params: IdParams,
          response: {
            200: fileResponse(spec.doc, "The file"),
            206: fileResponse(spec.doc, "The requested range (Range: bytes=a-b)"),
            304: Type.Null({ description: "Not modified (If-None-Match matched the ETag)" }),
          },
          problems: [416],
        },
      },
      async (request, reply: FastifyReply) => {
        const batch = await batchOf(request, (request.params as { id: string }).id);
        const key = batch[`${spec.key}_key`];
        if (!key) throw notFound("Batch file");
        const size = Number(batch[`${spec.key}_bytes`]);
        const etag = `"${batch[`${spec.key}_sha256`]}"`;
        reply
          .header("etag", etag)
          .header("accept-ranges", "bytes")
          .header(
            "content-disposition",
            `attachment; filename="${downloadName(batch)}.${spec.ext}"`,
          )
          .type(spec.type);
        if (request.headers["if-none-match"] === etag) return reply.code(304).send();
        // Fetching the print file from its first byte is downloading it: the business sees it.
        const fromStart = !request.headers.range || /^bytes=0-/.test(request.headers.range);
        if (spec.key !== "manifest" && fromStart && !batch.downloaded_at)
          await acknowledge(pool, authOf(request).accountId, batch.id, "downloaded", new Date());
        // If-Range with a stale ETag: the client's partial copy is of another file; send it whole.
        const ifRange = request.headers["if-range"];
        const range =
          ifRange && ifRange !== etag ? undefined : byteRange(request.headers.range, size);
        if (range === "unsatisfiable") {
          reply.header("content-range", `bytes */${size}`);
          return sendProblem(reply, 416, `The range is outside the file, which has ${size} bytes.`);
        }
        if (!range) return reply.header("content-length", size).send(await storage.get(key));
        return reply
          .code(206)
          .header("content-range", `bytes ${range.start}-${range.end}/${size}`)
          .header("content-length", range.end - range.start + 1)
          .send(await storage.get(key, range));
      },
    );
  }

  app.get(
    "/v1/batches/:id/imposed.pdf",
    {
      config,
      schema: {
        tags,
        summary: "Download the batch imposed on press sheets for cut and stack",
        description:
          "As many cards as fit on the sheet with their bleed and a gutter; each press sheet is two pages (front, then back mirrored for work-and-turn), with crop marks and a slug line. Cut the stack once and lay the piles end to end: the batch's order. The manifest's sheet and sheet_position columns are for the account's imposition_sheet. Made on the first request (seconds for a large batch), then kept.",
        params: IdParams,
        querystring: Type.Object(
          {
            sheet: Type.Optional(
              Type.Unsafe<SheetId>({
                type: "string",
                enum: SHEET_IDS,
                description: "Press sheet size; default: the account's imposition_sheet.",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: PdfResponse },
      },
    },
    async (request, reply) => {
      const batch = await batchOf(request, request.params.id);
      if (!batch.pdf_key) throw notFound("Batch file");
      const sheet = request.query.sheet ?? (await imposed.accountSheet(batch.account_id));
      const file = await imposed.file(batch, sheet);
      return reply
        .header("content-length", file.bytes)
        .header(
          "content-disposition",
          `attachment; filename="${batch.format}-${String(batch.number).padStart(3, "0")}-imposed-${sheet}.pdf"`,
        )
        .type("application/pdf")
        .send(await storage.get(file.key));
    },
  );

  app.post(
    "/v1/batches/:id/acknowledge",
    {
      config,
      schema: {
        tags,
        summary: "Tell the business what happened to a batch: downloaded, printed or mailed",
        params: IdParams,
        body: Type.Object(
          {
            status: Type.Unsafe<"downloaded" | "printed" | "mailed">({
              type: "string",
              enum: ["downloaded", "printed", "mailed"],
            }),
            at: Type.Optional(
              Type.String({ format: "date-time", description: "When it happened (default: now)." }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: BatchSchema },
      },
    },
    async (request) => {
      const { accountId } = authOf(request);
      const at = request.body.at ? new Date(request.body.at) : new Date();
      if (at.getTime() > Date.now() + CLOCK_SKEW_MS) {
        throw new AppError("validation", "at is in the future.", {
          errors: [{ field: "body.at", message: "in the future" }],
        });
      }
      const batch = await findBatch(pool, accountId, request.params.id);
      if (!batch) throw notFound("Batch");
      const readyAt = batch.ready_at as Date;
      if (at.getTime() < readyAt.getTime() - CLOCK_SKEW_MS) {
        throw new AppError(
          "validation",
          `at (${at.toISOString()}) is before the batch was ready (${readyAt.toISOString()}): send the time it was ${request.body.status}.`,
          { errors: [{ field: "body.at", message: "before the batch's ready_at" }] },
        );
      }
      const row = await acknowledge(pool, accountId, request.params.id, request.body.status, at);
      if (!row) throw notFound("Batch");
      return batchJson(row);
    },
  );
};
