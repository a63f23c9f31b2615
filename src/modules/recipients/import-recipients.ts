/**
 * One recipient import, atomic: the campaign is locked, every row is parsed, checked and inserted in
 * one transaction, and the import's report (counts, first errors, failures CSV) is recorded with it.
 * A fatal problem or a server fault rolls everything back: no half-imported list.
 */
import type { Pool, PoolClient } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { AppError } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { compileMessage } from "../../render/index.ts";
import type { Storage } from "../../storage/storage.ts";
import type { CampaignsService } from "../campaigns/campaigns.service.ts";
import { resolvePhotoNames } from "../photos/photos.repository.ts";
import type { TemplatesService } from "../templates/templates.service.ts";
import {
  type HeaderReport,
  type ImportLimits,
  parseRecipients,
  type RowOutcome,
} from "./csv/index.ts";
import { FailuresFile } from "./failures-file.ts";
import * as repo from "./recipients.repository.ts";

export interface ImportRequest {
  source: "csv" | "json";
  filename?: string;
  body: AsyncIterable<Buffer> | NodeJS.ReadableStream;
  mapping?: Record<string, string>;
  defaultCountry?: string;
}

export interface ImportError {
  row: number;
  field: string;
  column?: string;
  message: string;
}

/** Rows are inserted this many at a time: one round trip per chunk keeps 100,000 rows fast. */
const CHUNK = 1000;
/** Errors kept inline on the import; the failures CSV has them all. */
const INLINE_ERRORS = 100;

type Accepted = Extract<RowOutcome, { kind: "recipient" }>;

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
    let failures: FailuresFile | undefined;
    let stored = false;
    try {
      return await withTransaction(pool, async (tx) => {
        const campaign = await campaigns.lockDraft(tx, accountId, campaignId);
        const defaultCountry = req.defaultCountry ?? (await accountCountry(tx, accountId));
        await repo.insertImport(tx, {
          id: importId,
          account_id: accountId,
          campaign_id: campaignId,
          source: req.source,
          filename: req.filename ?? null,
        });
        const parsed = parseRecipients(req.body, {
          mapping: req.mapping,
          defaultCountry,
          limits: deps.limits,
        });
        const header = await parsed.header;
        requireMergeColumns(header, campaign.merge_fields);
        // Only fields the message prints unconditionally must be filled in ({{#if spouse}} may be empty).
        const template = await deps.templates.get(accountId, campaign.template_id);
        const printed = new Set(
          compileMessage(campaign.message ?? template.texts.message).required,
        );
        const requiredFields = campaign.merge_fields.filter((f) => printed.has(f));
        failures = new FailuresFile(header.columns.map((c) => c.header));
        const failed = failures;

        const counts = { rows: 0, imported: 0, rejected: 0, duplicates: 0 };
        const errors: ImportError[] = [];
        const reject = (row: number, problems: ImportError[], values: Record<string, string>) => {
          counts.rejected++;
          for (const e of problems) if (errors.length < INLINE_ERRORS) errors.push(e);
          failed.add(row, problems.map((p) => p.message).join("; "), values);
        };

        let chunk: Accepted[] = [];
        const flush = async () => {
          const batch = chunk;
          chunk = [];
          const good = await checkChunk(
            tx,
            accountId,
            batch,
            requiredFields,
            header.columns,
            reject,
          );
          const inserted = await repo.insertRecipients(
            tx,
            { accountId, campaignId, importId },
            good.map(({ outcome, photoId }) => ({
              id: newId("rcp"),
              rowNumber: outcome.row,
              data: outcome.recipient,
              photoId,
              dedupeKey: outcome.dedupeKey,
            })),
          );
          for (const { outcome } of good) {
            if (inserted.has(outcome.dedupeKey)) counts.imported++;
            else {
              counts.duplicates++;
              failed.add(
                outcome.row,
                "Duplicate: this person at this address is already in the campaign.",
                valuesOf(outcome.recipient, header.columns),
              );
            }
          }
        };

        for await (const outcome of parsed.rows) {
          counts.rows++;
          if (outcome.kind === "rejected") {
            reject(
              outcome.row,
              outcome.errors.map((e) => ({ row: outcome.row, ...e })),
              outcome.values,
            );
          } else if (outcome.kind === "duplicate") {
            counts.duplicates++;
            failed.add(
              outcome.row,
              `Duplicate of row ${outcome.firstRow}: same person at the same address.`,
              outcome.values,
            );
          } else {
            chunk.push(outcome);
            if (chunk.length >= CHUNK) await flush();
          }
        }
        await flush();

        const report = await failed.finish();
        if (report) {
          await storage.put(failuresKey, report, { contentType: "text/csv" });
          stored = true;
        }
        return repo.finishImport(tx, importId, {
          encoding: header.encoding,
          delimiter: header.delimiter,
          columns: header.columns,
          ...counts,
          errors,
          failures_key: report ? failuresKey : null,
        });
      });
    } catch (error) {
      if (stored) await storage.delete(failuresKey).catch(() => {});
      throw error;
    } finally {
      await failures?.discard();
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

/** A message variable the campaign declared must have a column, or every card would print a blank. */
function requireMergeColumns(header: HeaderReport, mergeFields: string[]): void {
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

/** Per-chunk checks that need the database or the campaign: photo names and required merge fields. */
async function checkChunk(
  tx: PoolClient,
  accountId: string,
  chunk: Accepted[],
  mergeFields: string[],
  columns: HeaderReport["columns"],
  reject: (row: number, problems: ImportError[], values: Record<string, string>) => void,
): Promise<{ outcome: Accepted; photoId: string | null }[]> {
  const names = [...new Set(chunk.flatMap((o) => (o.recipient.photo ? [o.recipient.photo] : [])))];
  const photos = await resolvePhotoNames(tx, accountId, names);
  const good: { outcome: Accepted; photoId: string | null }[] = [];
  for (const outcome of chunk) {
    const r = outcome.recipient;
    const problems: ImportError[] = [];
    const photoId = r.photo ? photos.get(r.photo) : undefined;
    if (r.photo && !photoId) {
      problems.push({
        row: outcome.row,
        field: "photo",
        message: `Photo "${r.photo}" was not uploaded: upload it with POST /v1/photos (same file name) or fix the name.`,
      });
    }
    for (const field of mergeFields) {
      if (!r.custom[field]?.trim()) {
        problems.push({
          row: outcome.row,
          field,
          message: `${field} is empty but the message uses {{${field}}}: fill it in.`,
        });
      }
    }
    if (problems.length > 0) reject(outcome.row, problems, valuesOf(r, columns));
    else good.push({ outcome, photoId: photoId ?? null });
  }
  return good;
}

/** A row's values by header, rebuilt from the parsed recipient (normalised), for the failures CSV. */
function valuesOf(
  r: Accepted["recipient"],
  columns: HeaderReport["columns"],
): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    firstName: r.firstName,
    lastName: r.lastName,
    fullName: r.fullName,
    company: r.company,
    email: r.email,
    phone: r.phone,
    birthday: r.birthday,
    anniversary: r.anniversary,
    photo: r.photo,
    line1: r.address.line1,
    line2: r.address.line2,
    city: r.address.city,
    region: r.address.region,
    postalCode: r.address.postalCode,
    country: r.address.country,
  };
  const values: Record<string, string> = {};
  for (const { header, field } of columns) {
    const value = field.startsWith("custom:")
      ? r.custom[field.slice(7)]
      : fields[field.replace(/^\w+\./, "")];
    if (value !== undefined) values[header] = value;
  }
  return values;
}
