/**
 * Live or test: the one place a mode is decided, so test mode (keys and objects made with a test
 * key carry `mode`) plugs in here. Until objects and keys carry it, everything is live.
 */
export type Mode = "live" | "test";

/** The mode of an object row or an auth context; anything without `mode: "test"` is live. */
export function modeOf(source: unknown): Mode {
  return typeof source === "object" &&
    source !== null &&
    (source as { mode?: unknown }).mode === "test"
    ? "test"
    : "live";
}
