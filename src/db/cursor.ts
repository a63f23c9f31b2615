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

/** The cursor in `token`, or undefined when it is not one this service wrote. */
export function decodeCursor(token: string): Cursor | undefined {
  const text = Buffer.from(token, "base64url").toString("utf8");
  const match = /^(\S{1,40}) ([A-Za-z0-9_]{1,64})$/.exec(text);
  return match ? { key: match[1] as string, id: match[2] as string } : undefined;
}
