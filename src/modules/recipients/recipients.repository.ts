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
  created_at: Date;
  updated_at: Date;
}

export interface NewRecipient {
  id: string;
  rowNumber: number | null;
  data: Recipient;
  photoId: string | null;
  dedupeKey: string;
}

/**
 * Inserts a chunk of recipients in one statement; a person already in the campaign (same dedupe
 * key, from an earlier import) is skipped. Returns the dedupe keys actually inserted.
 */
export async function insertRecipients(
  db: Db,
  scope: { accountId: string; campaignId: string; importId: string | null },
  rows: NewRecipient[],
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const { rows: inserted } = await db.query<{ dedupe_key: string }>(
    `INSERT INTO recipients (id, account_id, campaign_id, import_id, row_number, data, photo_id, dedupe_key)
     SELECT r.id, $1, $2, $3, r.row_number, r.data, r.photo_id, r.dedupe_key
       FROM unnest($4::text[], $5::int[], $6::jsonb[], $7::text[], $8::text[])
            AS r(id, row_number, data, photo_id, dedupe_key)
     ON CONFLICT (campaign_id, dedupe_key) DO NOTHING
     RETURNING dedupe_key`,
    [
      scope.accountId,
      scope.campaignId,
      scope.importId,
      rows.map((r) => r.id),
      rows.map((r) => r.rowNumber),
      rows.map((r) => JSON.stringify(r.data)),
      rows.map((r) => r.photoId),
      rows.map((r) => r.dedupeKey),
    ],
  );
  return new Set(inserted.map((r) => r.dedupe_key));
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

export async function listRecipients(
  db: Db,
  accountId: string,
  campaignId: string,
  page: { limit: number; after?: string },
): Promise<RecipientRow[]> {
  const { rows } = await db.query<RecipientRow>(
    `SELECT * FROM recipients
      WHERE account_id = $1 AND campaign_id = $2
        AND ($3::text IS NULL OR seq > (SELECT seq FROM recipients WHERE id = $3 AND campaign_id = $2))
      ORDER BY seq LIMIT $4`,
    [accountId, campaignId, page.after ?? null, page.limit],
  );
  return rows;
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
  created_at: Date;
}

export async function insertImport(
  db: Db,
  row: Pick<ImportRow, "id" | "account_id" | "campaign_id" | "source" | "filename">,
): Promise<void> {
  await db.query(
    "INSERT INTO imports (id, account_id, campaign_id, source, filename) VALUES ($1, $2, $3, $4, $5)",
    [row.id, row.account_id, row.campaign_id, row.source, row.filename],
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
  >,
): Promise<ImportRow> {
  const { rows } = await db.query<ImportRow>(
    `UPDATE imports SET encoding = $2, delimiter = $3, columns = $4, rows = $5, imported = $6, rejected = $7,
            duplicates = $8, errors = $9, failures_key = $10
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
