import type { PostalAddress, Recipient } from "../render/card-data.ts";

/** A row read where an address is optional (a contact): a Recipient that may have no address. */
export type Person = Omit<Recipient, "address"> & { address?: PostalAddress };

/**
 * Recipient fields a column can map to. Address parts may be prefixed with a group
 * (`home.line1`, `business.city`) when a file carries several addresses per person.
 */
export const RECIPIENT_FIELDS = [
  "firstName",
  "lastName",
  "fullName",
  "company",
  "line1",
  "line2",
  "city",
  "region",
  "postalCode",
  "country",
  "email",
  "phone",
  "birthday",
  "anniversary",
  "photo",
] as const;
export type RecipientField = (typeof RECIPIENT_FIELDS)[number];

/** Options of one import. Every member is optional. */
export interface ImportOptions {
  /** ISO 3166-1 alpha-2 used when a row has no country; also decides how a/b/yyyy dates read. Default "US". */
  defaultCountry?: string;
  /**
   * Header → field overrides, applied before the built-in recognition. Keys are headers as in the
   * file (matched exactly, then case/spacing/punctuation-insensitively). Values: a field of
   * {@link RECIPIENT_FIELDS}, an address field with a group (`home.line1`), `custom:<key>`, or `ignore`.
   */
  mapping?: Record<string, string>;
  limits?: Partial<ImportLimits>;
  /**
   * Fields beyond a recipient's that columns may hold (a contact's tags, notes…): field name →
   * header aliases, folded (see foldHeader). Recognised after the recipient fields; `mapping` may
   * name them too. Their cleaned values come back in the outcome's `extra`.
   */
  extraFields?: Readonly<Record<string, readonly string[]>>;
  /**
   * What a birthday or anniversary that cannot be a real date does: `reject` the row (default), or
   * `drop` the date and keep the row with a warning naming the column and why. With `drop`,
   * placeholder dates (1900-01-01, 1970-01-01, Excel's zero…) and dates after `today` are dropped too.
   */
  badDates?: "reject" | "drop";
  /** false: each row is kept even if another row is the same person at the same address. Default true. */
  dedupe?: boolean;
  /** Today as YYYY-MM-DD, for "a date in the future". Default: today in UTC. */
  today?: string;
}

export interface ImportLimits {
  /** Raw bytes of the upload. Default 50 MB. */
  maxBytes: number;
  /** Non-empty data rows. Default 100,000. */
  maxRows: number;
  /** Header columns. Default 200. */
  maxColumns: number;
  /** Characters in one value; longer is a row error. Default 1,000. */
  maxFieldLength: number;
}

export const DEFAULT_LIMITS: Readonly<ImportLimits> = Object.freeze({
  maxBytes: 50 * 1024 * 1024,
  maxRows: 100_000,
  maxColumns: 200,
  maxFieldLength: 1000,
});

/** One problem with one value of a row. */
export interface RowError {
  /** Recipient field at fault (`postalCode`, `birthday`, `firstName`…), or `row` for the row as a whole. */
  field: string;
  /** The header of the column as written in the file, when one column is at fault. */
  column?: string;
  /** What is wrong and how to fix it, e.g. `Zip is empty: add the 5-digit ZIP code`. */
  message: string;
}

/**
 * What became of one data row. `row` is the row number a spreadsheet shows: the header is row 1,
 * the first data row is row 2, and a quoted value spanning several lines still counts as one row.
 * Blank rows are counted (the spreadsheet shows them) but produce no outcome.
 */
export type RowOutcome<R extends Person = Recipient> =
  | {
      kind: "recipient";
      row: number;
      recipient: R;
      /** Short hash of the normalised name + address; equal keys are the same person at the same place ("" without an address, or with `dedupe: false`). */
      dedupeKey: string;
      /** Changes made that the user may want to know about (a ZIP padded back to 5 digits). */
      warnings?: RowError[];
      /** Values of the {@link ImportOptions.extraFields} the file has columns for ("" when empty). */
      extra?: Record<string, string>;
    }
  | { kind: "rejected"; row: number; errors: RowError[]; values: Record<string, string> }
  | { kind: "duplicate"; row: number; firstRow: number; values: Record<string, string> };

/** What the header row was understood as, known before the first row is read. */
export interface HeaderReport {
  /** Every column in file order; `field` is a recipient field, `home.line1`-style, `custom:<key>`, an extra field or `ignore`. */
  columns: { header: string; field: string }[];
  /** `,` `;` `\t` or `|`. */
  delimiter: string;
  /** `utf-8`, `utf-16le`, `utf-16be` or `windows-1252`, as detected from the first 64 KB. */
  encoding: string;
}
