import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { authOf } from "../../http/auth.ts";
import { listOf, PageQuery, pageOf, toList } from "../../http/pagination.ts";
import { deliveryJson, endpointJson, endpointWithSecretJson } from "./webhook-endpoint-json.ts";
import {
  CreateEndpointBody,
  DeliveryIdParams,
  DeliveryQuery,
  DeliverySchema,
  EndpointIdParams,
  EndpointSchema,
  EndpointWithSecretSchema,
  UpdateEndpointBody,
} from "./webhook-endpoints.schemas.ts";
import type { WebhookEndpointsService } from "./webhook-endpoints.service.ts";

const tags = ["webhooks"];

/** Any key may manage endpoints; a vendor key's are limited to batch events (see the service). */
export const webhookEndpointsRoutes: FastifyPluginAsyncTypebox<{
  webhookEndpoints: WebhookEndpointsService;
}> = async (app, { webhookEndpoints: endpoints }) => {
  app.post(
    "/v1/webhook_endpoints",
    {
      schema: {
        tags,
        summary: "Create a webhook endpoint (its secret is shown only in this answer)",
        body: CreateEndpointBody,
        response: { 201: EndpointWithSecretSchema },
      },
    },
    async (request, reply) => {
      const row = await endpoints.create(authOf(request), request.body);
      return reply
        .code(201)
        .header("location", `/v1/webhook_endpoints/${row.id}`)
        .send(endpointWithSecretJson(row));
    },
  );

  app.get(
    "/v1/webhook_endpoints",
    {
      schema: {
        tags,
        summary: "List webhook endpoints, newest first",
        querystring: PageQuery,
        response: { 200: listOf(EndpointSchema) },
      },
    },
    async (request) => {
      const rows = await endpoints.list(authOf(request), pageOf(request.query, "time"));
      return toList(rows, request.query.limit, (r) => endpointJson(r));
    },
  );

  app.get(
    "/v1/webhook_endpoints/:id",
    {
      schema: {
        tags,
        summary: "Get a webhook endpoint",
        params: EndpointIdParams,
        response: { 200: EndpointSchema },
      },
    },
    async (request) => endpointJson(await endpoints.get(authOf(request), request.params.id)),
  );

  app.patch(
    "/v1/webhook_endpoints/:id",
    {
      schema: {
        tags,
        summary: "Change a webhook endpoint's URL, event types, description or status",
        params: EndpointIdParams,
        body: UpdateEndpointBody,
        response: { 200: EndpointSchema },
      },
    },
    async (request) =>
      endpointJson(await endpoints.update(authOf(request), request.params.id, request.body)),
  );

  app.delete(
    "/v1/webhook_endpoints/:id",
    {
      schema: {
        tags,
        summary: "Delete a webhook endpoint (its pending deliveries are dropped)",
        params: EndpointIdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await endpoints.remove(authOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/v1/webhook_endpoints/:id/roll_secret",
    {
      schema: {
        tags,
        summary: "Make a new signing secret; the old one keeps signing beside it for 24 hours",
        params: EndpointIdParams,
        noBody: true,
        response: { 200: EndpointWithSecretSchema },
      },
    },
    async (request) =>
      endpointWithSecretJson(await endpoints.rollSecret(authOf(request), request.params.id)),
  );

  app.get(
    "/v1/webhook_endpoints/:id/deliveries",
    {
      schema: {
        tags,
        summary: "List an endpoint's deliveries, newest first, with their attempts",
        params: EndpointIdParams,
        querystring: Type.Intersect([PageQuery, DeliveryQuery]),
        response: { 200: listOf(DeliverySchema) },
      },
    },
    async (request) => {
      const rows = await endpoints.deliveries(authOf(request), request.params.id, {
        ...pageOf(request.query, "time"),
        status: request.query.status,
      });
      return toList(rows, request.query.limit, deliveryJson);
    },
  );

  app.post(
    "/v1/webhook_endpoints/:id/deliveries/:delivery_id/retry",
    {
      schema: {
        tags,
        summary: "Send a delivery again now (the same event, the same event id)",
        params: DeliveryIdParams,
        noBody: true,
        response: { 200: DeliverySchema },
      },
    },
    async (request) =>
      deliveryJson(
        await endpoints.retry(authOf(request), request.params.id, request.params.delivery_id),
      ),
  );
};
