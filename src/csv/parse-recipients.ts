import { AppError } from "../errors.ts";
import type { Recipient } from "../render/card-data.ts";
import { countryCode } from "./countries.ts";
import { readsMonthFirst, todayUtc } from "./dates.ts";
import { type DecodeState, toUtf8 } from "./decode.ts";
import { DuplicateFinder, dedupeKey } from "./dedupe.ts";
import {
  compileMapping,
  describeTarget,
  type ExtraFields,
  type HeaderPlan,
  planHeaders,
} from "./header-map.ts";
import { CsvImportError } from "./import-error.ts";
import { RecordReader } from "./record-reader.ts";
import type { Delimiter } from "./sniff.ts";
import {
  DEFAULT_LIMITS,
  type HeaderReport,
  type ImportLimits,
  type ImportOptions,
  type Person,
  type RowError,
  type RowOutcome,
} from "./types.ts";
import { type RowContext, validateRow } from "./validate-row.ts";

/**
 * Streams a CSV upload into recipients, one outcome per data row, without holding the file.
 *
 * - `header` resolves once the header row is read (delimiter, encoding, how each column maps),
 *   or rejects with a {@link CsvImportError} when the file cannot be imported at all.
 * - `rows` yields a {@link RowOutcome} per non-blank data row, in file order. Row numbers are those a
 *   spreadsheet shows: header = row 1, first data row = row 2, a quoted multi-line value is one row.
 *   It throws a {@link CsvImportError} for problems found later (too many rows, a quote never closed,
 *   an encoding switch); consumers that must be atomic discard what they got.
 *
 * Reading starts at once (to find the header); iterate `rows` to the end, or call `rows.return()`,
 * so the input is released. Invalid options (mapping, defaultCountry, limits) throw an
 * {@link AppError} of kind "validation" synchronously.
 */
export function parseRecipients(
  input: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  opts: ImportOptions = {},
): { header: Promise<HeaderReport>; rows: AsyncGenerator<RowOutcome<Recipient>> } {
  // Every accepted row has an address when the session requires one.
  return start(input, opts, false) as {
    header: Promise<HeaderReport>;
    rows: AsyncGenerator<RowOutcome<Recipient>>;
  };
}

/**
 * {@link parseRecipients} for a customer file: a row with no address at all is kept (a contact
 * the business has no postal address for yet), and a file needs no address column.
 */
export function parsePeople(
  input: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  opts: ImportOptions = {},
): { header: Promise<HeaderReport>; rows: AsyncGenerator<RowOutcome<Person>> } {
  return start(input, opts, true);
}

function start(
  input: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  opts: ImportOptions,
  addressOptional: boolean,
) {
  const session = new ImportSession(input, opts, addressOptional);
  const header = session.header();
  // The rows generator rethrows a header failure; this keeps an unawaited header from crashing Node.
  header.catch(() => {});
  return { header, rows: session.rows() };
}

class ImportSession {
  readonly #limits: ImportLimits;
  readonly #mapping: ReturnType<typeof compileMapping>;
  readonly #extraFields: ExtraFields;
  readonly #addressOptional: boolean;
  readonly #badDates: "reject" | "drop";
  readonly #dedupe: boolean;
  readonly #today: string;
  readonly #defaultCountry: string;
  readonly #decode: DecodeState = { encoding: "utf-8", undecided: true, bytesIn: 0 };
  readonly #reader: RecordReader;
  #header: Promise<HeaderReport> | undefined;
  #plan: HeaderPlan | undefined;
  #valueKeys: string[] = [];

  constructor(
    input: AsyncIterable<Buffer> | NodeJS.ReadableStream,
    opts: ImportOptions,
    addressOptional: boolean,
  ) {
    this.#limits = resolveLimits(opts.limits);
    this.#extraFields = opts.extraFields ?? {};
    this.#mapping = compileMapping(opts.mapping, this.#extraFields);
    this.#addressOptional = addressOptional;
    this.#badDates = opts.badDates ?? "reject";
    this.#dedupe = opts.dedupe ?? true;
    this.#today = opts.today ?? todayUtc();
    const country = countryCode(opts.defaultCountry ?? "US");
    if (!country) {
      throw new AppError(
        "validation",
        `defaultCountry "${opts.defaultCountry}" is not a country: use a 2-letter ISO code (US, GB, DE).`,
        { errors: [{ field: "defaultCountry", message: "not an ISO 3166-1 alpha-2 code" }] },
      );
    }
    this.#defaultCountry = country;
    this.#reader = new RecordReader(
      toUtf8(input as AsyncIterable<Buffer | string>, this.#decode, this.#limits.maxBytes),
      this.#limits,
    );
  }

  header(): Promise<HeaderReport> {
    this.#header ??= this.#readHeader();
    return this.#header;
  }

