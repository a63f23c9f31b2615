/** An event as the API lists it and as a webhook delivery's body carries it (the same JSON). */
import type { EventRow } from "./events.repository.ts";

export function eventJson(row: EventRow) {
  return {
    object: "event" as const,
    id: row.id,
    type: row.type,
    mode: row.mode,
    created_at: row.created_at.toISOString(),
    data: { object: row.data.object },
  };
}
