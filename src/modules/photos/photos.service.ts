import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PageRequest } from "../../db/cursor.ts";
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { AppError, conflict, type ErrorKind, notFound } from "../../errors.ts";
import { newId } from "../../ids.ts";
import {
  ImageError,
  type ImageErrorCode,
  PRINT_PPI_TARGET,
  type PreparedPhoto,
  preparePhoto,
  printPpi,
  resolutionWarning,
} from "../../images/index.ts";
import { DEFAULT_BLEED_IN, FORMATS, type FormatId } from "../../render/formats.ts";
import type { Storage } from "../../storage/storage.ts";
import { isZip, unzipPhotos } from "./photo-zip.ts";
import * as repo from "./photos.repository.ts";
import { createUploadSlots } from "./upload-slots.ts";

/** An uploaded file, spooled to local disk by the route (photos are never held whole in memory). */
export interface UploadedFile {
  filename: string;
  path: string;
}

const KIND: Record<ImageErrorCode, ErrorKind> = {
  empty: "unprocessable",
  not_an_image: "unprocessable",
  unsupported_format: "unprocessable",
  truncated: "unprocessable",
  too_many_pixels: "unprocessable",
  too_large: "payload_too_large",
};

/** The front of a format, bleed included: where a photo has to reach 300 ppi. */
function frontSlot(format: FormatId) {
  const spec = FORMATS[format];
  return {
    widthIn: spec.face.w + 2 * DEFAULT_BLEED_IN,
    heightIn: spec.face.h + 2 * DEFAULT_BLEED_IN,
    label: `the front of a ${spec.label.toLowerCase()}`,
  };
}

/**
 * How well a photo of `widthPx` x `heightPx` prints on the front of `format`: its effective ppi
 * and a verdict ("good" at 300 ppi or more, "soft" under it, "too_small" under 150).
 */
export function photoResolution(widthPx: number, heightPx: number, format: FormatId) {
  const slot = frontSlot(format);
  const ppi = Math.floor(printPpi(widthPx, heightPx, slot.widthIn, slot.heightIn));
  const issue = resolutionWarning(widthPx, heightPx, slot);
  return {
    ppi,
    target: PRINT_PPI_TARGET,
    verdict: !issue ? "good" : issue.severity === "error" ? "too_small" : "soft",
    where: slot.label,
    /** Pixels the photo needs for the target (upright, as the slot is). */
    needPx: [
      Math.ceil(slot.widthIn * PRINT_PPI_TARGET),
      Math.ceil(slot.heightIn * PRINT_PPI_TARGET),
    ],
    message: issue?.message ?? null,
  } as const;
}

type Failure = { field: string; message: string; code: ImageErrorCode };

const photoKey = (accountId: string, photoId: string, name: string) =>
  `accounts/${accountId}/photos/${photoId}/${name}`;

