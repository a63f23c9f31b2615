/**
 * The outbox's one door: events and their webhook deliveries, written with the caller's client,
 * inside the transaction of the change they report. Either the change, its events and their
 * deliveries all commit, or none does; the workers send what committed (deliver-webhook.service).
 */
import type { PoolClient } from "../../db/pool.ts";
import { newIds } from "../../ids.ts";
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

/** Many events of one type and account in three statements (a daily run makes thousands). */
export async function emitEvents(
  tx: PoolClient,
  e: Omit<NewEvent, "object"> & { objects: EventObject[] },
): Promise<string[]> {
  if (e.objects.length === 0) return [];
  const ids = newIds("evt", e.objects.length);
  // The mode is the account's (test twins are accounts), never the object row's: rows such as
  // batches and cards carry no mode of their own.
  const inserted = await tx.query(
    `INSERT INTO events (id, account_id, mode, type, object_id, data)
     SELECT x.id, a.id, a.mode, $2, x.object_id, jsonb_build_object('object', x.object)
       FROM accounts a, unnest($3::text[], $4::text[], $5::jsonb[]) AS x(id, object_id, object)
      WHERE a.id = $1`,
    [e.accountId, e.type, ids, e.objects.map((o) => o.id), e.objects.map((o) => JSON.stringify(o))],
  );
  if (inserted.rowCount !== ids.length)
    throw new Error(`event for account ${e.accountId}, which does not exist`);
  await queueDeliveries(tx, { accountId: e.accountId, type: e.type, eventIds: ids });
  return ids;
}
