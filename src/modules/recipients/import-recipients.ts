/**
 * One recipient import, atomic: the campaign is locked, every row is parsed, checked and inserted in
 * one transaction, and the import's report (counts, first errors, failures CSV) is recorded with it.
 * A fatal problem or a server fault rolls everything back: no half-imported list.
 */

import { FailuresFile } from "../../csv/failures-file.ts";
import {
  DEFAULT_LIMITS,
  HOUSEHOLD_ID_ALIASES,
  householdKey,
  type ImportLimits,
  parseRecipients,
} from "../../csv/index.ts";
import { MergedFile } from "../../csv/merged-file.ts";
import { valuesOf } from "../../csv/row-values.ts";
import { spoolUpload } from "../../csv/spool-upload.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { AppError } from "../../errors.ts";
import { newId, newIds } from "../../ids.ts";
import { compileMessage, MessageError } from "../../render/index.ts";
import type { Storage } from "../../storage/storage.ts";
import type { CampaignsService } from "../campaigns/campaigns.service.ts";
import { emitImportCompleted } from "../events/object-events.ts";
import type { TemplatesService } from "../templates/templates.service.ts";
import {
  type Accepted,
  checkChunk,
  FAMILY_VARIABLES,
  type ImportError,
  mailStatusLookup,
  type Pending,
  requireMergeColumns,
} from "./import-checks.ts";
import { lastRecipientSeq, mergeHouseholds } from "./merge-households.ts";
import * as repo from "./recipients.repository.ts";

export interface ImportRequest {
  source: "csv" | "json";
  filename?: string;
  body: AsyncIterable<Buffer> | NodeJS.ReadableStream;
  mapping?: Record<string, string>;
  defaultCountry?: string;
  /** One card per household: people at one address with one last name or household id. */
  household?: boolean;
}

/** Rows are inserted this many at a time: one round trip per chunk keeps 100,000 rows fast. */
const CHUNK = 1000;
/** Errors kept inline on the import; the failures CSV has them all. */
const INLINE_ERRORS = 100;

