import type { Pool } from "../../db/pool.ts";

export interface TemplateRow {
  id: string;
  account_id: string;
  name: string;
  occasion: string | null;
  formats: string[];
  storage_prefix: string;
  created_at: Date;
}

export async function insertTemplate(
  db: Pool,
  row: Omit<TemplateRow, "created_at">,
): Promise<TemplateRow> {
  const { rows } = await db.query<TemplateRow>(
    `INSERT INTO templates (id, account_id, name, occasion, formats, storage_prefix)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [row.id, row.account_id, row.name, row.occasion, row.formats, row.storage_prefix],
  );
  return rows[0] as TemplateRow;
}

export async function findTemplate(
  db: Pool,
  accountId: string,
  id: string,
): Promise<TemplateRow | undefined> {
  const { rows } = await db.query<TemplateRow>(
    "SELECT * FROM templates WHERE account_id = $1 AND id = $2",
    [accountId, id],
  );
  return rows[0];
}

export async function listTemplates(db: Pool, accountId: string): Promise<TemplateRow[]> {
  const { rows } = await db.query<TemplateRow>(
    "SELECT * FROM templates WHERE account_id = $1 ORDER BY created_at, id",
    [accountId],
  );
  return rows;
}
