import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Random base62 text; 62^n possibilities, drawn without modulo bias. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** Stripe-style ids: a prefix that says what it is, then 20 random base62 characters (~119 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase62(20)}`;
}

/**
 * `n` ids shaped like {@link newId}'s, drawing the random bytes for all of them at once instead of
 * once per id (an import makes thousands).
 */
export function newIds(prefix: string, n: number): string[] {
  const ids: string[] = [];
  let bytes = randomBytes(n * 24);
  let at = 0;
  for (let i = 0; i < n; i++) {
    let id = `${prefix}_`;
    for (let length = 0; length < 20; ) {
      if (at >= bytes.length) {
        bytes = randomBytes(256);
        at = 0;
      }
      const byte = bytes[at++] as number;
      if (byte < 248) {
        id += ALPHABET[byte % 62];
        length++;
      }
    }
    ids.push(id);
  }
  return ids;
}
