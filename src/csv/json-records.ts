/**
 * Recipients posted as JSON go through the very same import as a CSV: each object becomes a row,
 * its keys the header. Nested `address` and `custom` objects are flattened to their keys, so
 * `{ "first_name": "Zoë", "address": { "postal_code": "02134" }, "custom": { "last_purchase": "boiler" } }`
 * reads like a spreadsheet with First Name, Postal Code and Last Purchase columns.
 */
import { AppError } from "../errors.ts";

type Json = Record<string, unknown>;

export function flatten(record: Json): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (
      (key === "address" || key === "custom") &&
      value &&
      typeof value === "object" &&
      !Array.isArray(value)
    ) {
      for (const [inner, v] of Object.entries(value as Json))
        out[inner] = v === null || v === undefined ? "" : String(v);
    } else {
      out[key] = value === null || value === undefined ? "" : String(value);
    }
  }
  return out;
}

/** CSV bytes for the records (no formula neutralising: these are our own parser's input). */
export function* jsonRecordsAsCsv(records: unknown[]): Generator<Buffer> {
  const rows = records.map((r, i) => {
    if (!r || typeof r !== "object" || Array.isArray(r)) {
      throw new AppError("validation", `Recipient ${i} is not an object.`, {
        errors: [{ field: `body[${i}]`, message: "expected an object" }],
      });
    }
    return flatten(r as Json);
  });
  const headers = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  yield Buffer.from(csvRecordLine(headers));
  for (const row of rows) yield Buffer.from(csvRecordLine(headers.map((h) => row[h] ?? "")));
}

/**
 * One CSV line for the importer. Any delimiter it may sniff from the header (tab ; | ,) is quoted
 * too, so a key like "a;b" cannot make it read the file as semicolon-separated.
 */
export function csvRecordLine(values: string[]): string {
  return `${values.map((v) => (/[",;|\t\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(",")}\r\n`;
}
