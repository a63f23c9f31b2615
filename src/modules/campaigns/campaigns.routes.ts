import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { authOf } from "../../http/auth.ts";
import { listOf, PageQuery, pageOf, toList } from "../../http/pagination.ts";
import type { CampaignRow } from "./campaigns.repository.ts";
import {
  CAMPAIGN_STATUSES,
  CampaignIdParams,
  CampaignSchema,
  CreateCampaignBody,
  UpdateCampaignBody,
} from "./campaigns.schemas.ts";
import type { CampaignsService } from "./campaigns.service.ts";
import { senderJson } from "./sender.ts";

export function campaignJson(row: CampaignRow) {
  return {
    object: "campaign" as const,
    id: row.id,
    name: row.name,
    occasion: row.occasion,
    template: row.template_id,
    format: row.format,
    message: row.message,
    merge_fields: row.merge_fields,
    sender: senderJson(row.sender),
    photo_id: row.photo_id,
    metadata: row.metadata,
    landing_url: row.landing_url ?? null,
    scans: { total: Number(row.scan_total ?? 0), cards: Number(row.scanned_cards ?? 0) },
    status: row.status,
    send_at: row.send_at?.toISOString() ?? null,
    automation_id: row.automation_id ?? null,
    send_date: row.send_date ?? null,
    recipients: Number(row.recipients),
    cards: {
      pending: row.card_counts?.pending ?? 0,
      rendered: row.card_counts?.rendered ?? 0,
      failed: row.card_counts?.failed ?? 0,
    },
    batches: row.batches ?? [],
    submitted_at: row.submitted_at?.toISOString() ?? null,
    rendering_at: row.rendering_at?.toISOString() ?? null,
    batching_at: row.batching_at?.toISOString() ?? null,
    ready_at: row.ready_at?.toISOString() ?? null,
    cancelled_at: row.cancelled_at?.toISOString() ?? null,
    failed_at: row.failed_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const tags = ["campaigns"];
const config = { scope: "campaigns" as const };

export const campaignsRoutes: FastifyPluginAsyncTypebox<{ campaigns: CampaignsService }> = async (
  app,
  { campaigns },
) => {
  app.post(
    "/v1/campaigns",
    {
      config,
      schema: {
        tags,
        summary: "Create a campaign (a draft)",
        body: CreateCampaignBody,
        response: { 201: CampaignSchema },
      },
    },
    async (request, reply) => {
      const row = await campaigns.create(authOf(request).accountId, request.body);
      return reply.code(201).header("location", `/v1/campaigns/${row.id}`).send(campaignJson(row));
    },
  );

  app.get(
    "/v1/campaigns",
    {
      config,
      schema: {
        tags,
        summary: "List campaigns, newest first",
        querystring: Type.Intersect([
          PageQuery,
          Type.Object({
            status: Type.Optional(
              Type.Unsafe<string>({ type: "string", enum: [...CAMPAIGN_STATUSES] }),
            ),
          }),
        ]),
        response: { 200: listOf(CampaignSchema) },
      },
    },
    async (request) => {
      const { limit, status } = request.query;
      const rows = await campaigns.list(
        authOf(request).accountId,
        pageOf(request.query, "time"),
        status,
      );
      return toList(rows, limit, campaignJson);
    },
  );

  app.get(
    "/v1/campaigns/:id",
    {
      config,
      schema: {
        tags,
        summary: "Get a campaign",
        params: CampaignIdParams,
        response: { 200: CampaignSchema },
      },
    },
    async (request) =>
      campaignJson(await campaigns.get(authOf(request).accountId, request.params.id)),
  );

  app.patch(
    "/v1/campaigns/:id",
    {
      config,
      schema: {
        tags,
        summary: "Edit a draft campaign",
        params: CampaignIdParams,
        body: UpdateCampaignBody,
        response: { 200: CampaignSchema },
      },
    },
    async (request) =>
      campaignJson(
        await campaigns.update(authOf(request).accountId, request.params.id, request.body),
      ),
  );

  app.delete(
    "/v1/campaigns/:id",
    {
      config,
      schema: {
        tags,
        summary: "Delete a draft or cancelled campaign",
        params: CampaignIdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await campaigns.remove(authOf(request).accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
