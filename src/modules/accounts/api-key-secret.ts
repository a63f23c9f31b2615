import { createHash } from "node:crypto";
import { randomBase62 } from "../../ids.ts";

export const SCOPES = ["campaigns", "batches", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

const KEY_PREFIX = "cmk_";

/** A new secret: "cmk_" + 32 base62 characters (~190 bits). Shown once, stored as a hash. */
export function newSecret(): { secret: string; prefix: string; hash: Buffer } {
  const secret = `${KEY_PREFIX}${randomBase62(32)}`;
  return { secret, prefix: visiblePrefix(secret), hash: hashSecret(secret) };
}

/** The part people see in lists ("cmk_7Fq2Lx9a…") to tell keys apart. */
export function visiblePrefix(secret: string): string {
  return secret.slice(0, KEY_PREFIX.length + 8);
}

export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

export function looksLikeSecret(value: string): boolean {
  return value.startsWith(KEY_PREFIX) && value.length === KEY_PREFIX.length + 32;
}
