/**
 * A contacts CSV import, atomic like a campaign's: the account's contacts are locked, every row is
 * parsed, checked and upserted (by External ID) in one transaction, and the report (counts, first
 * errors and warnings, failures CSV) is recorded with it. A fatal problem imports nothing.
 *
 * A birthday or anniversary that cannot be real (1900-01-01, 31 February, a future year…) does
 * not cost the row: the contact is imported without that date and the row carries a warning.
 */

import { FailuresFile } from "../../csv/failures-file.ts";
import {
  DEFAULT_LIMITS,
  type HeaderReport,
  type ImportLimits,
  type Person,
  parsePeople,
  type RowError,
} from "../../csv/index.ts";
import { valuesOf } from "../../csv/row-values.ts";
import { spoolUpload } from "../../csv/spool-upload.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { newId, newIds } from "../../ids.ts";
import type { Storage } from "../../storage/storage.ts";
import { emitContactImportCompleted } from "../events/object-events.ts";
import { resolvePhotoNames } from "../photos/photos.repository.ts";
import {
  CONTACT_COLUMNS,
  type ColumnValues,
  mergeImported,
  type PresentFields,
  presentFields,
  readContactColumns,
} from "./contact-columns.ts";
import { fieldsOf, writeOf } from "./contact-fields.ts";
import * as imports from "./contact-imports.repository.ts";
import * as repo from "./contacts.repository.ts";

export interface ContactImportRequest {
  filename?: string;
  body: AsyncIterable<Buffer> | NodeJS.ReadableStream;
  mapping?: Record<string, string>;
  defaultCountry?: string;
}

/** Rows are written this many at a time: one round trip (plus one lookup) per chunk. */
const CHUNK = 1000;
/** Errors and warnings kept inline on the import; the failures CSV has every rejected row. */
const INLINE = 100;

interface Accepted {
  row: number;
  person: Person;
  columns: ColumnValues;
  extra: Record<string, string>;
}

export function createContactImport(deps: {
  pool: Pool;
  storage: Storage;
  limits?: Partial<ImportLimits>;
  /** Today (YYYY-MM-DD) for "a date in the future"; tests pin it. */
  today?: () => string;
}) {
  const { pool, storage } = deps;

  return async function importContacts(
    accountId: string,
    req: ContactImportRequest,
  ): Promise<imports.ContactImportRow> {
    const importId = newId("cimp");
    const failuresKey = `accounts/${accountId}/contact-imports/${importId}/failures.csv`;
    let failures: FailuresFile | undefined;
    let stored = false;
    const upload = await spoolUpload(req.body, deps.limits?.maxBytes ?? DEFAULT_LIMITS.maxBytes);
    try {
      return await withTransaction(pool, async (tx) => {
        await repo.lockContacts(tx, accountId);
        const defaultCountry = req.defaultCountry ?? (await accountCountry(tx, accountId));
        await imports.insertContactImport(tx, {
          id: importId,
          account_id: accountId,
          filename: req.filename ?? null,
        });
        const parsed = parsePeople(upload.open(), {
          mapping: req.mapping,
          defaultCountry,
          limits: deps.limits,
          extraFields: CONTACT_COLUMNS,
          badDates: "drop",
          dedupe: false,
          ...(deps.today ? { today: deps.today() } : {}),
        });
        const header = await parsed.header;
        const present = presentFields(header);
        failures = new FailuresFile(header.columns.map((c) => c.header));
        const failed = failures;

        const counts = { rows: 0, created: 0, updated: 0, rejected: 0, duplicates: 0, warned: 0 };
        const errors: imports.ImportProblem[] = [];
        const warnings: imports.ImportProblem[] = [];
        const unmailable: string[] = [];
        const reject = (row: number, problems: RowError[], values: Record<string, string>) => {
          counts.rejected++;
          for (const e of problems) if (errors.length < INLINE) errors.push({ row, ...e });
          failed.add(row, problems.map((p) => p.message).join("; "), values);
        };
        /** External id → the row that had it first, for in-file duplicates. */
        const seen = new Map<string, number>();

        // An account without contacts yet (a first import) has none to update: no lookups.
        const fresh = await repo.hasNoContacts(tx, accountId);

        // One chunk is written while the next is parsed (at most one in flight on this client).
        // Rows refused meanwhile are reported once that chunk's own reports are out, so the
        // failures CSV keeps the file's order.
        let inFlight: Promise<void> | undefined;
        let deferred: (() => void)[] = [];
        const tell = (write: () => void) => {
          if (inFlight) deferred.push(write);
          else write();
        };
        const start = async (batch: Accepted[]) => {
          if (inFlight) await inFlight;
          const writing = writeChunk(tx, accountId, batch, { present, header, fresh }, reject).then(
            (written) => {
              counts.created += written.created;
              counts.updated += written.updated;
              unmailable.push(...written.unmailable);
              const writes = deferred;
              deferred = [];
              inFlight = undefined;
              for (const write of writes) write();
            },
          );
          // Awaited before the next chunk or the end; until then a failure must not go unhandled.
          writing.catch(() => {});
          inFlight = writing;
        };

        let chunk: Accepted[] = [];
        try {
          for await (const outcome of parsed.rows) {
            counts.rows++;
            if (outcome.kind === "rejected") {
              tell(() => reject(outcome.row, outcome.errors, outcome.values));
              continue;
            }
            if (outcome.kind !== "recipient") continue; // no in-file name+address duplicates here
            const extra = outcome.extra ?? {};
            const columns = readContactColumns(extra, header);
            if (!columns.ok) {
              const values = valuesOf(outcome.recipient, header.columns, extra);
              tell(() => reject(outcome.row, columns.errors, values));
              continue;
            }
            const externalId = columns.values.externalId;
            if (externalId) {
              const first = seen.get(externalId);
              if (first !== undefined) {
                const values = valuesOf(outcome.recipient, header.columns, extra);
                tell(() => {
                  counts.duplicates++;
                  failed.add(
                    outcome.row,
                    `Duplicate of row ${first}: the same External ID "${externalId}". Keep one row per contact.`,
                    values,
                  );
                });
                continue;
              }
              seen.set(externalId, outcome.row);
            }
            if (outcome.warnings?.length) {
              counts.warned++;
              for (const w of outcome.warnings)
                if (warnings.length < INLINE) warnings.push({ row: outcome.row, ...w });
            }
            chunk.push({
              row: outcome.row,
              person: outcome.recipient,
              columns: columns.values,
              extra,
            });
            if (chunk.length >= CHUNK) {
              await start(chunk);
              chunk = [];
            }
            // Many refused rows while a chunk is in flight: wait for it rather than hold them.
            if (deferred.length >= CHUNK) await inFlight;
          }
          await start(chunk);
          await inFlight;
        } catch (error) {
          // Let the chunk in flight settle before the transaction rolls back and the file goes.
          await inFlight?.catch(() => {});
          throw error;
        }
        await repo.withdrawFromDrafts(tx, accountId, unmailable);

        const report = await failed.finish();
        if (report) {
          await storage.put(failuresKey, report, { contentType: "text/csv" });
          stored = true;
        }
        const done = await imports.finishContactImport(tx, importId, {
          encoding: header.encoding,
          delimiter: header.delimiter,
          columns: header.columns,
          ...counts,
          errors,
          warnings,
          failures_key: report ? failuresKey : null,
        });
        await emitContactImportCompleted(tx, done);
        return done;
      });
    } catch (error) {
      if (stored) await storage.delete(failuresKey).catch(() => {});
      throw error;
    } finally {
      await failures?.discard();
      await upload.remove();
    }
  };
}

