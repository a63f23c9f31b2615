import { type Listed, type PageRequest, timeKey } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import type { PostalAddress } from "../../render/card-data.ts";
import type { Mode, Scope } from "./api-key-secret.ts";

type Db = Pool | PoolClient;

export interface AccountRow {
  id: string;
  name: string;
  default_country: string;
  /** IANA zone of the account's clock (automations run on its days). */
  time_zone: string;
  /** The hour of the account's day (0–23) from which the daily run makes that day's cards. */
  send_hour: number;
  /** 'test' for an account's test twin (the objects its test keys make); see 0013_test-mode.sql. */
  mode: Mode;
  /** The twin's account (null for a live account). */
  live_account_id: string | null;
  /** The print vendor's press sheet: default of imposed PDFs and the manifest's sheet columns. */
  imposition_sheet: string;
  /** The print vendor's colour: campaigns take it when frozen (0019_color-mode.sql). */
  color_mode: "rgb" | "cmyk";
  /** The sender's return address, or null (0022_account-return-address.sql). */
  return_address: PostalAddress | null;
  created_at: Date;
}

export interface ApiKeyRow {
  id: string;
  account_id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  mode: Mode;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const KEY_COLUMNS =
  "id, account_id, name, prefix, scopes, mode, created_at, last_used_at, revoked_at";

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
  v: {
    timeZone?: string;
    sendHour?: number;
    impositionSheet?: string;
    colorMode?: string;
    /** undefined: unchanged; null: none. */
    returnAddress?: PostalAddress | null;
  },
): Promise<AccountRow | undefined> {
  // The test twin keeps the account's clock (and return address), so test automations run on the same days.
  const { rows } = await db.query<AccountRow>(
    `UPDATE accounts SET time_zone = coalesce($2, time_zone), send_hour = coalesce($3, send_hour),
            imposition_sheet = coalesce($4, imposition_sheet), color_mode = coalesce($5, color_mode),
            return_address = CASE WHEN $6::boolean THEN $7::jsonb ELSE return_address END
      WHERE id = $1 OR live_account_id = $1 RETURNING *`,
    [
      id,
      v.timeZone ?? null,
      v.sendHour ?? null,
      v.impositionSheet ?? null,
      v.colorMode ?? null,
      v.returnAddress !== undefined,
      v.returnAddress ? JSON.stringify(v.returnAddress) : null,
    ],
  );
  return rows.find((r) => r.id === id);
}

export async function listAccounts(db: Db): Promise<AccountRow[]> {
  const { rows } = await db.query<AccountRow>(
    "SELECT * FROM accounts WHERE mode = 'live' ORDER BY created_at, id",
  );
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
    mode: Mode;
  },
): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (id, account_id, name, prefix, secret_hash, scopes, mode)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${KEY_COLUMNS}`,
    [row.id, row.accountId, row.name, row.prefix, row.hash, row.scopes, row.mode],
  );
  return rows[0] as ApiKeyRow;
}

/**
 * How stale a key's last use may be before a request records it: by the database's clock on a
 * lookup, by the API's for a key served from memory.
 */
export const TOUCH_EVERY_MS = 60_000;
const TOUCH_EVERY = `interval '${TOUCH_EVERY_MS / 1000} seconds'`;

interface KeyLookup {
  account_name: string;
  /** The account the key acts on: its own for a live key, the test twin for a test key. */
  acts_on: string | null;
  /** The last use on record is older than TOUCH_EVERY: record this one. */
  touch_due: boolean;
}

/**
 * The key for a presented secret, with its account's name and the id of the account row it acts
 * on (the test twin for a test key; null if that twin is missing); revoked keys included (caller decides).
 */
export async function findApiKeyByHash(
  db: Db,
  hash: Buffer,
): Promise<(ApiKeyRow & KeyLookup) | undefined> {
  const { rows } = await db.query<ApiKeyRow & KeyLookup>(
    `SELECT k.id, k.account_id, k.name, k.prefix, k.scopes, k.mode, k.created_at, k.last_used_at,
            k.revoked_at, a.name AS account_name,
            k.last_used_at IS NULL OR k.last_used_at < now() - ${TOUCH_EVERY} AS touch_due,
            CASE WHEN k.mode = 'live' THEN a.id ELSE t.id END AS acts_on
       FROM api_keys k JOIN accounts a ON a.id = k.account_id
       LEFT JOIN accounts t ON t.live_account_id = a.id
      WHERE k.secret_hash = $1`,
    [hash],
  );
  return rows[0];
}

/** The account's test twin, made on first need with the account's name, country and clock. */
export async function ensureTestTwin(
  db: Db,
  liveAccountId: string,
  newId: string,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `WITH made AS (
       INSERT INTO accounts (id, name, default_country, time_zone, send_hour, return_address, mode, live_account_id)
       SELECT $2, name, default_country, time_zone, send_hour, return_address, 'test', id
         FROM accounts WHERE id = $1 AND mode = 'live'
       ON CONFLICT (live_account_id) DO NOTHING RETURNING id)
     SELECT id FROM made UNION ALL SELECT id FROM accounts WHERE live_account_id = $1`,
    [liveAccountId, newId],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error(`account ${liveAccountId} has no test twin and none could be made`);
  return id;
}

/** The account row objects of `mode` belong to: the account itself, or its test twin. */
export async function accountOfMode(
  db: Db,
  liveAccountId: string,
  mode: Mode,
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    mode === "live"
      ? "SELECT id FROM accounts WHERE id = $1 AND mode = 'live'"
      : "SELECT id FROM accounts WHERE live_account_id = $1",
    [liveAccountId],
  );
  return rows[0]?.id;
}

/** Marks a key used, at most once a minute, so authentication stays a read on busy keys. */
export async function touchApiKey(db: Db, id: string): Promise<void> {
  await db.query(
    `UPDATE api_keys SET last_used_at = now()
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - ${TOUCH_EVERY})`,
    [id],
  );
}

export async function listApiKeys(
  db: Db,
  accountId: string,
  page: PageRequest,
  mode?: Mode,
): Promise<Listed<ApiKeyRow>[]> {
  const { rows } = await db.query<Listed<ApiKeyRow>>(
    `SELECT ${KEY_COLUMNS}, ${timeKey("created_at")} AS sort_key FROM api_keys
      WHERE account_id = $1 AND ($5::text IS NULL OR mode = $5)
        AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::text))
      ORDER BY created_at, id LIMIT $4`,
    [accountId, page.after?.key ?? null, page.after?.id ?? null, page.limit, mode ?? null],
  );
  return rows;
}

export async function revokeApiKey(
  db: Db,
  accountId: string,
  id: string,
  mode?: Mode,
): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
      WHERE account_id = $1 AND id = $2 AND ($3::text IS NULL OR mode = $3)
      RETURNING ${KEY_COLUMNS}`,
    [accountId, id, mode ?? null],
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
