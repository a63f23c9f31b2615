/** Reading events: what a key may see is its account, its mode and, for a vendor key, batch events. */
import type { PageRequest } from "../../db/cursor.ts";
import type { Pool } from "../../db/pool.ts";
import { notFound, validation } from "../../errors.ts";
import { type Mode, modeOf } from "./event-mode.ts";
import { eventPatternHelp, isBatchPattern, isEventPattern } from "./event-types.ts";
import { type EventScope, findEvent, listEvents } from "./events.repository.ts";

/** The reader of an API request: who it is, in which mode, with which scopes. */
export interface Reader {
  accountId: string;
  scopes: readonly string[];
  mode?: Mode;
}

/** A key with the batches scope and neither campaigns nor admin: a print vendor's. */
export const isVendor = (r: Pick<Reader, "scopes">) =>
  !r.scopes.includes("campaigns") && !r.scopes.includes("admin");

export const scopeOf = (r: Reader): EventScope => ({
  accountId: r.accountId,
  mode: modeOf(r),
  batchesOnly: isVendor(r),
});

export function createEventsService(deps: { pool: Pool }) {
  const { pool } = deps;
  return {
    async list(reader: Reader, page: PageRequest, filter: { type?: string; objectId?: string }) {
      if (filter.type !== undefined && !isEventPattern(filter.type)) {
        throw validation(`Unknown event type "${filter.type}": use ${eventPatternHelp()}.`, [
          { field: "querystring.type", message: "not an event type or prefix" },
        ]);
      }
      if (filter.type !== undefined && isVendor(reader) && !isBatchPattern(filter.type)) {
        throw validation("A key with only the batches scope sees batch events only.", [
          { field: "querystring.type", message: 'use a batch event type or "batch.*"' },
        ]);
      }
      return listEvents(pool, scopeOf(reader), { ...page, ...filter });
    },
    async get(reader: Reader, id: string) {
      const row = await findEvent(pool, scopeOf(reader), id);
      if (!row) throw notFound("Event");
      return row;
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
