import { type Listed, type PageRequest, timeKey } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";

type Db = Pool | PoolClient;

export interface PhotoRow {
  id: string;
  account_id: string;
  filename: string;
  source_format: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  master_key: string;
  preview_key: string;
  warnings: string[];
  created_at: Date;
}

export async function insertPhoto(db: Db, row: Omit<PhotoRow, "created_at">): Promise<PhotoRow> {
  const { rows } = await db.query<PhotoRow>(
    `INSERT INTO photos (id, account_id, filename, source_format, width, height, bytes, sha256,
                         master_key, preview_key, warnings)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
    [
      row.id,
      row.account_id,
      row.filename,
      row.source_format,
      row.width,
      row.height,
      row.bytes,
      row.sha256,
      row.master_key,
      row.preview_key,
      JSON.stringify(row.warnings),
    ],
  );
  return rows[0] as PhotoRow;
}

export async function findPhoto(
  db: Db,
  accountId: string,
  id: string,
): Promise<PhotoRow | undefined> {
  const { rows } = await db.query<PhotoRow>(
    "SELECT * FROM photos WHERE account_id = $1 AND id = $2",
    [accountId, id],
  );
  return rows[0];
}

/**
 * Photos a CSV's photo column names, by id or by file name (case-insensitive; the newest upload
 * of a name wins). Returns a map from the name as written to the photo id.
 *
 * Two equality joins, one on the id and one on lower(filename) (photos_filename_idx), rather than
 * one join on `id = name OR lower(filename) = lower(name)`: an OR join cannot be hashed, and
 * without statistics on photos (an account's photos just uploaded) the planner compared every
 * name with every photo of the account, per chunk: 54 s for an import naming 10,000 photos.
 */
export async function resolvePhotoNames(
  db: Db,
  accountId: string,
  names: string[],
): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const { rows } = await db.query<{ name: string; id: string }>(
    `WITH n AS (SELECT DISTINCT name FROM unnest($2::text[]) AS n(name))
     SELECT DISTINCT ON (m.name) m.name, m.id
       FROM (SELECT n.name, p.id, 0 AS by_name, p.created_at
               FROM n JOIN photos p ON p.account_id = $1 AND p.id = n.name
             UNION ALL
             SELECT n.name, p.id, 1, p.created_at
               FROM n JOIN photos p ON p.account_id = $1 AND lower(p.filename) = lower(n.name)) m
      ORDER BY m.name, m.by_name, m.created_at DESC, m.id`,
    [accountId, names],
  );
  return new Map(rows.map((r) => [r.name, r.id]));
}

export async function listPhotos(
  db: Db,
  accountId: string,
  page: PageRequest,
): Promise<Listed<PhotoRow>[]> {
  const { rows } = await db.query<Listed<PhotoRow>>(
    `SELECT *, ${timeKey("created_at")} AS sort_key FROM photos
      WHERE account_id = $1
        AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::text))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [accountId, page.after?.key ?? null, page.after?.id ?? null, page.limit],
  );
  return rows;
}

export async function deletePhoto(
  db: Db,
  accountId: string,
  id: string,
): Promise<PhotoRow | undefined> {
  const { rows } = await db.query<PhotoRow>(
    "DELETE FROM photos WHERE account_id = $1 AND id = $2 RETURNING *",
    [accountId, id],
  );
  return rows[0];
}
