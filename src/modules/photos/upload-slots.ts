/**
 * At most a few photo uploads unzip and decode at once in one process (PHOTO_UPLOAD_CONCURRENCY):
 * a ZIP inflates and a photo decodes to far more memory than it took to send (a 300 KB PNG of
 * 100 megapixels takes about 170 MB to decode), so six at once must not mean six times that.
 * Later uploads wait in line; past a short line they are told to come back (503, Retry-After).
 */
import { AppError } from "../../errors.ts";

/** Uploads that may wait per slot before the next is turned away. */
const WAITING_PER_SLOT = 4;
const RETRY_AFTER_SECONDS = 5;

export interface UploadSlots {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createUploadSlots(size: number): UploadSlots {
  let busy = 0;
  const line: (() => void)[] = [];
  return {
    async run(work) {
      if (busy < size) busy++;
      else if (line.length >= size * WAITING_PER_SLOT) {
        throw new AppError(
          "unavailable",
          `Too many photo uploads are being processed right now: retry in ${RETRY_AFTER_SECONDS} s.`,
          { extra: { retry_after: RETRY_AFTER_SECONDS } },
        );
      } else {
        // The slot is handed over by the upload that finishes, so busy stays as it is.
        await new Promise<void>((resolve) => line.push(resolve));
      }
      try {
        return await work();
      } finally {
        const next = line.shift();
        if (next) next();
        else busy--;
      }
    },
  };
}
