/** SQL of the webhook outbox: one delivery per (endpoint, event), and its attempts. */
import { type Listed, type PageRequest, timeKey } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import { newIds } from "../../ids.ts";

/**
 * In the events' transaction: a due delivery, for each event, to every enabled endpoint of the
 * account and mode that subscribes to the type (`*`, the type, or its `prefix.*`).
 */
export async function queueDeliveries(
  tx: PoolClient,
  e: { accountId: string; type: string; eventIds: string[] },
): Promise<number> {
  const prefix = `${e.type.split(".")[0]}.*`;
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM webhook_endpoints
      WHERE account_id = $1 AND mode = (SELECT mode FROM accounts WHERE id = $1)
        AND status = 'enabled'
        AND ('*' = ANY(event_types) OR $2 = ANY(event_types) OR $3 = ANY(event_types))
        AND (NOT batches_only OR $2 LIKE 'batch.%')`,
    [e.accountId, e.type, prefix],
  );
  if (rows.length === 0 || e.eventIds.length === 0) return 0;
  const endpointIds = rows.flatMap((r) => e.eventIds.map(() => r.id));
  const eventIds = rows.flatMap(() => e.eventIds);
  await tx.query(
    `INSERT INTO webhook_deliveries (id, account_id, endpoint_id, event_id)
     SELECT d.id, $1, d.endpoint_id, d.event_id
       FROM unnest($2::text[], $3::text[], $4::text[]) AS d(id, endpoint_id, event_id)
     ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
    [e.accountId, newIds("whd", eventIds.length), endpointIds, eventIds],
  );
  return eventIds.length;
}

export interface DeliveryRow {
  id: string;
  account_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  completed_at: Date | null;
  /** Its attempts, oldest first (the last 20), where the query asked for them. */
  attempt_log?: {
    status_code: number | null;
    outcome: string;
    error: string | null;
    duration_ms: number;
    created_at: string;
  }[];
}

const WITH_LOG = `d.*, e.type AS event_type,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('status_code', a.status_code, 'outcome', a.outcome,
            'error', a.error, 'duration_ms', a.duration_ms, 'created_at', a.created_at) ORDER BY a.created_at), '[]')
     FROM (SELECT * FROM webhook_attempts WHERE delivery_id = d.id ORDER BY created_at DESC LIMIT 20) a) AS attempt_log`;

export async function listDeliveries(
  db: Pool | PoolClient,
  endpointId: string,
  page: PageRequest & { status?: string },
): Promise<Listed<DeliveryRow>[]> {
  const { rows } = await db.query<Listed<DeliveryRow>>(
    `SELECT ${WITH_LOG}, ${timeKey("d.created_at")} AS sort_key
       FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
      WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2)
        AND ($3::timestamptz IS NULL OR (d.created_at, d.id) < ($3::timestamptz, $4::text))
      ORDER BY d.created_at DESC, d.id DESC LIMIT $5`,
    [endpointId, page.status ?? null, page.after?.key ?? null, page.after?.id ?? null, page.limit],
  );
  return rows;
}

export async function findDelivery(db: Pool | PoolClient, endpointId: string, id: string) {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT ${WITH_LOG} FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
      WHERE d.endpoint_id = $1 AND d.id = $2`,
    [endpointId, id],
  );
  return rows[0];
}

/** A re-send asked for: due now, whatever it was; its three days run on from the event. */
export async function retryDelivery(db: Pool | PoolClient, endpointId: string, id: string) {
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), completed_at = NULL
      WHERE endpoint_id = $1 AND id = $2`,
    [endpointId, id],
  );
  return (rowCount ?? 0) > 0;
}

/** What the workers should send now: pending, due, to an enabled endpoint. */
export async function dueDeliveries(db: Pool, limit: number) {
  const { rows } = await db.query<{ id: string; attempts: number }>(
    `SELECT d.id, d.attempts FROM webhook_deliveries d
       JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.status = 'enabled'
      WHERE d.status = 'pending' AND d.next_attempt_at <= now()
      ORDER BY d.next_attempt_at LIMIT $1`,
    [limit],
  );
  return rows;
}

