/**
 * Text PostgreSQL can store. Its text and jsonb types refuse U+0000 (NUL): a text parameter fails
 * with "invalid byte sequence" (22021), a jsonb one with "unsupported Unicode escape sequence"
 * (22P05). A lone UTF-16 surrogate is not text at all: jsonb refuses its \ud800 escape (22P02) and
 * a text column silently gets U+FFFD instead. Inputs are checked for both where they enter, so the
 * client learns which field is at fault instead of getting a 500.
 */
import { AppError } from "../../errors.ts";

export type UnstorableReason = "nul" | "lone_surrogate";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `value` cannot be stored as text, or undefined when it can. */
export function unstorable(value: string): UnstorableReason | undefined {
  if (value.includes("\0")) return "nul";
  // Only strings with a surrogate at all pay for the regular expression.
  if (/[\ud800-\udfff]/.test(value) && LONE_SURROGATE.test(value)) return "lone_surrogate";
  return undefined;
}

/** What the client should read about a field that cannot be stored. */
export function unstorableMessage(reason: UnstorableReason): string {
  return reason === "nul"
    ? "contains a NUL character (U+0000, %00), which cannot be stored: remove it"
    : "contains an unpaired UTF-16 surrogate (a broken \\ud800-\\udfff escape), which is not text: send valid Unicode";
}

/** Throws a 400 naming `field` when `value` cannot be stored as text. */
export function requireStorable(value: string, field: string): void {
  const reason = unstorable(value);
  if (!reason) return;
  const message = unstorableMessage(reason);
  throw new AppError("validation", `${field} ${message}.`, { errors: [{ field, message }] });
}
