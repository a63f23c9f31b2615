/**
 * An uploaded file is written to local disk as it arrives, against the upload's byte budget, before
 * any of it is unzipped or decoded: a slow or large upload holds a socket and a file, not memory,
 * and the slow work starts only once every byte is in (see upload-slots.ts).
 */
import { createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "../../errors.ts";

/** Bytes the upload may still take (shared by its files). */
export interface UploadBudget {
  left: number;
  readonly limit: number;
}

export async function spoolPart(
  part: NodeJS.ReadableStream,
  file: string,
  budget: UploadBudget,
): Promise<void> {
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      budget.left -= chunk.length;
      if (budget.left < 0) {
        done(
          new AppError(
            "payload_too_large",
            `The upload is over ${Math.round(budget.limit / 1048576)} MiB in all (UPLOAD_LIMIT_BYTES): send the photos in several requests.`,
            { extra: { limit_bytes: budget.limit } },
          ),
        );
      } else done(null, chunk);
    },
  });
  await pipeline(part, count, createWriteStream(file));
}
