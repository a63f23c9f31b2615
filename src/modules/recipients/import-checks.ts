/**
 * The checks of an import that need the campaign or the database: every merge field the message
 * uses has a column, and per chunk of rows, photo names resolve and printed fields are filled in.
 */

import type { HeaderReport, RowOutcome } from "../../csv/index.ts";
import { valuesOf } from "../../csv/row-values.ts";
import type { PoolClient } from "../../db/pool.ts";
import { AppError } from "../../errors.ts";
import {
  type MailStatus,
  unmailableByDedupeKey,
  unmailableContacts,
} from "../contacts/contacts.repository.ts";
import { resolvePhotoNames } from "../photos/photos.repository.ts";

export interface ImportError {
  row: number;
  field: string;
  column?: string;
  message: string;
}

export type Accepted = Extract<RowOutcome, { kind: "recipient" }>;

/**
 * An accepted row waiting for its chunk's insert, kept compact: the recipient already as JSON text
 * (one string instead of a tree of objects that would outlive the young generation and bloat the
 * heap). The parsed row is held only when the chunk still has to check it (photo, merge fields).
 */
export interface Pending {
  row: number;
  dedupeKey: string;
  json: string;
  check?: Accepted;
  /** A household import's key for the row (undefined: no last name and no household id). */
  householdKey?: string;
}

/**
 * Standard variables that only a contact fills in by itself (contactRecipient): a campaign whose
 * message prints one unconditionally needs it in each row, like a merge field it declared.
 */
export const FAMILY_VARIABLES = ["spouseName", "children"] as const;

/** A message variable the campaign declared must have a column, or every card would print a blank. */
export function requireMergeColumns(header: HeaderReport, mergeFields: string[]): void {
  const custom = new Set(
    header.columns.flatMap((c) => (c.field.startsWith("custom:") ? [c.field.slice(7)] : [])),
  );
  const missing = mergeFields.filter((f) => !custom.has(f));
  if (missing.length > 0) {
    const have = header.columns.map((c) => c.header).join(", ");
    throw new AppError(
      "unprocessable",
      `The campaign's message uses ${missing.map((m) => `{{${m}}}`).join(", ")} but the file has no such column (its columns: ${have}). Add the column, or map one to it with mapping: {"Your Header": "custom:${missing[0]}"}.`,
      {
        errors: missing.map((m) => ({ field: m, message: "no column supplies this merge field" })),
      },
    );
  }
}

/** The do-not-mail and returned contacts among a chunk's dedupe keys. */
export type MailStatusLookup = (keys: string[]) => Promise<Map<string, MailStatus>>;

/** Up to this many unmailable contacts are read once per import; past it, each chunk asks. */
const PRELOADED_UNMAILABLE = 20_000;

/**
 * An import's view of the account's unmailable contacts. Most accounts have few or none: they are
 * read once, and a chunk costs no query. The answer is that of the import's first moment, as if
 * a contact marked do_not_mail while the file was read had been marked just after it.
 */
export async function mailStatusLookup(
  tx: PoolClient,
  accountId: string,
  preload = PRELOADED_UNMAILABLE,
): Promise<MailStatusLookup> {
  const all = await unmailableContacts(tx, accountId, preload);
  if (!all) return (keys) => unmailableByDedupeKey(tx, accountId, keys);
  return async (keys) => {
    const found = new Map<string, MailStatus>();
    if (all.size === 0) return found;
    for (const key of keys) {
      const status = all.get(key);
      if (status) found.set(key, status);
    }
    return found;
  };
}

/**
 * Per-chunk checks that need the database or the campaign: photo names, required merge fields, and
 * people the account's contacts say may get no mail (do_not_mail, returned).
 */
export async function checkChunk(
  tx: PoolClient,
  accountId: string,
  chunk: Pending[],
  mergeFields: string[],
  columns: HeaderReport["columns"],
  reject: (row: number, problems: ImportError[], values: Record<string, string>) => void,
  mailStatus: MailStatusLookup,
): Promise<{ pending: Pending; photoId: string | null }[]> {
  const names = [
    ...new Set(chunk.flatMap((p) => (p.check?.recipient.photo ? [p.check.recipient.photo] : []))),
  ];
  const photos = await resolvePhotoNames(tx, accountId, names);
  const unmailable = await mailStatus(chunk.map((p) => p.dedupeKey));
  const good: { pending: Pending; photoId: string | null }[] = [];
  for (const pending of chunk) {
    const status = unmailable.get(pending.dedupeKey);
    if (status) {
      const r = (pending.check?.recipient ?? JSON.parse(pending.json)) as Accepted["recipient"];
      reject(
        pending.row,
        [
          {
            row: pending.row,
            field: "row",
            message: `${r.fullName} at this address is ${status === "returned" ? "marked returned (mail came back)" : "marked do_not_mail"} in your contacts: no card goes to them. Change the contact's mail_status if that is wrong.`,
          },
        ],
        valuesOf(r, columns),
      );
      continue;
    }
    if (!pending.check) {
      good.push({ pending, photoId: null });
      continue;
    }
    const { row, recipient: r } = pending.check;
    const problems: ImportError[] = [];
    const photoId = r.photo ? photos.get(r.photo) : undefined;
    if (r.photo && !photoId) {
      problems.push({
        row,
        field: "photo",
        message: `Photo "${r.photo}" was not uploaded: upload it with POST /v1/photos (same file name) or fix the name.`,
      });
    }
    for (const field of mergeFields) {
      if (!r.custom[field]?.trim()) {
        problems.push({
          row,
          field,
          message: `${field} is empty but the message uses {{${field}}}: fill it in.`,
        });
      }
    }
    if (problems.length > 0) reject(row, problems, valuesOf(r, columns));
    else good.push({ pending, photoId: photoId ?? null });
  }
  return good;
}
