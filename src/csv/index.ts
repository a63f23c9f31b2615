/**
 * Streaming CSV → recipients import, pure (no database, no HTTP): used by a campaign's recipient
 * import, the contacts import and the command-line tool alike. Its own folder, below the modules
 * that use it, so that none of them reaches into another's.
 */
export { countryCode } from "./countries.ts";
export {
  parseDate,
  parseOccasionDate,
  readsMonthFirst,
  todayUtc,
  unrealDateReason,
} from "./dates.ts";
export { dedupeKey } from "./dedupe.ts";
export { customKey, foldHeader } from "./fold.ts";
export { HOUSEHOLD_ID_ALIASES } from "./header-aliases.ts";
export type { ExtraFields } from "./header-map.ts";
export {
  householdKey,
  householdName,
  MAX_HOUSEHOLD,
  type MemberName,
} from "./household.ts";
export { CsvImportError, type CsvImportErrorCode } from "./import-error.ts";
export { parsePeople, parseRecipients } from "./parse-recipients.ts";
export {
  DEFAULT_LIMITS,
  type HeaderReport,
  type ImportLimits,
  type ImportOptions,
  type Person,
  RECIPIENT_FIELDS,
  type RecipientField,
  type RowError,
  type RowOutcome,
} from "./types.ts";
