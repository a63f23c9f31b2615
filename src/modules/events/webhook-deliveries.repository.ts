/** SQL of the webhook outbox: one delivery per (endpoint, event), and its attempts. */
import type { PoolClient } from "../../db/pool.ts";
import { newIds } from "../../ids.ts";
import type { Mode } from "./event-mode.ts";

/**
 * In the events' transaction: a due delivery, for each event, to every enabled endpoint of the
 * account and mode that subscribes to the type (`*`, the type, or its `prefix.*`).
 */
export async function queueDeliveries(
  tx: PoolClient,
  e: { accountId: string; mode: Mode; type: string; eventIds: string[] },
): Promise<number> {
  const prefix = `${e.type.split(".")[0]}.*`;
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM webhook_endpoints
      WHERE account_id = $1 AND mode = $2 AND status = 'enabled'
        AND ('*' = ANY(event_types) OR $3 = ANY(event_types) OR $4 = ANY(event_types))
        AND (NOT batches_only OR $3 LIKE 'batch.%')`,
    [e.accountId, e.mode, e.type, prefix],
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
