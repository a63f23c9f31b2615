/**
 * List cursors. A cursor carries the last item's sort key as well as its id, so the next page is
 * found by position even when that item has since been deleted (an id alone would point nowhere).
 * Clients see it as an opaque string: base64url of "key id".
 */
export interface Cursor {
  key: string;
  id: string;
}

/** A list page: `limit` rows to fetch (the caller asks for one more to learn has_more), after `after`. */
export interface PageRequest {
  limit: number;
  after?: Cursor;
}

/** A listed row: the row and its sort key, for the next page's cursor. */
export type Listed<Row> = Row & { sort_key: string };

/**
 * SQL for a timestamp column's sort key: UTC with microseconds, which `$n::timestamptz` reads back
 * exactly whatever the session's DateStyle or TimeZone.
 */
export const timeKey = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function encodeCursor(key: string, id: string): string {
  return Buffer.from(`${key} ${id}`).toString("base64url");
}

/** What a list sorts by: a creation time ({@link timeKey}), a sequence number or a calendar day. */
export type SortKind = "time" | "seq" | "day";

const TIME_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const SEQ_KEY = /^\d{1,15}$/;
const DAY_KEY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The cursor in `token`, or undefined when it is not one this list wrote: its key must be of the
 * list's kind and a real time, so nothing a client sends reaches PostgreSQL's casts unchecked.
 */
export function decodeCursor(token: string, kind: SortKind): Cursor | undefined {
  const text = Buffer.from(token, "base64url").toString("utf8");
  const match = /^(\S{1,40}) ([A-Za-z0-9_]{1,64})$/.exec(text);
  if (!match) return undefined;
  const key = match[1] as string;
  const valid =
    kind === "seq"
      ? SEQ_KEY.test(key)
      : kind === "day"
        ? DAY_KEY.test(key) && isRealTime(`${key}T00:00:00.000000Z`)
        : TIME_KEY.test(key) && isRealTime(key);
  return valid ? { key, id: match[2] as string } : undefined;
}

/** "2020-02-30T…" has the shape but is no time: it must read back as itself. */
function isRealTime(key: string): boolean {
  const ms = Date.parse(`${key.slice(0, 23)}Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 23) === key.slice(0, 23);
}
