/**
 * Streaming CSV → recipients import, pure (no database, no HTTP): used by the API's upload route
 * and by the command-line tool alike.
 */
export { countryCode } from "./countries.ts";
export { parseDate } from "./dates.ts";
export { customKey, foldHeader } from "./fold.ts";
export { CsvImportError, type CsvImportErrorCode } from "./import-error.ts";
export { parseRecipients } from "./parse-recipients.ts";
export {
  DEFAULT_LIMITS,
  type HeaderReport,
  type ImportLimits,
  type ImportOptions,
  RECIPIENT_FIELDS,
  type RecipientField,
  type RowError,
  type RowOutcome,
} from "./types.ts";
