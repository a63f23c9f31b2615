import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AppError } from "../../errors.ts";
import { authOf } from "../../http/auth.ts";
import { fileResponse, multipartForm } from "../../http/openapi-docs.ts";
import { listOf, PageQuery, pageOf, toList } from "../../http/pagination.ts";
import { FORMAT_IDS, type FormatId } from "../../render/formats.ts";
import { requireStorable } from "../shared/storable-text.ts";
import type { PhotoRow } from "./photos.repository.ts";
import type { PhotosService, UploadedFile } from "./photos.service.ts";
import { spoolPart } from "./spool-part.ts";

const PhotoSchema = Type.Object(
  {
    object: Type.Literal("photo"),
    id: Type.String(),
    filename: Type.String({
      description: "A CSV's photo column may name the photo by this file name or by id.",
    }),
    source_format: Type.String(),
    width: Type.Integer({ description: "Print master width in pixels, upright." }),
    height: Type.Integer(),
    bytes: Type.Integer(),
    sha256: Type.String(),
    warnings: Type.Array(Type.String()),
    created_at: Type.String(),
  },
  { $id: "Photo" },
);

export const photoJson = (row: PhotoRow) => ({
  object: "photo" as const,
  id: row.id,
  filename: row.filename,
  source_format: row.source_format,
  width: row.width,
  height: row.height,
  bytes: Number(row.bytes),
  sha256: row.sha256,
  warnings: row.warnings,
  created_at: row.created_at.toISOString(),
});

const tags = ["photos"];
/** Files in one multipart upload (a ZIP counts as one here; its own limit applies inside). */
const MAX_FILES = 50;
const config = { scope: "campaigns" as const };
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const photosRoutes: FastifyPluginAsyncTypebox<{
  photos: PhotosService;
  uploadLimitBytes: number;
}> = async (app, { photos, uploadLimitBytes }) => {
  app.post(
    "/v1/photos",
    {
      config,
      schema: {
        tags,
        summary: "Upload one or more photos (multipart/form-data, any field name)",
        description:
          "JPEG, PNG, WebP, TIFF or GIF, or a ZIP of them (each photo keeps its file name, for the CSV's photo column). Each is oriented upright, stripped of metadata, converted to sRGB and kept as a print master. If any file is refused, none is stored.",
        documentedBody: {
          content: {
            "multipart/form-data": multipartForm(
              "A photo or a ZIP of photos; more file parts may follow, under any field name.",
            ),
          },
        },
        querystring: Type.Object({
          format: Type.Optional(
            Type.Unsafe<FormatId>({
              type: "string",
              enum: FORMAT_IDS,
              description:
                "The card format the photo is for: warnings judge its resolution on that front (default card_5x7).",
            }),
          ),
        }),
        response: {
          201: Type.Object({ object: Type.Literal("list"), data: Type.Array(PhotoSchema) }),
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new AppError(
          "validation",
          "Send photos as multipart/form-data (curl -F file=@photo.jpg).",
        );
      }
      const dir = await mkdtemp(path.join(tmpdir(), "cardmerge-photos-"));
      try {
        const files: UploadedFile[] = [];
        // Bounded per request, not only per file; what ZIPs inflate to is bounded by the service.
        const budget = { left: uploadLimitBytes, limit: uploadLimitBytes };
        for await (const part of request.files({ limits: { files: MAX_FILES } })) {
          const filename = part.filename || part.fieldname;
          requireStorable(filename, "file.filename");
          const file = path.join(dir, `part-${files.length}`);
          await spoolPart(part.file, file, budget);
          files.push({ filename, path: file });
        }
        const rows = await photos.upload(authOf(request).accountId, files, request.query.format);
        return reply.code(201).send({ object: "list" as const, data: rows.map(photoJson) });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  app.get(
    "/v1/photos",
    {
      config,
      schema: {
        tags,
        summary: "List photos, newest first",
        querystring: PageQuery,
        response: { 200: listOf(PhotoSchema) },
      },
    },
    async (request) => {
      const rows = await photos.list(authOf(request).accountId, pageOf(request.query, "time"));
      return toList(rows, request.query.limit, photoJson);
    },
  );

  app.get(
    "/v1/photos/:id",
    {
      config,
      schema: {
        tags,
        summary: "Get a photo's details",
        params: IdParams,
        response: { 200: PhotoSchema },
      },
    },
    async (request) => photoJson(await photos.get(authOf(request).accountId, request.params.id)),
  );

  app.get(
    "/v1/photos/:id/preview.jpg",
    {
      config,
      schema: {
        tags,
        summary: "A small JPEG preview",
        params: IdParams,
        response: { 200: fileResponse("image/jpeg", "The preview") },
      },
    },
    async (request, reply) => {
      const stream = await photos.preview(authOf(request).accountId, request.params.id);
      return reply.type("image/jpeg").header("cache-control", "private, max-age=3600").send(stream);
    },
  );

  app.delete(
    "/v1/photos/:id",
    {
      config,
      schema: {
        tags,
        summary: "Delete a photo no campaign or recipient uses",
        params: IdParams,
        response: { 204: Type.Null({ description: "Deleted" }) },
      },
    },
    async (request, reply) => {
      await photos.remove(authOf(request).accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
