/**
 * Campaigns: the list with status and progress (filtered by status), and the pages of one
 * campaign (campaign-new.routes.ts makes one, with campaign-media.routes.ts for its pictures and
 * photo; campaign-page.routes.ts shows one).
 */
import type { FastifyInstance } from "fastify";
import { campaignJson } from "../../modules/campaigns/campaign-json.ts";
import { CAMPAIGN_STATUSES } from "../../modules/campaigns/campaigns.schemas.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import { campaignMediaPages } from "./campaign-media.routes.ts";
import { campaignNewPages, OCCASION_LABELS } from "./campaign-new.routes.ts";
import { campaignPages } from "./campaign-page.routes.ts";

const hide = { hide: true };

export async function campaignsPages(app: FastifyInstance, context: ConsoleContext) {
  const { deps } = context;
  app.get<{ Querystring: { status?: unknown; deleted?: unknown } }>(
    "/campaigns",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const asked = request.query.status;
      const status =
        typeof asked === "string" && (CAMPAIGN_STATUSES as readonly string[]).includes(asked)
          ? asked
          : undefined;
      const rows = await deps.campaigns.list(accountId, { limit: 100 }, status);
      const campaigns = rows.map((row) => {
        const c = campaignJson(row);
        const done = c.cards.rendered + c.cards.failed;
        const total = c.status === "draft" ? c.recipients : c.cards.pending + done;
        return { ...c, occasion: OCCASION_LABELS[c.occasion] ?? c.occasion, done, total };
      });
      const deleted = request.query.deleted;
      return reply.page("campaigns/list", {
        title: "Campaigns",
        section: "campaigns",
        campaigns,
        status,
        statuses: CAMPAIGN_STATUSES.map((s) => ({ id: s, selected: s === status })),
        deleted: typeof deleted === "string" ? deleted.slice(0, 100) : undefined,
      });
    },
  );
  await app.register(campaignNewPages, context);
  await app.register(campaignMediaPages, context);
  await app.register(campaignPages, context);
}