/** Photos: uploads turned into print masters (sharp, in images/), stored, and recorded. */
export function createPhotosService(deps: {
  pool: Pool;
  storage: Storage;
  /** Largest photo, as uploaded or unzipped (UPLOAD_LIMIT_BYTES). */
  maxBytes: number;
  /** What the upload's ZIPs may inflate to together (ZIP_INFLATED_LIMIT_BYTES). */
  zipInflatedLimitBytes: number;
  /** Uploads unzipped and decoded at once in this process (PHOTO_UPLOAD_CONCURRENCY). */
  concurrency: number;
}) {
  const { pool, storage } = deps;
  const slots = createUploadSlots(deps.concurrency);

  async function get(accountId: string, id: string) {
    const row = await repo.findPhoto(pool, accountId, id);
    if (!row) throw notFound("Photo");
    return row;
  }

  /** Prepares and stores one photo; a refusal is recorded, and once one is, nothing more is stored. */
  async function intake(
    accountId: string,
    file: UploadedFile,
    format: FormatId,
    outcome: { rows: Omit<repo.PhotoRow, "created_at">[]; failures: Failure[] },
  ): Promise<void> {
    let photo: PreparedPhoto;
    try {
      photo = await preparePhoto(file.path, {
        maxBytes: deps.maxBytes,
        slots: [frontSlot(format)],
      });
    } catch (error) {
      if (!(error instanceof ImageError)) throw error;
      outcome.failures.push({ field: file.filename, message: error.message, code: error.code });
      return;
    }
    if (outcome.failures.length > 0) return;
    const id = newId("photo");
    const masterKey = photoKey(accountId, id, "master.jpg");
    const previewKey = photoKey(accountId, id, "preview.jpg");
    // Recorded before the writes, so a failed write is cleaned up with the rest.
    outcome.rows.push({
      id,
      account_id: accountId,
      filename: file.filename,
      source_format: photo.source.format,
      width: photo.masterWidth,
      height: photo.masterHeight,
      bytes: photo.master.length,
      sha256: photo.sha256,
      master_key: masterKey,
      preview_key: previewKey,
      warnings: photo.warnings,
    });
    await storage.put(masterKey, photo.master, { contentType: "image/jpeg" });
    await storage.put(previewKey, photo.preview, { contentType: "image/jpeg" });
  }

  return {
    get,

    /**
     * Checks every file and stores none unless all are good: a rejected upload leaves nothing
     * behind. Each refusal names the file and what to do about it. Photos are stored as they are
     * prepared (one in memory at a time) and deleted again if a later one is refused. ZIPs are
     * unzipped into a temporary folder of their own, removed after.
     */
    async upload(
      accountId: string,
      files: UploadedFile[],
      format: FormatId = "card_5x7",
    ): Promise<repo.PhotoRow[]> {
      if (files.length === 0) {
        throw new AppError(
          "validation",
          "No file in the upload: send one or more images as multipart/form-data.",
          {
            errors: [{ field: "file", message: "missing" }],
          },
        );
      }
      return slots.run(async () => {
        const outcome = {
          rows: [] as Omit<repo.PhotoRow, "created_at">[],
          failures: [] as Failure[],
        };
        const inflated = { bytes: 0 };
        const limits = { fileBytes: deps.maxBytes, totalBytes: deps.zipInflatedLimitBytes };
        let unzipped: string | undefined;
        let count = 0;
        try {
          for (const file of files) {
            let members = [file];
            if (await isZip(file)) {
              unzipped ??= await mkdtemp(path.join(tmpdir(), "cardmerge-unzipped-"));
              members = await unzipPhotos(file, unzipped, limits, inflated);
            }
            for (const member of members) {
              count++;
              await intake(accountId, member, format, outcome);
            }
          }
          const { failures } = outcome;
          if (failures.length > 0) {
            const first = failures[0] as Failure;
            const detail =
              failures.length === 1
                ? `${first.field}: ${first.message}`
                : `${failures.length} of ${count} files were refused; nothing was stored.`;
            throw new AppError(KIND[first.code], detail, {
              // One name across the API: `code` (as CSV imports answer), per file and for the first.
              errors: failures.map(({ field, message, code }) => ({ field, message, code })),
              extra: { code: first.code },
            });
          }
          // Files exist before the database says so (DESIGN.md §5).
          return await withTransaction(pool, async (tx) =>
            Promise.all(outcome.rows.map((r) => repo.insertPhoto(tx, r))),
          );
        } catch (error) {
          await Promise.all(
            outcome.rows.map((r) => storage.deletePrefix(`accounts/${accountId}/photos/${r.id}`)),
          );
          throw error;
        } finally {
          if (unzipped) await rm(unzipped, { recursive: true, force: true });
        }
      });
    },

    list: (accountId: string, page: PageRequest) => repo.listPhotos(pool, accountId, page),

    async preview(accountId: string, id: string) {
      const row = await get(accountId, id);
      return storage.get(row.preview_key);
    },

    async master(accountId: string, id: string): Promise<{ row: repo.PhotoRow; jpeg: Buffer }> {
      const row = await get(accountId, id);
      return { row, jpeg: await storage.getBuffer(row.master_key) };
    },

    async remove(accountId: string, id: string) {
      try {
        const row = await repo.deletePhoto(pool, accountId, id);
        if (!row) throw notFound("Photo");
        await storage.deletePrefix(`accounts/${accountId}/photos/${id}`);
      } catch (error) {
        if ((error as { code?: string }).code === "23503") {
          throw conflict("This photo is used by a campaign or a recipient; remove it there first.");
        }
        throw error;
      }
    },
  };
}

export type PhotosService = ReturnType<typeof createPhotosService>;
