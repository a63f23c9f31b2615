import { createHash } from "node:crypto";
import { randomBase62 } from "../../ids.ts";

export const SCOPES = ["campaigns", "batches", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Live keys act on real mail; test keys on the account's test twin (marked SAMPLE, never mailed). */
export const MODES = ["live", "test"] as const;
export type Mode = (typeof MODES)[number];

const KEY_PREFIX = "cmk_";
const RANDOM_CHARS = 32;

/** A new secret: "cmk_live_" or "cmk_test_" + 32 base62 characters (~190 bits). Shown once, stored as a hash. */
export function newSecret(mode: Mode): { secret: string; prefix: string; hash: Buffer } {
  const secret = `${KEY_PREFIX}${mode}_${randomBase62(RANDOM_CHARS)}`;
  return { secret, prefix: visiblePrefix(secret), hash: hashSecret(secret) };
}

/** The part before the random characters: "cmk_live_", "cmk_test_", or "cmk_" (keys made before test mode, live). */
function modePrefix(secret: string): string {
  const m = /^cmk_(?:live_|test_)?/.exec(secret);
  return m?.[0] ?? "";
}

/** The part people see in lists ("cmk_test_7Fq2Lx9a") to tell keys apart. */
export function visiblePrefix(secret: string): string {
  return secret.slice(0, modePrefix(secret).length + 8);
}

export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

export function looksLikeSecret(value: string): boolean {
  const prefix = modePrefix(value);
  return (
    prefix !== "" &&
    value.length === prefix.length + RANDOM_CHARS &&
    /^[0-9A-Za-z]+$/.test(value.slice(prefix.length))
  );
}
