import { Type } from "typebox";
import { EVENT_TYPES } from "./event-types.ts";

export const EventSchema = Type.Object(
  {
    object: Type.Literal("event"),
    id: Type.String({ description: "evt_…; the same id in every delivery of this event." }),
    type: Type.String({ description: Object.keys(EVENT_TYPES).join(", ") }),
    mode: Type.Union([Type.Literal("live"), Type.Literal("test")]),
    created_at: Type.String({ format: "date-time" }),
    data: Type.Object({
      object: Type.Record(Type.String(), Type.Unknown(), {
        description: "The object as the API returned it when the event happened.",
      }),
    }),
  },
  { $id: "Event" },
);

export const EventListQuery = Type.Object({
  type: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'An event type, or a prefix such as "batch.*".',
    }),
  ),
  object_id: Type.Optional(
    Type.String({ maxLength: 64, description: "Only events about this object." }),
  ),
});

export const EventIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
