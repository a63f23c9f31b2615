/**
 * Photos sent as one ZIP (a folder of job photos, zipped): each image inside becomes an upload named
 * by its file name, so a CSV's photo column can name it. Bounded against ZIP bombs: entry count,
 * each entry's size and the total, checked on the bytes actually inflated (yauzl validates them).
 */
import path from "node:path";
import yauzl from "yauzl";
import { AppError } from "../../errors.ts";
import type { UploadedFile } from "./photos.service.ts";

const MAX_ENTRIES = 500;
const SKIPPED = /(^|\/)(__MACOSX|\.[^/]*)(\/|$)/;

export function isZip(filename: string, data: Buffer): boolean {
  return (
    data.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) || /\.zip$/i.test(filename)
  );
}

export async function unzipPhotos(
  zipName: string,
  data: Buffer,
  limits: { fileBytes: number; totalBytes: number },
) {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(data, { lazyEntries: true, strictFileNames: false });
  } catch (error) {
    throw new AppError(
      "unprocessable",
      `${zipName} is not a readable ZIP file: ${(error as Error).message}.`,
      {
        errors: [{ field: zipName, message: "not a readable ZIP" }],
      },
    );
  }
  const files: UploadedFile[] = [];
  let total = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith("/") || SKIPPED.test(entry.fileName)) continue;
      if (files.length >= MAX_ENTRIES) {
        throw new AppError(
          "payload_too_large",
          `${zipName} holds more than ${MAX_ENTRIES} files: split it.`,
        );
      }
      if (
        entry.uncompressedSize > limits.fileBytes ||
        total + entry.uncompressedSize > limits.totalBytes
      ) {
        throw new AppError(
          "payload_too_large",
          `${zipName}: ${entry.fileName} makes the upload too large once unzipped.`,
          {
            errors: [{ field: entry.fileName, message: "too large" }],
          },
        );
      }
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      total += bytes.length;
      files.push({ filename: path.posix.basename(entry.fileName), data: bytes });
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("unprocessable", `${zipName} is damaged: ${(error as Error).message}.`, {
      errors: [{ field: zipName, message: "damaged ZIP" }],
    });
  } finally {
    zip.close();
  }
  return files;
}