export interface ClaimedDelivery {
  id: string;
  account_id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number;
  created_at: Date;
  url: string;
  secrets: string[];
}

/**
 * Takes a due delivery for one attempt: counts it and moves it out of reach for `leaseMs` (more
 * than an attempt can take). A second job for the same delivery finds nothing to take; a worker
 * that dies mid-attempt leaves it due again once the lease is over.
 */
export async function claimDelivery(
  db: Pool,
  id: string,
  leaseMs: number,
): Promise<ClaimedDelivery | undefined> {
  const { rows } = await db.query<ClaimedDelivery>(
    `UPDATE webhook_deliveries d SET attempts = d.attempts + 1, last_attempt_at = now(),
            next_attempt_at = now() + make_interval(secs => $2 / 1000.0)
       FROM webhook_endpoints w
      WHERE d.id = $1 AND d.status = 'pending' AND d.next_attempt_at <= now()
        AND w.id = d.endpoint_id AND w.status = 'enabled'
      RETURNING d.id, d.account_id, d.endpoint_id, d.event_id, d.attempts, d.created_at, w.url,
        array_remove(ARRAY[w.secret, CASE WHEN w.previous_secret_expires_at > now()
                                          THEN w.previous_secret END], NULL) AS secrets`,
    [id, leaseMs],
  );
  return rows[0];
}

/**
 * An attempt's outcome, the delivery's next state and the endpoint's failing clock, in the caller's
 * transaction. Returns whether the endpoint has now failed for `disableAfterMs` (the caller
 * disables it and says so).
 */
export async function recordAttempt(
  tx: PoolClient,
  d: ClaimedDelivery,
  a: {
    ok: boolean;
    statusCode: number | null;
    error: string | null;
    durationMs: number;
    retryInMs: number;
    giveUpAfterMs: number;
  },
): Promise<{ endpointFailingMs: number | null }> {
  await tx.query(
    `INSERT INTO webhook_attempts (id, delivery_id, status_code, outcome, error, duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      newIds("wha", 1)[0],
      d.id,
      a.statusCode,
      a.ok ? "succeeded" : "failed",
      a.error?.slice(0, 500) ?? null,
      Math.min(a.durationMs, 2_147_483_647),
    ],
  );
  await tx.query(
    `UPDATE webhook_deliveries SET last_status_code = $2, last_error = $3,
        status = CASE WHEN $4 THEN 'succeeded'
                      WHEN created_at <= now() - make_interval(secs => $6 / 1000.0) THEN 'failed'
                      ELSE 'pending' END,
        completed_at = CASE WHEN $4 OR created_at <= now() - make_interval(secs => $6 / 1000.0)
                            THEN now() END,
        next_attempt_at = now() + make_interval(secs => $5 / 1000.0)
      WHERE id = $1`,
    [d.id, a.statusCode, a.error?.slice(0, 500) ?? null, a.ok, a.retryInMs, a.giveUpAfterMs],
  );
  const { rows } = await tx.query<{ ms: number | null }>(
    `UPDATE webhook_endpoints SET failing_since = CASE WHEN $2 THEN NULL ELSE coalesce(failing_since, now()) END
      WHERE id = $1
      RETURNING (extract(epoch FROM now() - failing_since) * 1000)::float8 AS ms`,
    [d.endpoint_id, a.ok],
  );
  return { endpointFailingMs: rows[0]?.ms ?? null };
}

/** Disables a failing endpoint; true when this call did (so its event is written once). */
export async function disableEndpoint(tx: PoolClient, id: string, reason: string) {
  const { rowCount } = await tx.query(
    `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $2, updated_at = now()
      WHERE id = $1 AND status = 'enabled'`,
    [id, reason],
  );
  return (rowCount ?? 0) > 0;
}
