/**
 * Cancel works while a campaign renders: the answer is 200 with the cancelled campaign, cards still
 * pending are never rendered, no batch is planned, and render, plan and assemble jobs that come
 * later skip it. Waits are on state (PostgreSQL, the queue), not on time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchesOfCampaign } from "../../../src/modules/pipeline/pipeline.repository.ts";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

const CARDS = 150;

let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;
let secret: string;

beforeAll(async () => {
  // The automations clock off: its job scheduler keeps a delayed job, and this test waits for an empty queue.
  ctx = await createTestContext({ RENDER_CHUNK_SIZE: "5", AUTOMATION_TICK_SECONDS: "0" });
  processors = await startProcessors(ctx.deps);
  secret = (await ctx.account()).secret;
});
afterAll(async () => {
  await processors.close();
  await ctx.close();
});

async function cardIds(campaignId: string, status: string): Promise<string[]> {
  const { rows } = await ctx.deps.pool.query<{ id: string }>(
    "SELECT id FROM cards WHERE campaign_id = $1 AND status = $2 ORDER BY id",
    [campaignId, status],
  );
  return rows.map((r) => r.id);
}

async function poll<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("cancel while rendering", () => {
  it("stops the campaign where it is: no pending card is rendered afterwards, no batch is made", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: CARDS });
    const submitted = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/submit`,
      headers: bearer(secret),
    });
    expect(submitted.statusCode).toBe(200);
    await poll(
      () => cardIds(id, "rendered"),
      (ids) => ids.length >= 5,
      "no card rendered",
    );

    const cancelled = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/cancel`,
      headers: bearer(secret),
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ id, status: "cancelled" });
    expect(cancelled.json().cancelled_at).not.toBeNull();
    const renderedAtCancel = await cardIds(id, "rendered");
    const pendingAtCancel = await cardIds(id, "pending");
    expect(pendingAtCancel.length, "the cancel must land mid-render").toBeGreaterThan(0);

    // Every job already queued for it (render chunks, a plan) runs out.
    const queue = ctx.deps.producer.queue;
    await poll(
      () => queue.getJobCounts("waiting", "active", "delayed", "prioritized"),
      (counts) => Object.values(counts).every((n) => n === 0),
      "jobs still queued",
    );
    expect(await cardIds(id, "rendered")).toEqual(renderedAtCancel);
    expect(await cardIds(id, "pending")).toEqual(pendingAtCancel);
    expect(await batchesOfCampaign(ctx.deps.pool, id)).toEqual([]);

    // Jobs that arrive later (a retry, a reconciler elsewhere) skip it too.
    expect(await ctx.deps.renderCards(id, pendingAtCancel)).toMatchObject({
      rendered: 0,
      skipped: pendingAtCancel.length,
    });
    expect(await ctx.deps.assemble.plan(id)).toBe("skipped");
    expect(await ctx.deps.reconcile({ full: true })).toMatchObject({ rendering: 0, batching: 0 });
    const after = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })
    ).json();
    expect(after).toMatchObject({
      status: "cancelled",
      cards: { rendered: renderedAtCancel.length, pending: pendingAtCancel.length },
    });
  }, 90_000);

  it("is refused once the batches are planned", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 2 });
    await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/submit`,
      headers: bearer(secret),
    });
    await poll(
      async () =>
        (await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })).json()
          .status as string,
      (status) => status === "ready",
      "campaign not ready",
    );
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/cancel`,
      headers: bearer(secret),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(
      /Campaign is ready: it can be cancelled only until its cards are rendered/,
    );
  }, 60_000);
});
