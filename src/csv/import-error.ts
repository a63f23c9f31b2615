import { AppError, type FieldError } from "../errors.ts";

/** Why a whole file was refused (as opposed to one row being rejected). */
export type CsvImportErrorCode =
  | "empty"
  | "too_large"
  | "too_many_rows"
  | "too_many_columns"
  | "field_too_long"
  | "malformed"
  | "no_name_column"
  | "no_address_column";

/**
 * A fatal import problem: the whole file is refused, with a message that says what to fix.
 * It is an {@link AppError}, so the HTTP layer answers 413 for size limits and 422 otherwise
 * without knowing about CSV.
 */
export class CsvImportError extends AppError {
  readonly code: CsvImportErrorCode;
  /** Spreadsheet row (header = 1) where the problem was found, when there is one. */
  readonly row?: number;
  /** Header of the column at fault, when there is one. */
  readonly column?: string;

  constructor(
    code: CsvImportErrorCode,
    message: string,
    where: { row?: number; column?: string; cause?: unknown } = {},
  ) {
    const tooBig = code === "too_large" || code === "too_many_rows";
    const errors: FieldError[] =
      where.row !== undefined || where.column !== undefined
        ? [{ row: where.row, field: where.column, message }]
        : [];
    super(tooBig ? "payload_too_large" : "unprocessable", message, {
      errors,
      extra: { code },
      cause: where.cause,
    });
    this.name = "CsvImportError";
    this.code = code;
    if (where.row !== undefined) this.row = where.row;
    if (where.column !== undefined) this.column = where.column;
  }
}
