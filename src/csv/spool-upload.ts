/**
 * An upload is read to a temporary file before its import opens a transaction: a slow client then
 * holds a socket, not a database connection and the campaign's row lock.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type ReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CsvImportError } from "./index.ts";

export interface Spooled {
  open(): ReadStream;
  remove(): Promise<void>;
}

export async function spoolUpload(
  body: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  maxBytes: number,
): Promise<Spooled> {
  const file = path.join(tmpdir(), `cardmerge-upload-${randomBytes(8).toString("hex")}`);
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        done(
          new CsvImportError(
            "too_large",
            `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB: split it into smaller files.`,
          ),
        );
      } else done(null, chunk);
    },
  });
  try {
    await pipeline(body as NodeJS.ReadableStream, limit, createWriteStream(file));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return { open: () => createReadStream(file), remove: () => rm(file, { force: true }) };
}
