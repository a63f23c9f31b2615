import { type Listed, type PageRequest, timeKey } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import type { Scope } from "./api-key-secret.ts";

type Db = Pool | PoolClient;

export interface AccountRow {
  id: string;
  name: string;
  default_country: string;
  /** IANA zone of the account's clock (automations run on its days). */
  time_zone: string;
  /** The hour of the account's day (0–23) from which the daily run makes that day's cards. */
  send_hour: number;
  /** The print vendor's press sheet: default of imposed PDFs and the manifest's sheet columns. */
  imposition_sheet: string;
  created_at: Date;
}

export interface ApiKeyRow {
  id: string;
  account_id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const KEY_COLUMNS = "id, account_id, name, prefix, scopes, created_at, last_used_at, revoked_at";

export async function insertAccount(
  db: Db,
  row: { id: string; name: string; defaultCountry: string },
) {
  const { rows } = await db.query<AccountRow>(
    "INSERT INTO accounts (id, name, default_country) VALUES ($1, $2, $3) RETURNING *",
    [row.id, row.name, row.defaultCountry],
  );
  return rows[0] as AccountRow;
}

export async function findAccount(db: Db, id: string): Promise<AccountRow | undefined> {
  const { rows } = await db.query<AccountRow>("SELECT * FROM accounts WHERE id = $1", [id]);
  return rows[0];
}

export async function updateAccountClock(
  db: Db,
  id: string,
  v: { timeZone?: string; sendHour?: number; impositionSheet?: string },
): Promise<AccountRow | undefined> {
  const { rows } = await db.query<AccountRow>(
    `UPDATE accounts SET time_zone = coalesce($2, time_zone), send_hour = coalesce($3, send_hour),
            imposition_sheet = coalesce($4, imposition_sheet)
      WHERE id = $1 RETURNING *`,
    [id, v.timeZone ?? null, v.sendHour ?? null, v.impositionSheet ?? null],
  );
  return rows[0];
}

export async function listAccounts(db: Db): Promise<AccountRow[]> {
  const { rows } = await db.query<AccountRow>("SELECT * FROM accounts ORDER BY created_at, id");
  return rows;
}

export async function insertApiKey(
  db: Db,
  row: {
    id: string;
    accountId: string;
    name: string;
    prefix: string;
    hash: Buffer;
    scopes: Scope[];
  },
): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (id, account_id, name, prefix, secret_hash, scopes)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${KEY_COLUMNS}`,
    [row.id, row.accountId, row.name, row.prefix, row.hash, row.scopes],
  );
  return rows[0] as ApiKeyRow;
}

/** The key for a presented secret, with its account's name; revoked keys included (caller decides). */
export async function findApiKeyByHash(
  db: Db,
  hash: Buffer,
): Promise<(ApiKeyRow & { account_name: string }) | undefined> {
  const { rows } = await db.query<ApiKeyRow & { account_name: string }>(
    `SELECT k.id, k.account_id, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at,
            k.revoked_at, a.name AS account_name
       FROM api_keys k JOIN accounts a ON a.id = k.account_id
      WHERE k.secret_hash = $1`,
    [hash],
  );
  return rows[0];
}

/** Marks a key used, at most once a minute, so authentication stays a read on busy keys. */
export async function touchApiKey(db: Db, id: string): Promise<void> {
  await db.query(
    `UPDATE api_keys SET last_used_at = now()
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  );
}

export async function listApiKeys(
  db: Db,
  accountId: string,
  page: PageRequest,
): Promise<Listed<ApiKeyRow>[]> {
  const { rows } = await db.query<Listed<ApiKeyRow>>(
    `SELECT ${KEY_COLUMNS}, ${timeKey("created_at")} AS sort_key FROM api_keys
      WHERE account_id = $1
        AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::text))
      ORDER BY created_at, id LIMIT $4`,
    [accountId, page.after?.key ?? null, page.after?.id ?? null, page.limit],
  );
  return rows;
}

export async function revokeApiKey(
  db: Db,
  accountId: string,
  id: string,
): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
      WHERE account_id = $1 AND id = $2 RETURNING ${KEY_COLUMNS}`,
    [accountId, id],
  );
  return rows[0];
}

export async function findApiKey(
  db: Db,
  accountId: string,
  id: string,
): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE account_id = $1 AND id = $2`,
    [accountId, id],
  );
  return rows[0];
}