  async *rows(): AsyncGenerator<RowOutcome<Person>> {
    try {
      await this.header();
      const plan = this.#plan as HeaderPlan;
      const ctx: RowContext = {
        plan,
        defaultCountry: this.#defaultCountry,
        monthFirst: readsMonthFirst(this.#defaultCountry),
        maxFieldLength: this.#limits.maxFieldLength,
        addressOptional: this.#addressOptional,
        badDates: this.#badDates,
        today: this.#today,
      };
      const duplicates = new DuplicateFinder();
      let dataRows = 0;
      const reader = this.#reader;
      for (;;) {
        const record = reader.take();
        if (record === undefined) {
          if (reader.ended) return;
          await reader.pull();
          continue;
        }
        const row = reader.row;
        if (isBlank(record)) continue;
        if (++dataRows > this.#limits.maxRows) {
          throw new CsvImportError(
            "too_many_rows",
            `The file has more than ${this.#limits.maxRows.toLocaleString("en-US")} recipients: split it into smaller files.`,
            { row },
          );
        }
        yield this.#outcome(record, row, ctx, duplicates);
      }
    } finally {
      await this.#reader.close();
    }
  }

  #outcome(
    record: string[],
    row: number,
    ctx: RowContext,
    duplicates: DuplicateFinder,
  ): RowOutcome<Person> {
    // Extra values mean an unquoted delimiter shifted the row; empty extras are Excel's stray commas.
    const width = ctx.plan.headers.length;
    const extra = record.length > width;
    const shifted: RowError = {
      field: "row",
      message: `The row has ${record.length} values but the header has ${width} columns: a value probably contains a "${printable(this.#reader.delimiter)}" without quotes around it.`,
    };
    if (extra && record.slice(width).some((v) => v.trim() !== "")) {
      return { kind: "rejected", row, errors: [shifted], values: this.#values(record) };
    }
    const result = validateRow(record, ctx);
    if (!result.ok) {
      const errors = extra ? [shifted, ...result.errors] : result.errors;
      return { kind: "rejected", row, errors, values: this.#values(record) };
    }
    const r = result.recipient;
    const key = this.#dedupe && r.address ? dedupeKey({ ...r, address: r.address }) : "";
    const firstRow = this.#dedupe && key ? duplicates.check(key, row) : undefined;
    if (firstRow !== undefined) {
      return { kind: "duplicate", row, firstRow, values: this.#values(record) };
    }
    const outcome: RowOutcome<Person> = {
      kind: "recipient",
      row,
      recipient: r,
      dedupeKey: key,
    };
    if (result.warnings.length > 0) outcome.warnings = result.warnings;
    if (result.extra) outcome.extra = result.extra;
    return outcome;
  }

  /** The row's original values keyed by header, for the error report and failures CSV. */
  #values(record: string[]): Record<string, string> {
    const values: Record<string, string> = {};
    record.forEach((value, i) => {
      values[this.#valueKeys[i] ?? `Column ${i + 1}`] = value;
    });
    return values;
  }

  async #readHeader(): Promise<HeaderReport> {
    const reader = this.#reader;
    let record: string[] | undefined;
    for (;;) {
      record = reader.take();
      if (record === undefined) {
        if (reader.ended) {
          throw new CsvImportError(
            "empty",
            "The file is empty: it needs a header row (First Name, Last Name, Address, City, State, Zip…) and one row per recipient.",
          );
        }
        await reader.pull();
      } else if (!isBlank(record)) break;
    }
    const headers = record.map((h) =>
      h
        .replace(/^\uFEFF/, "")
        .normalize("NFC")
        .trim(),
    );
    if (headers.length > this.#limits.maxColumns) {
      throw new CsvImportError(
        "too_many_columns",
        `The header has ${headers.length} columns; at most ${this.#limits.maxColumns} are accepted. Delete the columns the cards do not need.`,
        { row: reader.row },
      );
    }
    const nul = headers.findIndex((h) => h.includes("\0"));
    if (nul >= 0) {
      const column = `Column ${nul + 1}`;
      throw new CsvImportError(
        "malformed",
        `${column} of the header row contains a NUL character (an invisible byte 0x00, often left by a damaged export): delete it, or export the file again as "CSV UTF-8".`,
        { row: reader.row, column },
      );
    }
    const plan = planHeaders(headers, this.#mapping, this.#extraFields);
    requireColumns(plan, reader.row, this.#addressOptional);
    this.#plan = plan;
    const seen = new Map<string, number>();
    this.#valueKeys = headers.map((h, i) => {
      const base = h || `Column ${i + 1}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      return n === 1 ? base : `${base} (${n})`;
    });
    return {
      columns: headers.map((header, i) => ({
        header,
        field: describeTarget(plan.targets[i] ?? { kind: "ignore" }),
      })),
      delimiter: reader.delimiter,
      encoding: this.#decode.encoding,
    };
  }
}

function resolveLimits(limits: Partial<ImportLimits> = {}): ImportLimits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new AppError("validation", `limits.${name} must be a positive integer.`, {
        errors: [{ field: `limits.${name}`, message: "must be a positive integer" }],
      });
    }
  }
  return resolved;
}

/** Refuses a header that cannot give a name and an address, listing what it found. */
function requireColumns(plan: HeaderPlan, row: number, addressOptional: boolean): void {
  const found = plan.headers.map((h) => `"${h}"`).join(", ");
  if (plan.person.firstName.length === 0 && plan.person.fullName.length === 0) {
    throw new CsvImportError(
      "no_name_column",
      `The file has no name column. Its columns are: ${found}. Add a "First Name" (with "Last Name") or a "Name" column, or map one with the mapping option.`,
      { row },
    );
  }
  const hasStreet = plan.addresses.some(
    (a) => a.columns.line1.length > 0 || a.columns.poBox.length > 0,
  );
  if (!hasStreet && !addressOptional) {
    throw new CsvImportError(
      "no_address_column",
      `The file has no street address column. Its columns are: ${found}. Add "Address" (or "Street"), "City", "State" and "Zip" columns, or map yours with the mapping option.`,
      { row },
    );
  }
}

function isBlank(record: string[]): boolean {
  for (const value of record) {
    if (value !== "" && value.trim() !== "") return false;
  }
  return true;
}

function printable(delimiter: Delimiter): string {
  return delimiter === "\t" ? "tab" : delimiter;
}
