/**
 * A campaign's photo as the console shows it: its preview and its print verdict at a format's
 * size, and the multipart reading that brings it in (spooled to disk, as the API's upload does).
 */
import path from "node:path";
import type { FastifyRequest } from "fastify";
import { FORMATS as FORMAT_IDS } from "../../modules/campaigns/campaigns.schemas.ts";
import type { PhotoRow } from "../../modules/photos/photos.repository.ts";
import { photoResolution, type UploadedFile } from "../../modules/photos/photos.service.ts";
import { spoolPart } from "../../modules/photos/spool-part.ts";
import type { FormatId } from "../../render/index.ts";

export const ID = /^[\w-]{1,64}$/;
export const isFormat = (f: string): f is FormatId => (FORMAT_IDS as readonly string[]).includes(f);

type Verdict = ReturnType<typeof photoResolution>;
export const photoView = (row: PhotoRow, format: string) => ({
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
export async function readMultipart(request: FastifyRequest, dir: string, limitBytes: number) {
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
