/** The reports of contacts CSV imports (contact_imports, migrations/0009_contacts.sql). */
import type { Pool, PoolClient } from "../../db/pool.ts";

type Db = Pool | PoolClient;

export interface ContactImportRow {
  id: string;
  account_id: string;
  filename: string | null;
  encoding: string | null;
  delimiter: string | null;
  columns: { header: string; field: string }[];
  rows: number;
  created: number;
  updated: number;
  rejected: number;
  duplicates: number;
  warned: number;
  errors: ImportProblem[];
  warnings: ImportProblem[];
  failures_key: string | null;
  created_at: Date;
}

export interface ImportProblem {
  row: number;
  field: string;
  column?: string;
  message: string;
}

export async function insertContactImport(
  db: Db,
  row: Pick<ContactImportRow, "id" | "account_id" | "filename">,
): Promise<void> {
  await db.query("INSERT INTO contact_imports (id, account_id, filename) VALUES ($1, $2, $3)", [
    row.id,
    row.account_id,
    row.filename,
  ]);
}

export async function finishContactImport(
  db: Db,
  id: string,
  v: Omit<ContactImportRow, "id" | "account_id" | "filename" | "created_at">,
): Promise<ContactImportRow> {
  const { rows } = await db.query<ContactImportRow>(
    `UPDATE contact_imports SET encoding = $2, delimiter = $3, columns = $4, rows = $5, created = $6,
            updated = $7, rejected = $8, duplicates = $9, warned = $10, errors = $11, warnings = $12,
            failures_key = $13
      WHERE id = $1 RETURNING *`,
    [
      id,
      v.encoding,
      v.delimiter,
      JSON.stringify(v.columns),
      v.rows,
      v.created,
      v.updated,
      v.rejected,
      v.duplicates,
      v.warned,
      JSON.stringify(v.errors),
      JSON.stringify(v.warnings),
      v.failures_key,
    ],
  );
  return rows[0] as ContactImportRow;
}

export async function findContactImport(
  db: Db,
  accountId: string,
  id: string,
): Promise<ContactImportRow | undefined> {
  const { rows } = await db.query<ContactImportRow>(
    "SELECT * FROM contact_imports WHERE account_id = $1 AND id = $2",
    [accountId, id],
  );
  return rows[0];
}
