/**
 * Where files live: photos, uploaded CSVs, rendered PDFs, batch files. Keys are slash-separated
 * paths chosen by the caller (deterministic, so a retried job overwrites the same object).
 * A put is atomic: readers see the whole object or none of it.
 */
import { createHash } from "node:crypto";
import { PassThrough, Readable, Transform } from "node:stream";

export interface StoredObject {
  key: string;
  bytes: number;
  /** Hex SHA-256 of the content, computed while writing. */
  sha256: string;
}

export interface ObjectInfo {
  bytes: number;
  modifiedAt: Date;
}

export interface Storage {
  put(key: string, body: Readable | Buffer, opts?: { contentType?: string }): Promise<StoredObject>;
  /** The object's bytes, or a range of them (inclusive end, as HTTP Range). Throws StorageNotFound. */
  get(key: string, range?: { start: number; end: number }): Promise<Readable>;
  getBuffer(key: string): Promise<Buffer>;
  /**
   * The object's bytes read into the buffer `take` gives for its size (one the caller reuses)
   * instead of a fresh one. Throws StorageNotFound.
   */
  getInto(key: string, take: (bytes: number) => Promise<Buffer>): Promise<Buffer>;
  /** A stream to write one object into, stored as put stores it once the stream has finished. */
  openWriter(key: string, opts?: { contentType?: string }): Promise<ObjectWriter>;
  stat(key: string): Promise<ObjectInfo | undefined>;
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with prefix. */
  deletePrefix(prefix: string): Promise<void>;
}

export interface ObjectWriter {
  /** Written and ended by the caller. A local object's is a file stream. */
  stream: NodeJS.WritableStream;
  /** Once `stream` has finished: the object stored (atomically, as put), or put's error. */
  done(): Promise<StoredObject>;
  /** Stops the write; nothing is stored. */
  abort(error?: Error): Promise<void>;
}

/** A writer for drivers that store a stream with put: the stream is put's body. */
export function writerOverPut(put: (body: Readable) => Promise<StoredObject>): ObjectWriter {
  const stream = new PassThrough();
  const stored = put(stream);
  // A put that fails stops the writer's stream, so whoever writes it stops too.
  stored.catch((error: Error) => stream.destroy(error));
  return {
    stream,
    done: () => stored,
    abort: async (error) => {
      stream.destroy(error ?? new Error("write aborted"));
      await stored.catch(() => {});
    },
  };
}

/** Reads a stream of `bytes` bytes into `target` (exactly that long). */
export async function readInto(source: Readable, target: Buffer, key: string): Promise<Buffer> {
  let at = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (at + chunk.length > target.length) break;
    chunk.copy(target, at);
    at += chunk.length;
  }
  if (at !== target.length) {
    source.destroy();
    throw new Error(`Stored object ${key} changed while it was read`);
  }
  return target;
}

export class StorageNotFound extends Error {
  constructor(readonly key: string) {
    super(`No stored object at ${key}`);
    this.name = "StorageNotFound";
  }
}

const SAFE_KEY = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** Keys come from our own ids, never raw user input; still, refuse anything that could escape. */
export function checkKey(key: string): string {
  if (!SAFE_KEY.test(key) || key.split("/").some((part) => part === "." || part === "..")) {
    throw new Error(`Unsafe storage key: ${JSON.stringify(key)}`);
  }
  return key;
}

/**
 * Bytes and SHA-256 of what is written, counted chunk by chunk: every driver reports an object
 * the same way, computed while writing.
 */
export function objectMeter(): { add(chunk: Buffer): void; stored(key: string): StoredObject } {
  const hash = createHash("sha256");
  let bytes = 0;
  return {
    add(chunk) {
      hash.update(chunk);
      bytes += chunk.length;
    },
    stored: (key) => ({ key, bytes, sha256: hash.digest("hex") }),
  };
}

/** A put's body as a stream, and a pass-through that meters what flows through it. */
export function measuring(body: Readable | Buffer): {
  source: Readable;
  meter: Transform;
  stored(key: string): StoredObject;
} {
  const { add, stored } = objectMeter();
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      add(chunk);
      done(null, chunk);
    },
  });
  return { source: Buffer.isBuffer(body) ? Readable.from([body]) : body, meter, stored };
}
