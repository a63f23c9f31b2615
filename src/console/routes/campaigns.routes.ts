/** Campaigns: the list with status and progress. */
import type { FastifyInstance } from "fastify";
import { campaignJson } from "../../modules/campaigns/campaign-json.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";

const hide = { hide: true };

export async function campaignsPages(app: FastifyInstance, { deps }: ConsoleContext) {
  app.get("/campaigns", { schema: hide }, async (request, reply) => {
    const { accountId } = accountOf(request);
    const rows = await deps.campaigns.list(accountId, { limit: 100 });
    const campaigns = rows.map((row) => {
      const c = campaignJson(row);
      const done = c.cards.rendered + c.cards.failed;
      return { ...c, done, total: c.recipients };
    });
    return reply.page("campaigns/list", { title: "Campaigns", section: "campaigns", campaigns });
  });
}
