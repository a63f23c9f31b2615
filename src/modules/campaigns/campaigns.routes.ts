import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { authOf } from "../../http/auth.ts";
import { listOf, PageQuery, pageOf, toList } from "../../http/pagination.ts";
import { campaignJson } from "./campaign-json.ts";
import {
  CAMPAIGN_STATUSES,
  CampaignIdParams,
  CampaignSchema,
  CreateCampaignBody,
  UpdateCampaignBody,
} from "./campaigns.schemas.ts";
import type { CampaignsService } from "./campaigns.service.ts";

export { campaignJson };

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
