import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { authOf } from "../../http/auth.ts";
import { listOf, PageQuery, pageOf, toList } from "../../http/pagination.ts";
import { eventJson } from "./event-json.ts";
import { EventIdParams, EventListQuery, EventSchema } from "./events.schemas.ts";
import type { EventsService } from "./events.service.ts";

const tags = ["events"];

/** Any key may read events; a vendor key (batches scope only) sees batch events only. */
export const eventsRoutes: FastifyPluginAsyncTypebox<{ events: EventsService }> = async (
  app,
  { events },
) => {
  app.get(
    "/v1/events",
    {
      schema: {
        tags,
        summary: "List events, newest first",
        description:
          "Filter by `type` (a name such as `batch.ready`, or a prefix such as `batch.*`) and by `object_id`.",
        querystring: Type.Intersect([PageQuery, EventListQuery]),
        response: { 200: listOf(EventSchema) },
      },
    },
    async (request) => {
      const { limit, type, object_id } = request.query;
      const rows = await events.list(authOf(request), pageOf(request.query, "time"), {
        type,
        objectId: object_id,
      });
      return toList(rows, limit, eventJson);
    },
  );

  app.get(
    "/v1/events/:id",
    {
      schema: {
        tags,
        summary: "Get an event",
        params: EventIdParams,
        response: { 200: EventSchema },
      },
    },
    async (request) => eventJson(await events.get(authOf(request), request.params.id)),
  );
};