export function createRecipientImport(deps: {
  pool: Pool;
  storage: Storage;
  campaigns: CampaignsService;
  templates: TemplatesService;
  limits?: Partial<ImportLimits>;
}) {
  const { pool, storage, campaigns } = deps;

  return async function importRecipients(
    accountId: string,
    campaignId: string,
    req: ImportRequest,
  ): Promise<repo.ImportRow> {
    const importId = newId("imp");
    const failuresKey = `accounts/${accountId}/imports/${importId}/failures.csv`;
    const mergedKey = `accounts/${accountId}/imports/${importId}/merged.csv`;
    const household = req.household === true;
    let failures: FailuresFile | undefined;
    const merges = household ? new MergedFile() : undefined;
    const stored: string[] = [];
    const upload = await spoolUpload(req.body, deps.limits?.maxBytes ?? DEFAULT_LIMITS.maxBytes);
    try {
      return await withTransaction(pool, async (tx) => {
        const campaign = await campaigns.lockDraft(tx, accountId, campaignId);
        await campaigns.recipientsChanged(tx, campaignId);
        const defaultCountry = req.defaultCountry ?? (await accountCountry(tx, accountId));
        await repo.insertImport(tx, {
          id: importId,
          account_id: accountId,
          campaign_id: campaignId,
          source: req.source,
          filename: req.filename ?? null,
          household,
        });
        const afterSeq = household ? await lastRecipientSeq(tx, campaignId) : "0";
        const parsed = parseRecipients(upload.open(), {
          mapping: req.mapping,
          defaultCountry,
          limits: deps.limits,
          // Only a household import reads the column; otherwise it stays a custom merge field.
          ...(household ? { extraFields: { householdId: HOUSEHOLD_ID_ALIASES } } : {}),
        });
        const header = await parsed.header;
        // Only fields the message prints unconditionally must be filled in ({{#if spouse}} may be empty).
        const template = await deps.templates.show(accountId, campaign.template_id);
        const printed = new Set(requiredVariables(campaign.message ?? template.texts.message));
        const family = FAMILY_VARIABLES.filter((f) => printed.has(f));
        requireMergeColumns(header, [...campaign.merge_fields, ...family]);
        const requiredFields = [...campaign.merge_fields.filter((f) => printed.has(f)), ...family];
        failures = new FailuresFile(header.columns.map((c) => c.header));
        const failed = failures;

        const counts = { rows: 0, imported: 0, rejected: 0, duplicates: 0 };
        const errors: ImportError[] = [];
        const reject = (row: number, problems: ImportError[], values: Record<string, string>) => {
          counts.rejected++;
          for (const e of problems) if (errors.length < INLINE_ERRORS) errors.push(e);
          failed.add(row, problems.map((p) => p.message).join("; "), values);
        };
        // Under the campaign lock no other write can add recipients, and the parser drops in-file
        // duplicates: into an empty campaign every accepted row is new.
        const fresh = await repo.campaignIsEmpty(tx, campaignId);
        const mailStatus = await mailStatusLookup(tx, accountId);

        // One chunk is inserted while the next is parsed (at most one in flight on this client).
        // Rows the parser rejects meanwhile are reported once that chunk's own reports are out,
        // so the failures CSV and inline errors keep the order of a chunk-by-chunk import.
        let inFlight: Promise<void> | undefined;
        let deferred: (() => void)[] = [];
        const tell = (write: () => void) => {
          if (inFlight) deferred.push(write);
          else write();
        };
        const flush = async (batch: Pending[]) => {
          const good = await checkChunk(
            tx,
            accountId,
            batch,
            requiredFields,
            header.columns,
            reject,
            mailStatus,
          );
          const ids = newIds("rcp", good.length);
          const inserted = await repo.insertRecipients(
            tx,
            { accountId, campaignId, importId },
            good.map(({ pending, photoId }, i) => ({
              id: ids[i] as string,
              rowNumber: pending.row,
              dataJson: pending.json,
              photoId,
              dedupeKey: pending.dedupeKey,
              householdKey: pending.householdKey,
            })),
            { skipExisting: !fresh },
          );
          for (const { pending } of good) {
            if (inserted === "all" || inserted.has(pending.dedupeKey)) counts.imported++;
            else {
              counts.duplicates++;
              failed.add(
                pending.row,
                "Duplicate: this person at this address is already in the campaign.",
                valuesOf(JSON.parse(pending.json) as Accepted["recipient"], header.columns),
              );
            }
          }
        };
        const start = async (batch: Pending[]) => {
          if (inFlight) await inFlight;
          const flushing = flush(batch).then(() => {
            const writes = deferred;
            deferred = [];
            inFlight = undefined;
            for (const write of writes) write();
          });
          // Awaited before the next chunk or the end; until then a failure must not go unhandled.
          flushing.catch(() => {});
          inFlight = flushing;
        };

        let chunk: Pending[] = [];
        try {
          for await (const outcome of parsed.rows) {
            counts.rows++;
            if (outcome.kind === "rejected") {
              tell(() =>
                reject(
                  outcome.row,
                  outcome.errors.map((e) => ({ row: outcome.row, ...e })),
                  outcome.values,
                ),
              );
            } else if (outcome.kind === "duplicate") {
              tell(() => {
                counts.duplicates++;
                failed.add(
                  outcome.row,
                  `Duplicate of row ${outcome.firstRow}: same person at the same address.`,
                  outcome.values,
                );
              });
            } else {
              const r = outcome.recipient;
              const check = r.photo || requiredFields.some((f) => !r.custom[f]?.trim());
              chunk.push({
                row: outcome.row,
                dedupeKey: outcome.dedupeKey,
                json: JSON.stringify(r),
                ...(check ? { check: outcome } : {}),
                ...(household ? { householdKey: householdKey(r, outcome.extra?.householdId) } : {}),
              });
              if (chunk.length >= CHUNK) {
                await start(chunk);
                chunk = [];
              }
            }
            // Many rejected rows while a chunk is in flight: wait for it rather than hold them.
            if (deferred.length >= CHUNK) await inFlight;
            // Parsing a buffered file never waits for I/O: let the chunk's answers from PostgreSQL
            // in now and then, so the next statement goes out while the parser goes on.
            if (counts.rows % 200 === 0) await new Promise((r) => setImmediate(r));
          }
          await start(chunk);
          await inFlight;
        } catch (error) {
          // Let the chunk in flight settle before the transaction rolls back and the file goes.
          await inFlight?.catch(() => {});
          throw error;
        }

        const merged = merges
          ? await mergeHouseholds(tx, campaignId, afterSeq, (o) =>
              merges.add({
                row: o.member.row,
                name: o.member.name,
                card: o.card,
                note: o.note,
              }),
            )
          : { merged: 0, households: 0, notMerged: 0 };

        const store = async (file: FailuresFile | MergedFile | undefined, key: string) => {
          const report = await file?.finish();
          if (!report) return null;
          await storage.put(key, report, { contentType: "text/csv" });
          stored.push(key);
          return key;
        };
        const done = await repo.finishImport(tx, importId, {
          encoding: header.encoding,
          delimiter: header.delimiter,
          columns: header.columns,
          ...counts,
          errors,
          failures_key: await store(failed, failuresKey),
          merged: merged.merged,
          households: merged.households,
          not_merged: merged.notMerged,
          merged_key: await store(merges, mergedKey),
        });
        await emitImportCompleted(tx, done);
        return done;
      });
    } catch (error) {
      for (const key of stored) await storage.delete(key).catch(() => {});
      throw error;
    } finally {
      await failures?.discard();
      await merges?.discard();
      await upload.remove();
    }
  };
}

async function accountCountry(tx: PoolClient, accountId: string): Promise<string> {
  const { rows } = await tx.query<{ default_country: string }>(
    "SELECT default_country FROM accounts WHERE id = $1",
    [accountId],
  );
  return rows[0]?.default_country ?? "US";
}

/** Variables the message prints unconditionally; a message saved before today's rules is a 422. */
export function requiredVariables(message: string): string[] {
  try {
    return compileMessage(message).required;
  } catch (error) {
    if (!(error instanceof MessageError)) throw error;
    throw new AppError(
      "unprocessable",
      `The campaign's message cannot be used: ${error.message}. Change the message (PATCH the campaign), then import.`,
      { errors: [{ field: "message", message: error.message }] },
    );
  }
}
