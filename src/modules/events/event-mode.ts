/**
 * Live or test. Objects carry their mode through their account (a test key acts on the account's
 * test twin, see migrations/0013_test-mode.sql); a request carries its key's.
 */
export type Mode = "live" | "test";

/** The mode of an auth context (a reader); anything without `mode: "test"` is live. */
export function modeOf(source: unknown): Mode {
  return typeof source === "object" &&
    source !== null &&
    (source as { mode?: unknown }).mode === "test"
    ? "test"
    : "live";
}
