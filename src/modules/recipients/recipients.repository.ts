import { copyField, copyIn, copyJson } from "../../db/copy.ts";
import type { Listed, PageRequest } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import type { Recipient } from "../../render/card-data.ts";

type Db = Pool | PoolClient;

export interface RecipientRow {
  id: string;
  account_id: string;
  campaign_id: string;
  import_id: string | null;
  row_number: number | null;
  data: Recipient;
  photo_id: string | null;
  dedupe_key: string;
  contact_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewRecipient {
  id: string;
  rowNumber: number | null;
  /** The recipient as JSON text (JSON.stringify of a {@link Recipient}). */
  dataJson: string;
  photoId: string | null;
  dedupeKey: string;
  /** The contact the recipient was taken from (POST …/recipients/from-contacts). */
  contactId?: string;
  /** Set by a household import: rows with one key become one card (merge-households.ts). */
  householdKey?: string;
}

const COLUMNS =
  "id, account_id, campaign_id, import_id, row_number, data, photo_id, dedupe_key, contact_id, household_key";

/**
 * Inserts a chunk of recipients with COPY (src/db/copy.ts): the rows travel in COPY's text format
 * and PostgreSQL reads them straight into the table. It took a fifth to a third less of
 * PostgreSQL's CPU than the one-statement insert of a JSON document through json_to_recordset
 * that it replaces, which parsed every row twice (the document, then each row's data as jsonb).
 *
 * With `skipExisting`, a person already in the campaign (same dedupe key, from an earlier import)
 * is skipped and the dedupe keys actually inserted are returned: the chunk is copied into a
 * temporary table of the transaction and moved from there with one INSERT … ON CONFLICT DO
 * NOTHING, in the chunk's order. Without it every row must be new (the caller knows the campaign
 * had no recipients and the rows have distinct keys): the rows are copied into recipients itself,
 * and a conflict fails the COPY instead.
 *
 * `tx` must be in a transaction (the temporary table lives until its commit or rollback).
 */
export async function insertRecipients(
  tx: PoolClient,
  scope: { accountId: string; campaignId: string; importId: string | null },
  rows: NewRecipient[],
  opts: { skipExisting: boolean } = { skipExisting: true },
): Promise<Set<string> | "all"> {
  if (rows.length === 0) return opts.skipExisting ? new Set() : "all";
  const fixed = `\t${copyField(scope.accountId)}\t${copyField(scope.campaignId)}\t${copyField(scope.importId)}\t`;
  let text = "";
  for (const r of rows) {
    text += `${copyField(r.id)}${fixed}${r.rowNumber ?? "\\N"}\t${copyJson(r.dataJson)}\t${copyField(r.photoId)}\t${copyField(r.dedupeKey)}\t${copyField(r.contactId)}\t${copyField(r.householdKey)}\n`;
  }
  if (!opts.skipExisting) {
    const copied = await copyIn(tx, `COPY recipients (${COLUMNS}) FROM STDIN`, text);
    if (copied !== rows.length) throw new Error(`inserted ${copied} of ${rows.length} recipients`);
    return "all";
  }
  // ord keeps the chunk's order through the move, so seq follows the file as before.
  await tx.query(
    `CREATE TEMP TABLE IF NOT EXISTS recipients_incoming (
       ord int GENERATED ALWAYS AS IDENTITY, id text, account_id text, campaign_id text,
       import_id text, row_number int, data jsonb, photo_id text, dedupe_key text,
       contact_id text, household_key text) ON COMMIT DROP`,
  );
  await copyIn(tx, `COPY recipients_incoming (${COLUMNS}) FROM STDIN`, text);
  const { rows: inserted } = await tx.query<{ dedupe_key: string }>(
    `WITH moved AS (DELETE FROM recipients_incoming RETURNING *)
     INSERT INTO recipients (${COLUMNS})
     SELECT ${COLUMNS} FROM moved ORDER BY ord
     ON CONFLICT (campaign_id, dedupe_key) DO NOTHING
     RETURNING dedupe_key`,
  );
  return new Set(inserted.map((r) => r.dedupe_key));
}

/** True when the campaign has no recipients yet (under the campaign lock, none can appear). */
export async function campaignIsEmpty(db: Db, campaignId: string): Promise<boolean> {
  const { rows } = await db.query<{ empty: boolean }>(
    "SELECT NOT EXISTS (SELECT 1 FROM recipients WHERE campaign_id = $1) AS empty",
    [campaignId],
  );
  return rows[0]?.empty ?? false;
}

export async function findRecipient(
  db: Db,
  accountId: string,
  campaignId: string,
  id: string,
): Promise<RecipientRow | undefined> {
  const { rows } = await db.query<RecipientRow>(
    "SELECT * FROM recipients WHERE account_id = $1 AND campaign_id = $2 AND id = $3",
    [accountId, campaignId, id],
  );
  return rows[0];
}

/**
 * A page of the campaign's recipients, or undefined when the account has no such campaign: one
 * statement for both, so a list read costs one round trip.
 */
export async function listRecipients(
  db: Db,
  accountId: string,
  campaignId: string,
  page: PageRequest,
): Promise<Listed<RecipientRow>[] | undefined> {
  // seq is unique within a campaign: it alone orders the list. The campaign's row is there (with
  // no recipient: one row of NULLs) or not.
  const { rows } = await db.query<Listed<RecipientRow>>(
    `SELECT r.*, r.seq::text AS sort_key
       FROM campaigns c
       LEFT JOIN LATERAL (
         SELECT * FROM recipients
          WHERE account_id = $1 AND campaign_id = c.id
            AND ($3::bigint IS NULL OR seq > $3::bigint)
          ORDER BY seq LIMIT $4) r ON true
      WHERE c.account_id = $1 AND c.id = $2
      ORDER BY r.seq`,
    [accountId, campaignId, page.after?.key ?? null, page.limit],
  );
  if (rows.length === 0) return undefined;
  return rows.filter((r) => r.id !== null);
}

export async function updateRecipient(
  db: Db,
  id: string,
  values: { data: Recipient; photoId: string | null; dedupeKey: string },
): Promise<void> {
  await db.query(
    "UPDATE recipients SET data = $2, photo_id = $3, dedupe_key = $4, updated_at = now() WHERE id = $1",
    [id, JSON.stringify(values.data), values.photoId, values.dedupeKey],
  );
}

export async function deleteRecipient(db: Db, id: string): Promise<void> {
  await db.query("DELETE FROM recipients WHERE id = $1", [id]);
}

export interface ImportRow {
  id: string;
  account_id: string;
  campaign_id: string;
  source: "csv" | "json";
  filename: string | null;
  encoding: string | null;
  delimiter: string | null;
  columns: { header: string; field: string }[];
  rows: number;
  imported: number;
  rejected: number;
  duplicates: number;
  errors: unknown[];
  failures_key: string | null;
  /** Asked with household=true; then merged/households/not_merged count and merged_key reports. */
  household: boolean;
  merged: number;
  households: number;
  not_merged: number;
  merged_key: string | null;
  created_at: Date;
}

export async function insertImport(
  db: Db,
  row: Pick<ImportRow, "id" | "account_id" | "campaign_id" | "source" | "filename" | "household">,
): Promise<void> {
  await db.query(
    "INSERT INTO imports (id, account_id, campaign_id, source, filename, household) VALUES ($1, $2, $3, $4, $5, $6)",
    [row.id, row.account_id, row.campaign_id, row.source, row.filename, row.household],
  );
}

export async function finishImport(
  db: Db,
  id: string,
  v: Pick<
    ImportRow,
    | "encoding"
    | "delimiter"
    | "columns"
    | "rows"
    | "imported"
    | "rejected"
    | "duplicates"
    | "errors"
    | "failures_key"
    | "merged"
    | "households"
    | "not_merged"
    | "merged_key"
  >,
): Promise<ImportRow> {
  const { rows } = await db.query<ImportRow>(
    `UPDATE imports SET encoding = $2, delimiter = $3, columns = $4, rows = $5, imported = $6, rejected = $7,
            duplicates = $8, errors = $9, failures_key = $10, merged = $11, households = $12,
            not_merged = $13, merged_key = $14
      WHERE id = $1 RETURNING *`,
    [
      id,
      v.encoding,
      v.delimiter,
      JSON.stringify(v.columns),
      v.rows,
      v.imported,
      v.rejected,
      v.duplicates,
      JSON.stringify(v.errors),
      v.failures_key,
      v.merged,
      v.households,
      v.not_merged,
      v.merged_key,
    ],
  );
  return rows[0] as ImportRow;
}

export async function findImport(
  db: Db,
  accountId: string,
  campaignId: string,
  id: string,
): Promise<ImportRow | undefined> {
  const { rows } = await db.query<ImportRow>(
    "SELECT * FROM imports WHERE account_id = $1 AND campaign_id = $2 AND id = $3",
    [accountId, campaignId, id],
  );
  return rows[0];
}

/** The account's colour mode: what a draft campaign's proof is drawn in. */
export async function accountColorMode(db: Db, accountId: string): Promise<"rgb" | "cmyk"> {
  const { rows } = await db.query<{ color_mode: "rgb" | "cmyk" }>(
    "SELECT color_mode FROM accounts WHERE id = $1",
    [accountId],
  );
  return rows[0]?.color_mode ?? "rgb";
}

/**
 * Recipients whose cards are likeliest to need a look, without drawing any: the longest names,
 * names outside Latin script (drawn in a fallback font when the design's has no glyphs for them),
 * and people with a photo of their own. Their rendered reports say what is actually wrong.
 */
export async function riskyRecipients(
  db: Db,
  accountId: string,
  campaignId: string,
  opts: { skipFirst: number; limit: number },
): Promise<RecipientRow[]> {
  const { rows } = await db.query<RecipientRow>(
    `SELECT * FROM (
       SELECT *, row_number() OVER (ORDER BY seq) AS n FROM recipients
        WHERE account_id = $1 AND campaign_id = $2) r
      WHERE n > $3
      ORDER BY (length(coalesce(data->>'fullName', '')) + length(coalesce(data->>'firstName', ''))
                + length(coalesce(data->>'lastName', ''))
                + CASE WHEN (coalesce(data->>'fullName', '') || coalesce(data->>'firstName', '')
                             || coalesce(data->>'lastName', '')) ~ '[^\\x01-\\x7F\\u00C0-\\u024F]'
                       THEN 40 ELSE 0 END
                + CASE WHEN photo_id IS NOT NULL THEN 30 ELSE 0 END) DESC, seq
      LIMIT $4`,
    [accountId, campaignId, opts.skipFirst, opts.limit],
  );
  return rows;
}
