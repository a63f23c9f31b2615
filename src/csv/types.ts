import type { Recipient } from "../render/card-data.ts";

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
export type RowOutcome =
  | {
      kind: "recipient";
      row: number;
      recipient: Recipient;
      /** Short hash of the normalised name + address; equal keys are the same person at the same place. */
      dedupeKey: string;
      /** Changes made that the user may want to know about (a ZIP padded back to 5 digits). */
      warnings?: RowError[];
    }
  | { kind: "rejected"; row: number; errors: RowError[]; values: Record<string, string> }
  | { kind: "duplicate"; row: number; firstRow: number; values: Record<string, string> };

/** What the header row was understood as, known before the first row is read. */
export interface HeaderReport {
  /** Every column in file order; `field` is a recipient field, `home.line1`-style, `custom:<key>` or `ignore`. */
  columns: { header: string; field: string }[];
  /** `,` `;` `\t` or `|`. */
  delimiter: string;
  /** `utf-8`, `utf-16le`, `utf-16be` or `windows-1252`, as detected from the first 64 KB. */
  encoding: string;
}
