/**
 * COPY … FROM STDIN for bulk inserts: PostgreSQL reads rows in its text format straight into the
 * table, with no statement to plan and no JSON document or parameter array to take apart first.
 */
import { finished } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import type { PoolClient } from "./pool.ts";

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * One field of COPY's text format: `\N` for null; backslash, tab, newline and carriage return
 * escaped, so no value can end its field or its row early.
 */
export function copyField(value: string | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c] as string) : value;
}

/**
 * {@link copyField} for JSON.stringify's output, which never holds a raw tab, newline or carriage
 * return (it writes them as \t, \n, \r): only its backslashes need doubling. Cheaper on a long
 * document than copyField's scan for four characters.
 */
export function copyJson(json: string): string {
  return json.includes("\\") ? json.replaceAll("\\", "\\\\") : json;
}

/**
 * Sends `rows` (text-format lines, each ending in a newline, fields made by {@link copyField}) to
 * `COPY … FROM STDIN` on the client, and answers how many rows PostgreSQL took. A bad row fails
 * the whole COPY, and with it the caller's transaction.
 */
export async function copyIn(client: PoolClient, sql: string, rows: string): Promise<number> {
  const stream = client.query(copyFrom(sql));
  stream.end(rows);
  await finished(stream);
  return stream.rowCount;
}
