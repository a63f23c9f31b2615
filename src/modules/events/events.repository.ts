/** SQL of the event list: events are written once (emit-event.ts) and never changed. */
import { type Listed, type PageRequest, timeKey } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import type { Mode } from "./event-mode.ts";

type Db = Pool | PoolClient;

export interface EventRow {
  id: string;
  account_id: string;
  mode: Mode;
  type: string;
  object_id: string;
  data: { object: Record<string, unknown> };
  created_at: Date;
}

/** What a reader may see: its account and mode, and for a vendor key only batch events. */
export interface EventScope {
  accountId: string;
  mode: Mode;
  batchesOnly: boolean;
}

const SCOPE = `account_id = $1 AND mode = $2 AND (NOT $3::boolean OR type LIKE 'batch.%')`;

/** Newest first; `type` is a name or a `prefix.*` (validated by the caller). */
export async function listEvents(
  db: Db,
  scope: EventScope,
  page: PageRequest & { type?: string; objectId?: string },
): Promise<Listed<EventRow>[]> {
  const prefix = page.type?.endsWith(".*") ? `${page.type.slice(0, -1)}%` : null;
  const exact = page.type && !prefix && page.type !== "*" ? page.type : null;
  const { rows } = await db.query<Listed<EventRow>>(
    `SELECT *, ${timeKey("created_at")} AS sort_key FROM events
      WHERE ${SCOPE}
        AND ($4::text IS NULL OR type = $4) AND ($5::text IS NULL OR type LIKE $5)
        AND ($6::text IS NULL OR object_id = $6)
        AND ($7::timestamptz IS NULL OR (created_at, id) < ($7::timestamptz, $8::text))
      ORDER BY created_at DESC, id DESC LIMIT $9`,
    [
      scope.accountId,
      scope.mode,
      scope.batchesOnly,
      exact,
      prefix,
      page.objectId ?? null,
      page.after?.key ?? null,
      page.after?.id ?? null,
      page.limit,
    ],
  );
  return rows;
}

export async function findEvent(db: Db, scope: EventScope, id: string) {
  const { rows } = await db.query<EventRow>(`SELECT * FROM events WHERE ${SCOPE} AND id = $4`, [
    scope.accountId,
    scope.mode,
    scope.batchesOnly,
    id,
  ]);
  return rows[0];
}
