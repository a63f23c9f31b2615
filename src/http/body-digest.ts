/**
 * A SHA-256 of a streamed request body (CSV, JSON import, multipart), taken as the route reads it:
 * nothing is buffered and the route's own reading is untouched. Multipart boundaries are left out
 * of the hash, since every client picks a new one per request: the same files sent again hash the
 * same. Used by Idempotency-Key to tell a retry (same bytes) from another request (422).
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";

export interface BodyDigest {
  /** Bytes hashed so far (boundaries excluded). */
  readonly bytes: number;
  /** The body was read to its end. */
  readonly ended: boolean;
  /** `stream:<sha256 hex>:<bytes>` once the body has ended; undefined before. */
  value(): string | undefined;
  /**
   * Reads the rest of the body (when nothing else will) into the digest. Resolves true at its end,
   * false as soon as more than `maxBytes` were hashed or the stream failed.
   */
  readToEnd(maxBytes: number): Promise<boolean>;
}

/** The bytes hashed in `stored` (a value() of an earlier request), or undefined for another kind. */
export function digestBytes(stored: string): number | undefined {
  const match = /^stream:[0-9a-f]{64}:(\d+)$/.exec(stored);
  return match ? Number(match[1]) : undefined;
}

/**
 * Starts hashing `body` from its first byte. Call before anything reads it: the stream is paused so
 * the listener added here does not start the flow; the route's reader (pipe, async iteration,
 * busboy) starts it and every chunk it reads passes through here too.
 */
export function digestBody(body: Readable, prefix: string, boundary?: string): BodyDigest {
  const hash = createHash("sha256").update(prefix);
  let bytes = 0;
  let ended = false;
  const add = (part: Buffer) => {
    bytes += part.length;
    hash.update(part);
  };
  const strip = boundary ? boundaryStripper(Buffer.from(boundary, "latin1"), add) : undefined;
  body.pause();
  body.on("data", (chunk: Buffer | string) => {
    const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (strip) strip.write(data);
    else add(data);
  });
  body.once("end", () => {
    strip?.end();
    ended = true;
  });
  let digest: string | undefined;
  return {
    get bytes() {
      return bytes;
    },
    get ended() {
      return ended;
    },
    value() {
      if (!ended) return undefined;
      digest ??= `stream:${hash.digest("hex")}:${bytes}`;
      return digest;
    },
    readToEnd(maxBytes) {
      if (ended) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const check = () => {
          if (bytes <= maxBytes) return;
          finish(false);
          body.pause();
        };
        const finish = (result: boolean) => {
          body.off("data", check);
          body.off("end", onEnd);
          body.off("error", onFail);
          body.off("close", onClose);
          resolve(result);
        };
        const onEnd = () => finish(true);
        const onFail = () => finish(false);
        const onClose = () => finish(ended);
        body.on("data", check);
        body.once("end", onEnd);
        body.once("error", onFail);
        body.once("close", onClose);
        body.resume();
      });
    },
  };
}

/**
 * Passes bytes on without the occurrences of `boundary`, also where one spans two chunks: the
 * last boundary-length-minus-one bytes wait for the next chunk.
 */
function boundaryStripper(boundary: Buffer, out: (part: Buffer) => void) {
  let carry = Buffer.alloc(0);
  return {
    write(chunk: Buffer) {
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let from = 0;
      for (let at = data.indexOf(boundary, from); at !== -1; at = data.indexOf(boundary, from)) {
        if (at > from) out(data.subarray(from, at));
        from = at + boundary.length;
      }
      const keep = Math.max(from, data.length - (boundary.length - 1));
      if (keep > from) out(data.subarray(from, keep));
      carry = Buffer.from(data.subarray(keep));
    },
    end() {
      if (carry.length > 0) out(carry);
      carry = Buffer.alloc(0);
    },
  };
}
