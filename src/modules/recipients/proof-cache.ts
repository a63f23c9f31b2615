/**
 * Proofs kept by content: a proof is a pure function of what its card is drawn from (the template
 * and its art, the format, the message, the recipient's merge values, the photo's bytes, the
 * colour mode, the test-mode mark), so its key is a hash of exactly that, the whole CardInput,
 * with every byte buffer hashed by content. Any change to any of it makes another key: nothing
 * is ever invalidated, stale entries just age out. The map is bounded in bytes (least recently
 * used first out); a proof being drawn is kept as its promise, so a gallery page that starts the
 * drawing and the pictures the browser then asks for share one render.
 */
import { createHash, type Hash } from "node:crypto";
import type { CardInput } from "../../render/index.ts";

/** SHA-256 of each buffer seen, by identity: a shared photo or template art is hashed once. */
const bufferHashes = new WeakMap<Uint8Array, string>();

function bufferHash(bytes: Uint8Array): string {
  let hash = bufferHashes.get(bytes);
  if (!hash) {
    hash = createHash("sha256").update(bytes).digest("hex");
    bufferHashes.set(bytes, hash);
  }
  return hash;
}

/** Feeds a value to the hash in a canonical form: object keys sorted, buffers by their hash. */
function feed(h: Hash, value: unknown): void {
  if (value === null || value === undefined) h.update(value === null ? "n;" : "u;");
  else if (value instanceof Uint8Array) h.update(`b${bufferHash(value)};`);
  else if (Array.isArray(value)) {
    h.update(`[${value.length};`);
    for (const v of value) feed(h, v);
    h.update("]");
  } else if (value instanceof Date) h.update(`d${value.toISOString()};`);
  else if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    h.update(`{${keys.length};`);
    for (const k of keys) {
      h.update(`${JSON.stringify(k)}:`);
      feed(h, (value as Record<string, unknown>)[k]);
    }
    h.update("}");
  } else h.update(`${typeof value}:${JSON.stringify(value)};`);
}

/** The content key of a card's proof: everything the picture depends on, and nothing else. */
export function proofKey(input: CardInput): string {
  const h = createHash("sha256");
  feed(h, input);
  return h.digest("hex");
}

export interface ProofCache {
  /** The value under `key`, made (once, however many ask at the same time) when missing. */
  get<T>(
    key: string,
    make: () => Promise<{ value: T; bytes: number }>,
  ): Promise<{ value: T; hit: boolean }>;
  stats(): { entries: number; bytes: number; hits: number; misses: number };
}

export function createProofCache(opts: { maxBytes: number }): ProofCache {
  const entries = new Map<string, { value: Promise<unknown>; bytes: number }>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;

  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
  };

  return {
    async get<T>(key: string, make: () => Promise<{ value: T; bytes: number }>) {
      const entry = entries.get(key);
      if (entry) {
        // Most recently used last: Map keeps insertion order.
        entries.delete(key);
        entries.set(key, entry);
        hits++;
        return { value: (await entry.value) as T, hit: true };
      }
      misses++;
      const made = make();
      const slot = { value: made.then((m) => m.value), bytes: 0 };
      // Those who share it see the failure; unshared, it must not be an unhandled rejection.
      slot.value.catch(() => {});
      entries.set(key, slot);
      try {
        const m = await made;
        if (entries.get(key) === slot) {
          slot.bytes = m.bytes;
          bytes += m.bytes;
          if (m.bytes > opts.maxBytes) drop(key);
          while (bytes > opts.maxBytes && entries.size > 0)
            drop(entries.keys().next().value as string);
        }
        return { value: m.value, hit: false };
      } catch (error) {
        if (entries.get(key) === slot) entries.delete(key);
        throw error;
      }
    },
    stats: () => ({ entries: entries.size, bytes, hits, misses }),
  };
}