/**
 * One chunk: the contacts its External IDs name are read, each row is merged over its contact (or
 * is a new one), photos are resolved (a photo not uploaded rejects the row, as in a campaign), and
 * the chunk is written in two statements.
 */
async function writeChunk(
  tx: PoolClient,
  accountId: string,
  chunk: Accepted[],
  file: { present: PresentFields; header: HeaderReport; fresh: boolean },
  reject: (row: number, problems: RowError[], values: Record<string, string>) => void,
): Promise<{ created: number; updated: number; unmailable: string[] }> {
  if (chunk.length === 0) return { created: 0, updated: 0, unmailable: [] };
  const { present, header } = file;
  const ids = file.fresh
    ? []
    : chunk.flatMap((a) => (a.columns.externalId ? [a.columns.externalId] : []));
  const existing = await repo.findByExternalIds(tx, accountId, ids);
  const names = [
    ...new Set(chunk.flatMap((a) => (present.photo && a.person.photo ? [a.person.photo] : []))),
  ];
  const photos = await resolvePhotoNames(tx, accountId, names);
  const fresh = newIds("ct", chunk.length);
  const writes: { write: repo.ContactWrite; created: boolean }[] = [];
  const unmailable: string[] = [];
  chunk.forEach((a, i) => {
    const before = a.columns.externalId ? existing.get(a.columns.externalId) : undefined;
    const fields = mergeImported(before && fieldsOf(before), a.person, a.columns, present);
    let photoId = before?.photo_id ?? null;
    if (present.photo) {
      const photo = fields.person.photo;
      photoId = photo ? (photos.get(photo) ?? null) : null;
      if (photo && !photoId) {
        reject(
          a.row,
          [
            {
              field: "photo",
              column: header.columns.find((c) => c.field === "photo")?.header,
              message: `Photo "${photo}" was not uploaded: upload it with POST /v1/photos (same file name) or fix the name.`,
            },
          ],
          valuesOf(a.person, header.columns, a.extra),
        );
        return;
      }
    }
    writes.push({
      write: writeOf(before?.id ?? (fresh[i] as string), fields, photoId),
      created: !before,
    });
    if (before?.mail_status === "active" && fields.mailStatus !== "active")
      unmailable.push(before.id);
  });
  await repo.writeContacts(tx, accountId, writes);
  const created = writes.filter((w) => w.created).length;
  return { created, updated: writes.length - created, unmailable };
}

export async function accountCountry(tx: PoolClient, accountId: string): Promise<string> {
  const { rows } = await tx.query<{ default_country: string }>(
    "SELECT default_country FROM accounts WHERE id = $1",
    [accountId],
  );
  return rows[0]?.default_country ?? "US";
}
