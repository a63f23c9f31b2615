/**
 * The outbox's one door: events and their webhook deliveries, written with the caller's client,
 * inside the transaction of the change they report. Either the change, its events and their
 * deliveries all commit, or none does; the workers send what committed (deliver-webhook.service).
 */
import type { PoolClient } from "../../db/pool.ts";
import { newIds } from "../../ids.ts";
import type { Mode } from "./event-mode.ts";
import type { EventType } from "./event-types.ts";
import { queueDeliveries } from "./webhook-deliveries.repository.ts";

type EventObject = { id: string } & Record<string, unknown>;

export interface NewEvent {
  /** The account row the object belongs to: a test twin's events are test-mode events. */
  accountId: string;
  type: EventType;
  /** The object as the API returns it now (its `id` is the event's object id). */
  object: EventObject;
}

export async function emitEvent(tx: PoolClient, e: NewEvent): Promise<string> {
  return (await emitEvents(tx, { ...e, objects: [e.object] }))[0] as string;
}

/** Many events of one type and account in four statements (a daily run makes thousands). */
export async function emitEvents(
  tx: PoolClient,
  e: Omit<NewEvent, "object"> & { objects: EventObject[] },
): Promise<string[]> {
  if (e.objects.length === 0) return [];
  // The mode is the account's (test twins are accounts), never the object row's: rows such as
  // batches and cards carry no mode of their own.
  const { rows } = await tx.query<{ mode: Mode }>("SELECT mode FROM accounts WHERE id = $1", [
    e.accountId,
  ]);
  const mode = rows[0]?.mode;
  if (!mode) throw new Error(`event for account ${e.accountId}, which does not exist`);
  const ids = newIds("evt", e.objects.length);
  await tx.query(
    `INSERT INTO events (id, account_id, mode, type, object_id, data)
     SELECT x.id, $1, $2, $3, x.object_id, jsonb_build_object('object', x.object)
       FROM unnest($4::text[], $5::text[], $6::jsonb[]) AS x(id, object_id, object)`,
    [
      e.accountId,
      mode,
      e.type,
      ids,
      e.objects.map((o) => o.id),
      e.objects.map((o) => JSON.stringify(o)),
    ],
  );
  await queueDeliveries(tx, { accountId: e.accountId, mode, type: e.type, eventIds: ids });
  return ids;
}
