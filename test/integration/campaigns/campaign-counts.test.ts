/**
 * A campaign's counts (recipients, cards by status) are kept by triggers, not counted on read. Each
 * case compares them with a count of the rows themselves after what the service does to them:
 * imports, removals, submit, render outcomes from several connections at once, a rollback.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;

beforeAll(async () => {
  // No worker: the test moves the cards itself.
  ctx = await createTestContext({ AUTOMATION_TICK_SECONDS: "0" });
  secret = (await ctx.account()).secret;
});
afterAll(async () => {
  await ctx.close();
});

async function kept(campaignId: string) {
  const { rows } = await ctx.deps.pool.query(
    "SELECT recipients::int, pending::int, rendered::int, failed::int FROM campaign_counts WHERE campaign_id = $1",
    [campaignId],
  );
  return rows[0];
}

async function counted(campaignId: string) {
  const { rows } = await ctx.deps.pool.query(
    `SELECT (SELECT count(*)::int FROM recipients WHERE campaign_id = $1) AS recipients,
            count(*) FILTER (WHERE status = 'pending')::int AS pending,
            count(*) FILTER (WHERE status = 'rendered')::int AS rendered,
            count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM cards WHERE campaign_id = $1`,
    [campaignId],
  );
  return rows[0];
}

async function read(campaignId: string) {
  const res = await ctx.app.inject({ url: `/v1/campaigns/${campaignId}`, headers: bearer(secret) });
  expect(res.statusCode).toBe(200);
  return res.json() as { recipients: number; cards: Record<string, number> };
}

async function submit(campaignId: string) {
  const res = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${campaignId}/submit`,
    headers: bearer(secret),
    payload: {},
  });
  expect(res.statusCode).toBe(200);
  expect(await ctx.deps.submit.start(campaignId)).toBe("started");
}

describe("campaign counts", () => {
  it("follow imports and removals of recipients, and the read shows them", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 12 });
    expect(await kept(id)).toEqual({ recipients: 12, pending: 0, rendered: 0, failed: 0 });

    const list = await ctx.app.inject({
      url: `/v1/campaigns/${id}/recipients?limit=3`,
      headers: bearer(secret),
    });
    for (const r of list.json().data as { id: string }[]) {
      const res = await ctx.app.inject({
        method: "DELETE",
        url: `/v1/campaigns/${id}/recipients/${r.id}`,
        headers: bearer(secret),
      });
      expect(res.statusCode).toBe(204);
    }
    expect(await kept(id)).toEqual(await counted(id));
    expect((await read(id)).recipients).toBe(9);
  });

  it("follow the cards from submit through render outcomes written by several connections at once", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 40 });
    await submit(id);
    expect(await kept(id)).toEqual({ recipients: 40, pending: 40, rendered: 0, failed: 0 });

    const { rows } = await ctx.deps.pool.query<{ id: string }>(
      "SELECT id FROM cards WHERE campaign_id = $1 ORDER BY seq",
      [id],
    );
    // 30 outcomes at once (the pool's connections race for the counts row), each card's status set
    // twice where a retry would, and updates that leave the status alone in between.
    await Promise.all(
      rows.slice(0, 30).map(async ({ id: card }, i) => {
        await ctx.deps.pool.query(
          "UPDATE cards SET render_starts = render_starts + 1 WHERE id = $1",
          [card],
        );
        const status = i % 3 === 0 ? "failed" : "rendered";
        await ctx.deps.pool.query("UPDATE cards SET status = $2 WHERE id = $1", [card, status]);
        await ctx.deps.pool.query("UPDATE cards SET status = $2 WHERE id = $1", [card, status]);
      }),
    );
    expect(await kept(id)).toEqual({ recipients: 40, pending: 10, rendered: 20, failed: 10 });
    expect(await kept(id)).toEqual(await counted(id));
    expect((await read(id)).cards).toEqual({ pending: 10, rendered: 20, failed: 10 });
  });

  it("are untouched by an outcome that rolls back", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 5 });
    await submit(id);
    const client = await ctx.deps.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("UPDATE cards SET status = 'rendered' WHERE campaign_id = $1", [id]);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await kept(id)).toEqual({ recipients: 5, pending: 5, rendered: 0, failed: 0 });
  });

  it("follow one statement over several campaigns, and go with their campaign", async () => {
    const a = await draftCampaign(ctx, secret, { recipients: 4 });
    const b = await draftCampaign(ctx, secret, { recipients: 6 });
    await ctx.deps.pool.query(
      "DELETE FROM recipients WHERE campaign_id = ANY($1::text[]) AND row_number <= 3",
      [[a, b]],
    );
    expect(await kept(a)).toEqual(await counted(a));
    expect(await kept(b)).toEqual(await counted(b));
    expect((await kept(b))?.recipients).toBe(4);

    const res = await ctx.app.inject({
      method: "DELETE",
      url: `/v1/campaigns/${a}`,
      headers: bearer(secret),
    });
    expect(res.statusCode).toBe(204);
    expect(await kept(a)).toBeUndefined();
  });
});
