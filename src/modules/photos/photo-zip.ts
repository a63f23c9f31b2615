/**
 * Photos sent as one ZIP (a folder of job photos, zipped): each image inside becomes an upload named
 * by its file name, so a CSV's photo column can name it. Bounded against ZIP bombs, which inflate a
 * thousandfold: entries are listed first and refused on what they declare (nothing inflated yet),
 * then each is inflated to a file of its own while the bytes are counted, per entry and for the
 * whole upload, and stopped at the limit or where it passes its declared size. The declared sizes
 * only allow an early refusal; what is inflated is what is counted.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import { AppError } from "../../errors.ts";
import { unstorable } from "../shared/storable-text.ts";
import type { UploadedFile } from "./photos.service.ts";

const MAX_ENTRIES = 500;
/** Folders and skipped litter count too: a central directory of millions of entries is refused. */
const MAX_LISTED = 10 * MAX_ENTRIES;
const SKIPPED = /(^|\/)(__MACOSX|\.[^/]*)(\/|$)/;

export interface ZipLimits {
  /** Largest photo inside, inflated (the photo limit, UPLOAD_LIMIT_BYTES). */
  fileBytes: number;
  /** What every ZIP of the upload may inflate to together (ZIP_INFLATED_LIMIT_BYTES). */
  totalBytes: number;
}

/** Bytes inflated so far across the upload's ZIPs (shared by the calls for one upload). */
export interface InflatedSoFar {
  bytes: number;
}

export async function isZip(file: UploadedFile): Promise<boolean> {
  if (/\.zip$/i.test(file.filename)) return true;
  const handle = await open(file.path, "r");
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    return head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  } finally {
    await handle.close();
  }
}

const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MiB`;

/**
 * Inflates the photos of `zip` into `dir` and answers them as uploads.
 *
 * @throws {AppError} 413 when an entry or the upload's ZIPs together would inflate past the limits
 *   (declared, or counted while inflating), or there are too many entries; 422 for a damaged ZIP.
 */
export async function unzipPhotos(
  zip: UploadedFile,
  dir: string,
  limits: ZipLimits,
  inflated: InflatedSoFar,
): Promise<UploadedFile[]> {
  const name = zip.filename;
  const tooLarge = (entry: string, what: string) =>
    new AppError("payload_too_large", `${name}: ${entry} ${what}`, {
      errors: [{ field: `${name}/${entry}`, message: what }],
      extra: { limit_bytes: limits.fileBytes, total_limit_bytes: limits.totalBytes },
    });
  const damaged = (why: string) =>
    new AppError("unprocessable", `${name} is damaged: ${why}.`, {
      errors: [{ field: name, message: "damaged ZIP" }],
    });

  let archive: yauzl.ZipFile;
  try {
    archive = await yauzl.openPromise(zip.path, {
      lazyEntries: true,
      autoClose: false,
      strictFileNames: false,
      // Sizes are checked below, on the bytes counted, with the limits' own messages.
      validateEntrySizes: false,
    });
  } catch (error) {
    throw new AppError("unprocessable", `${name} is not a readable ZIP file.`, {
      errors: [{ field: name, message: "not a readable ZIP" }],
      cause: error,
    });
  }
  try {
    if (archive.entryCount > MAX_LISTED) {
      throw new AppError(
        "payload_too_large",
        `${name} lists ${archive.entryCount} entries: split it.`,
      );
    }
    // 1. List and refuse on what is declared, before a byte is inflated.
    const entries: yauzl.Entry[] = [];
    let declared = inflated.bytes;
    for await (const entry of archive.eachEntry()) {
      if (entry.fileName.endsWith("/") || SKIPPED.test(entry.fileName)) continue;
      if (unstorable(entry.fileName)) {
        throw new AppError("unprocessable", `${name} holds a file whose name is not text.`, {
          errors: [{ field: name, message: "a file name holds a NUL or broken character" }],
        });
      }
      if (entries.length >= MAX_ENTRIES) {
        throw new AppError(
          "payload_too_large",
          `${name} holds more than ${MAX_ENTRIES} files: split it.`,
        );
      }
      if (entry.uncompressedSize > limits.fileBytes) {
        throw tooLarge(
          entry.fileName,
          `unzips to ${mb(entry.uncompressedSize)}; a photo may be at most ${mb(limits.fileBytes)} (UPLOAD_LIMIT_BYTES).`,
        );
      }
      declared += entry.uncompressedSize;
      if (declared > limits.totalBytes) {
        throw tooLarge(
          entry.fileName,
          `takes what the upload unzips to past ${mb(limits.totalBytes)} (ZIP_INFLATED_LIMIT_BYTES): send the photos in several uploads.`,
        );
      }
      entries.push(entry);
    }

    // 2. Inflate each to its own file, counting.
    const files: UploadedFile[] = [];
    for (const entry of entries) {
      const target = path.join(dir, `unzipped-${randomBytes(8).toString("hex")}`);
      let entryBytes = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          entryBytes += chunk.length;
          inflated.bytes += chunk.length;
          if (entryBytes > entry.uncompressedSize) {
            done(damaged(`${entry.fileName} inflates past the size its header declares`));
          } else if (inflated.bytes > limits.totalBytes) {
            done(
              tooLarge(
                entry.fileName,
                `takes what the upload unzips to past ${mb(limits.totalBytes)} (ZIP_INFLATED_LIMIT_BYTES).`,
              ),
            );
          } else done(null, chunk);
        },
      });
      let stream: NodeJS.ReadableStream;
      try {
        stream = await archive.openReadStreamPromise(entry);
      } catch (error) {
        throw damaged((error as Error).message);
      }
      try {
        await pipeline(stream, count, createWriteStream(target));
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw damaged((error as Error).message);
      }
      if (entryBytes < entry.uncompressedSize) {
        throw damaged(`${entry.fileName} is shorter than its header declares`);
      }
      files.push({ filename: path.posix.basename(entry.fileName), path: target });
    }
    return files;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw damaged((error as Error).message);
  } finally {
    archive.close();
  }
}
