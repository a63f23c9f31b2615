/**
 * A JSON recipient list, streamed into the CSV the importer reads, with its limits counted while
 * the bytes arrive: the body's bytes (JSON_IMPORT_LIMIT_BYTES), its records (the import's row
 * limit), one record's bytes and the number of distinct fields. A 39 MB `[{},{},…]` is refused
 * after its first 100,001 records (about 300 KB), not after parsing 39 MB into 13 million objects.
 *
 * The CSV header is the union of every record's keys, known only at the end: rows are written to
 * a temporary file as they come (a key first seen later adds a column; earlier rows just have
 * fewer values) and the header is put in front when the importer reads it.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { CsvImportError, DEFAULT_LIMITS } from "../../csv/index.ts";
import { csvRecordLine, flatten } from "../../csv/json-records.ts";
import { AppError } from "../../errors.ts";
import { JsonRecordSplitter, parseJson } from "./json-record-splitter.ts";

export interface JsonImportLimits {
  /** Bytes of the whole body. */
  maxBytes: number;
  /** Recipients in the list (DEFAULT_LIMITS.maxRows). */
  maxRecords?: number;
  /** Distinct fields across the list (DEFAULT_LIMITS.maxColumns). */
  maxColumns?: number;
}

/**
 * Bytes of one recipient's JSON: 200 values of 1,000 characters, escaped, fit; a record this large
 * is refused anyway by the importer's own limits, so nothing legitimate is lost.
 */
const MAX_RECORD_BYTES = 1024 * 1024;
/** Rows are written to the file in batches of about this many bytes. */
const WRITE_BATCH = 64 * 1024;

export interface SpooledJsonImport {
  /** The object form's `mapping` member, if it had one. */
  mapping: unknown;
  /** The list as CSV (header first), for the importer. */
  csv(): AsyncGenerator<Buffer>;
  remove(): Promise<void>;
}

/**
 * Reads `body` to its end into a CSV file, or throws as soon as a limit is passed (413 for size and
 * count, 400 for a body that is not a recipient list). The stream is read, never destroyed, so an
 * HTTP answer can still reach the client after an early refusal.
 */
export async function spoolJsonImport(
  body: Readable,
  limits: JsonImportLimits,
): Promise<SpooledJsonImport> {
  const maxColumns = limits.maxColumns ?? DEFAULT_LIMITS.maxColumns;
  const splitter = new JsonRecordSplitter({
    maxRecords: limits.maxRecords ?? DEFAULT_LIMITS.maxRows,
    maxRecordBytes: MAX_RECORD_BYTES,
  });
  const file = path.join(tmpdir(), `cardmerge-json-${randomBytes(8).toString("hex")}`);
  const handle = await open(file, "w");
  const columns = new Map<string, number>();
  let pending = "";
  let received = 0;
  try {
    // destroyOnReturn: false — stopping early must not tear down the connection the answer goes on.
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > limits.maxBytes) {
        throw new CsvImportError(
          "too_large",
          `The JSON body is over ${formatBytes(limits.maxBytes)} (JSON_IMPORT_LIMIT_BYTES): split the list into several imports, or upload it as a CSV file.`,
        );
      }
      for (const bytes of splitter.write(chunk)) {
        const index = splitter.records - 1;
        const record = parseJson(bytes, `recipient ${index}`);
        if (!record || typeof record !== "object" || Array.isArray(record)) {
          throw new AppError("validation", `Recipient ${index} is not an object.`, {
            errors: [{ field: `body[${index}]`, message: "expected an object" }],
          });
        }
        pending += csvRecordLine(
          rowOf(flatten(record as Record<string, unknown>), columns, maxColumns),
        );
        if (pending.length >= WRITE_BATCH) {
          await handle.write(pending);
          pending = "";
        }
      }
    }
    splitter.end();
    if (pending) await handle.write(pending);
  } catch (error) {
    await handle.close();
    await rm(file, { force: true });
    throw error;
  }
  await handle.close();
  const header = Buffer.from(csvRecordLine([...columns.keys()]));
  return {
    mapping: splitter.members.get("mapping"),
    async *csv() {
      yield header;
      yield* createReadStream(file) as AsyncIterable<Buffer>;
    },
    remove: () => rm(file, { force: true }),
  };
}

/** The record's values in column order, adding the columns it introduces. */
function rowOf(
  record: Record<string, string>,
  columns: Map<string, number>,
  max: number,
): string[] {
  const row: string[] = new Array(columns.size).fill("");
  for (const [key, value] of Object.entries(record)) {
    let index = columns.get(key);
    if (index === undefined) {
      if (columns.size >= max) {
        throw new CsvImportError(
          "too_many_columns",
          `The recipients have more than ${max} different fields: send only the fields the cards need.`,
        );
      }
      index = columns.size;
      columns.set(key, index);
    }
    row[index] = value;
  }
  return row;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${Math.round(n / 1024)} KiB`;
}
