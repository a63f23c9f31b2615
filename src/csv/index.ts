/**
 * Streaming CSV → recipients import, pure (no database, no HTTP): used by a campaign's recipient
 * import, the contacts import and the command-line tool alike. Its own folder, below the modules
 * that use it, so that none of them reaches into another's.
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
