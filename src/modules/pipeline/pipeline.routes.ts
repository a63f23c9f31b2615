import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { Pool } from "../../db/pool.ts";
import { notFound } from "../../errors.ts";
import { authOf } from "../../http/auth.ts";
import { fileResponse } from "../../http/openapi-docs.ts";
import { listOf, PageQuery, pageOf, toList } from "../../http/pagination.ts";
import type { Storage } from "../../storage/storage.ts";
import { campaignJson } from "../campaigns/campaign-json.ts";
import { CampaignIdParams, CampaignSchema } from "../campaigns/campaigns.schemas.ts";
import type { CampaignsService } from "../campaigns/campaigns.service.ts";
import { readCardPdf } from "../cards/card-pdf.ts";
import { cardJson } from "./card-json.ts";
import { findCard, listCards } from "./pipeline.repository.ts";
import type { SubmitService } from "./submit.service.ts";

const CardSchema = Type.Object(
  {
    object: Type.Literal("card"),
    id: Type.String(),
    campaign_id: Type.String(),
    recipient_id: Type.String(),
    recipient_name: Type.String(),
    status: Type.String({ description: "pending, rendered or failed" }),
    failure_reason: Type.Union([Type.String(), Type.Null()]),
    failure_detail: Type.Union([Type.String(), Type.Null()]),
    pages: Type.Union([Type.Integer(), Type.Null()]),
    batch_id: Type.Union([Type.String(), Type.Null()]),
    batch_sequence: Type.Union([Type.Integer(), Type.Null()]),
    pdf_url: Type.Union([Type.String(), Type.Null()]),
    qr_url: Type.Union([Type.String(), Type.Null()], {
      description:
        "The card's own short URL, drawn as its QR code (PUBLIC_URL/q/<token>); null without a landing_url.",
    }),
    report: Type.Unknown(),
  },
  { $id: "Card" },
);

const tags = ["campaigns"];
const config = { scope: "campaigns" as const };

export const pipelineRoutes: FastifyPluginAsyncTypebox<{
  pool: Pool;
  storage: Storage;
  campaigns: CampaignsService;
  submit: SubmitService;
}> = async (app, { pool, storage, campaigns, submit }) => {
  app.post(
    "/v1/campaigns/:id/submit",
    {
      config,
      schema: {
        tags,
        summary: "Submit a draft: freeze it and render its cards (now, or at send_at)",
        params: CampaignIdParams,
        optionalBody: true,
        body: Type.Object(
          {
            send_at: Type.Optional(
              Type.String({ format: "date-time", description: "At most 180 days ahead." }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: CampaignSchema },
      },
    },
    async (request) => {
      const sendAt = request.body.send_at ? new Date(request.body.send_at) : undefined;
      return campaignJson(
        await submit.submit(authOf(request).accountId, request.params.id, sendAt),
      );
    },
  );

  app.post(
    "/v1/campaigns/:id/cancel",
    {
      config,
      schema: {
        tags,
        summary:
          "Cancel a campaign until its cards are rendered (draft, scheduled or rendering): cards not yet rendered never are, and no batch is made",
        params: CampaignIdParams,
        noBody: true,
        response: { 200: CampaignSchema },
      },
    },
    async (request) =>
      campaignJson(await submit.cancel(authOf(request).accountId, request.params.id)),
  );

  app.get(
    "/v1/campaigns/:id/cards",
    {
      config,
      schema: {
        tags,
        summary:
          "A submitted campaign's cards, with outcomes (filter status=failed for the failures and their reasons)",
        params: CampaignIdParams,
        querystring: Type.Intersect([
          PageQuery,
          Type.Object({
            status: Type.Optional(
              Type.Unsafe<string>({ type: "string", enum: ["pending", "rendered", "failed"] }),
            ),
          }),
        ]),
        response: { 200: listOf(CardSchema) },
      },
    },
    async (request) => {
      const { accountId } = authOf(request);
      await campaigns.get(accountId, request.params.id);
      const { limit, status } = request.query;
      const rows = await listCards(pool, accountId, request.params.id, {
        ...pageOf(request.query, "seq"),
        status,
      });
      return toList(rows, limit, cardJson);
    },
  );

  app.get(
    "/v1/campaigns/:id/cards/:card.pdf",
    {
      config,
      schema: {
        tags,
        summary: "One rendered card's print-ready PDF",
        params: Type.Object({ id: Type.String(), card: Type.String() }),
        response: { 200: fileResponse("application/pdf", "The card's PDF") },
      },
    },
    async (request, reply) => {
      const { accountId } = authOf(request);
      const card = await findCard(pool, accountId, request.params.id, request.params.card);
      if (!card?.pdf_key) throw notFound("Card PDF");
      // Put together before the first byte goes out: a card whose photo is gone answers an
      // error, never a truncated PDF.
      const pdf = await readCardPdf(storage, card.pdf_key);
      return reply
        .type("application/pdf")
        .header("etag", `"${card.pdf_sha256}"`)
        .header("content-disposition", `inline; filename="${card.id}.pdf"`)
        .send(pdf);
    },
  );
};
