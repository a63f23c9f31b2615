import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { authOf } from "../../http/auth.ts";
import { listOf, PageQuery, pageOf, toList } from "../../http/pagination.ts";
import { automationCardJson } from "./automation-card-json.ts";
import { automationJson } from "./automation-json.ts";
import {
  AutomationCardSchema,
  AutomationIdParams,
  AutomationSchema,
  CreateAutomationBody,
  CreateSendBody,
  SendSchema,
  UpcomingQuery,
  UpcomingSchema,
  UpdateAutomationBody,
} from "./automations.schemas.ts";
import type { AutomationsService } from "./automations.service.ts";
import { type SendsService, sendJson } from "./sends.service.ts";

const tags = ["automations"];
const config = { scope: "campaigns" as const };

export const automationsRoutes: FastifyPluginAsyncTypebox<{
  automations: AutomationsService;
  sends: SendsService;
}> = async (app, { automations, sends }) => {
  app.post(
    "/v1/automations",
    {
      config,
      schema: {
        tags,
        summary: "Create an automation (birthday, anniversary, october_holiday or thank_you)",
        body: CreateAutomationBody,
        response: { 201: AutomationSchema },
      },
    },
    async (request, reply) => {
      const row = await automations.create(authOf(request).accountId, request.body);
      return reply
        .code(201)
        .header("location", `/v1/automations/${row.id}`)
        .send(automationJson(row));
    },
  );

  app.get(
    "/v1/automations",
    {
      config,
      schema: {
        tags,
        summary: "List automations, newest first",
        querystring: PageQuery,
        response: { 200: listOf(AutomationSchema) },
      },
    },
    async (request) => {
      const rows = await automations.list(authOf(request).accountId, pageOf(request.query, "time"));
      return toList(rows, request.query.limit, (row) => automationJson(row));
    },
  );

  app.get(
    "/v1/automations/:id",
    {
      config,
      schema: {
        tags,
        summary: "Get an automation, with its counts (sent this year, upcoming 30 days, skipped)",
        params: AutomationIdParams,
        response: { 200: AutomationSchema },
      },
    },
    async (request) => {
      const row = await automations.get(authOf(request).accountId, request.params.id);
      return automationJson(row, await automations.counts(row));
    },
  );

  app.patch(
    "/v1/automations/:id",
    {
      config,
      schema: {
        tags,
        summary: "Edit an automation (its occasion stays); active: false pauses it",
        params: AutomationIdParams,
        body: UpdateAutomationBody,
        response: { 200: AutomationSchema },
      },
    },
    async (request) =>
      automationJson(
        await automations.update(authOf(request).accountId, request.params.id, request.body),
      ),
  );

  app.delete(
    "/v1/automations/:id",
    {
      config,
      schema: {
        tags,
        summary: "Delete an automation (the cards it made and their batches stay)",
        params: AutomationIdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await automations.remove(authOf(request).accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/v1/automations/:id/upcoming",
    {
      config,
      schema: {
        tags,
        summary:
          "Each card the automation will make with a send day in [from, to] (default: today and 30 days on, at most 400), and why not where it will not. Sends nothing.",
        params: AutomationIdParams,
        querystring: UpcomingQuery,
        response: { 200: UpcomingSchema },
      },
    },
    async (request) => {
      const result = await automations.upcoming(
        authOf(request).accountId,
        request.params.id,
        request.query,
      );
      return {
        object: "list" as const,
        from: result.from,
        to: result.to,
        data: result.items.map((o) => ({
          object: "upcoming_card" as const,
          contact_id: o.contact_id,
          contact_name: o.contact_name,
          occasion_date: o.occasion_date,
          send_date: o.send_date,
          skip_reason: o.outcome,
          send_id: o.send_id,
          campaign_id: o.campaign_id,
        })),
        has_more: result.hasMore,
        next_after: result.nextAfter,
        totals: result.totals,
      };
    },
  );

  app.get(
    "/v1/automations/:id/cards",
    {
      config,
      schema: {
        tags,
        summary: "The cards the automation made, newest first, with their outcome and batch",
        params: AutomationIdParams,
        querystring: Type.Intersect([
          PageQuery,
          Type.Object({
            status: Type.Optional(
              Type.Unsafe<string>({ type: "string", enum: ["pending", "rendered", "failed"] }),
            ),
          }),
        ]),
        response: { 200: listOf(AutomationCardSchema) },
      },
    },
    async (request) => {
      const { limit, status } = request.query;
      const rows = await automations.cards(authOf(request).accountId, request.params.id, {
        ...pageOf(request.query, "seq"),
        status,
      });
      return toList(rows, limit, automationCardJson);
    },
  );

  app.post(
    "/v1/automations/:id/sends",
    {
      config,
      schema: {
        tags,
        summary:
          "A thank-you card for one contact (by contact_id, external_id, or an inline contact upserted), in the batch of its send day",
        params: AutomationIdParams,
        body: CreateSendBody,
        response: { 201: SendSchema },
      },
    },
    async (request, reply) => {
      const send = await sends.create(authOf(request).accountId, request.params.id, request.body);
      return reply.code(201).send(sendJson(send));
    },
  );
};
