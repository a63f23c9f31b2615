/**
 * Pictures and photos of the new-campaign page: a photo uploaded as soon as it is chosen (with its
 * print verdict), its verdict for another format, its preview, and the designs' fronts as PNGs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { AppError } from "../../errors.ts";
import type { PhotoRow } from "../../modules/photos/photos.repository.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import { ID, isFormat, photoView, readMultipart } from "./campaign-photo.ts";
import { createDesignPreviews } from "./design-previews.ts";

const hide = { hide: true };

export async function campaignMediaPages(app: FastifyInstance, { deps }: ConsoleContext) {
  const previews = createDesignPreviews(deps);

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
