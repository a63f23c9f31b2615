/** SQL of webhook endpoints. A vendor key's reads see only the endpoints vendor keys made. */
import { type Listed, type PageRequest, timeKey } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import type { Mode } from "./event-mode.ts";

type Db = Pool | PoolClient;

export interface EndpointRow {
  id: string;
  account_id: string;
  mode: Mode;
  url: string;
  description: string | null;
  event_types: string[];
  status: "enabled" | "disabled";
  disabled_reason: string | null;
  batches_only: boolean;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface EndpointScope {
  accountId: string;
  mode: Mode;
  /** A vendor key: only endpoints made by vendor keys (batch events only). */
  batchesOnly: boolean;
}

const SCOPE = "account_id = $1 AND mode = $2 AND (NOT $3::boolean OR batches_only)";
const scopeArgs = (s: EndpointScope) => [s.accountId, s.mode, s.batchesOnly];

/** Serialises creations of one account so the per-account cap holds under concurrent POSTs. */
export async function lockAccountEndpoints(tx: PoolClient, accountId: string): Promise<number> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('webhook_endpoints:' || $1))", [accountId]);
  const { rows } = await tx.query<{ n: number }>(
    "SELECT count(*) AS n FROM webhook_endpoints WHERE account_id = $1",
    [accountId],
  );
  return rows[0]?.n ?? 0;
}

export async function insertEndpoint(
  tx: PoolClient,
  row: Pick<
    EndpointRow,
    "id" | "account_id" | "mode" | "url" | "description" | "event_types" | "batches_only" | "secret"
  >,
): Promise<EndpointRow> {
  const { rows } = await tx.query<EndpointRow>(
    `INSERT INTO webhook_endpoints (id, account_id, mode, url, description, event_types, batches_only, secret)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      row.id,
      row.account_id,
      row.mode,
      row.url,
      row.description,
      row.event_types,
      row.batches_only,
      row.secret,
    ],
  );
  return rows[0] as EndpointRow;
}

export async function listEndpoints(
  db: Db,
  scope: EndpointScope,
  page: PageRequest,
): Promise<Listed<EndpointRow>[]> {
  const { rows } = await db.query<Listed<EndpointRow>>(
    `SELECT *, ${timeKey("created_at")} AS sort_key FROM webhook_endpoints
      WHERE ${SCOPE} AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::text))
      ORDER BY created_at DESC, id DESC LIMIT $6`,
    [...scopeArgs(scope), page.after?.key ?? null, page.after?.id ?? null, page.limit],
  );
  return rows;
}

export async function findEndpoint(db: Db, scope: EndpointScope, id: string) {
  const { rows } = await db.query<EndpointRow>(
    `SELECT * FROM webhook_endpoints WHERE ${SCOPE} AND id = $4`,
    [...scopeArgs(scope), id],
  );
  return rows[0];
}

export async function updateEndpoint(
  db: Db,
  scope: EndpointScope,
  id: string,
  v: {
    url?: string;
    description?: string | null;
    event_types?: string[];
    status?: "enabled" | "disabled";
  },
) {
  const { rows } = await db.query<EndpointRow>(
    `UPDATE webhook_endpoints SET
        url = coalesce($5, url),
        description = CASE WHEN $6::boolean THEN $7 ELSE description END,
        event_types = coalesce($8, event_types),
        status = coalesce($9, status),
        -- Re-enabled by hand: a fresh start, not three days of failures remembered.
        disabled_reason = CASE WHEN $9 = 'enabled' THEN NULL WHEN $9 = 'disabled' THEN 'disabled by the API' ELSE disabled_reason END,
        failing_since = CASE WHEN $9 = 'enabled' THEN NULL ELSE failing_since END,
        updated_at = now()
      WHERE ${SCOPE} AND id = $4 RETURNING *`,
    [
      ...scopeArgs(scope),
      id,
      v.url ?? null,
      v.description !== undefined,
      v.description ?? null,
      v.event_types ?? null,
      v.status ?? null,
    ],
  );
  return rows[0];
}

export async function deleteEndpoint(db: Db, scope: EndpointScope, id: string) {
  const { rowCount } = await db.query(`DELETE FROM webhook_endpoints WHERE ${SCOPE} AND id = $4`, [
    ...scopeArgs(scope),
    id,
  ]);
  return (rowCount ?? 0) > 0;
}

/** A new secret; the old one keeps signing beside it for `graceSeconds`. */
export async function rollSecret(
  db: Db,
  scope: EndpointScope,
  id: string,
  secret: string,
  graceSeconds: number,
) {
  const { rows } = await db.query<EndpointRow>(
    `UPDATE webhook_endpoints SET previous_secret = secret, secret = $5,
            previous_secret_expires_at = now() + make_interval(secs => $6), updated_at = now()
      WHERE ${SCOPE} AND id = $4 RETURNING *`,
    [...scopeArgs(scope), id, secret, graceSeconds],
  );
  return rows[0];
}
