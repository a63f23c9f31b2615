import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobId } from "../../../src/queue/jobs.ts";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;
let secret: string;

beforeAll(async () => {
  ctx = await createTestContext({ RECONCILE_SECONDS: "1" });
  processors = await startProcessors(ctx.deps);
  secret = (await ctx.account()).secret;
});
afterAll(async () => {
  await processors.close();
  await ctx.close();
});

const submit = (id: string, body: object = {}) =>
  ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${id}/submit`,
    headers: bearer(secret),
    payload: body,
  });
const cancel = (id: string) =>
  ctx.app.inject({ method: "POST", url: `/v1/campaigns/${id}/cancel`, headers: bearer(secret) });

/** Every job in Redis for the campaign, in any state, with its state and when it may run. */
async function queuedFor(campaignId: string) {
  const queue = ctx.deps.producer.queue;
  const jobs = await queue.getJobs([
    "wait",
    "active",
    "delayed",
    "prioritized",
    "waiting-children",
  ]);
  const mine = jobs.filter((j) => (j?.data as { campaignId?: string })?.campaignId === campaignId);
  return Promise.all(
    mine.map(async (j) => ({
      name: j.name,
      state: await j.getState(),
      runsAt: j.timestamp + (j.delay ?? 0),
    })),
  );
}

describe("send_at and cancel", () => {
  it("answers rendering, not scheduled, to a submit without send_at (or one in the past)", async () => {
    for (const body of [{}, { send_at: new Date(Date.now() - 60_000).toISOString() }]) {
      const id = await draftCampaign(ctx, secret, { recipients: 2 });
      const res = await submit(id, body);
      expect(res.statusCode).toBe(200);
      expect(res.json().status, JSON.stringify(body)).toBe("rendering");
      await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 60_000);
    }
  });

  it("does not start a campaign before its send_at", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 5 });
    const sendAt = new Date(Date.now() + 3600_000).toISOString();
    const res = await submit(id, { send_at: sendAt });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "scheduled", send_at: sendAt });
    // Even a start job that runs early (a reconciler, a stray retry) leaves it waiting.
    expect(await ctx.deps.submit.start(id)).toBe("not_due");
    await ctx.deps.reconcile({ full: true });
    // Nothing can start it early: all Redis holds for it is its start job, delayed to send_at
    // (the reconciler's copy has the same id, so it did not add a second one).
    const start = await ctx.deps.producer.queue.getJob(jobId("start-campaign", { campaignId: id }));
    expect(await queuedFor(id)).toEqual([
      { name: "start-campaign", state: "delayed", runsAt: expect.any(Number) },
    ]);
    expect((start?.timestamp ?? 0) + (start?.delay ?? 0)).toBeGreaterThanOrEqual(
      Date.parse(sendAt) - 1000,
    );
    const waiting = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })
    ).json();
    expect(waiting).toMatchObject({ status: "scheduled", cards: { pending: 5, rendered: 0 } });
  });

  it("renders nothing of a campaign cancelled just before its send_at", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 5 });
    await submit(id, { send_at: new Date(Date.now() + 1500).toISOString() });
    expect((await cancel(id)).json()).toMatchObject({ status: "cancelled" });
    // The start job was removed; one that slipped through anyway does nothing.
    expect(await ctx.deps.submit.start(id)).toBe("skipped");
    // Nothing is left that could start it, and a reconciler round (as every worker runs each
    // RECONCILE_SECONDS) puts nothing back: checked by state, not by waiting past send_at.
    expect(await queuedFor(id)).toEqual([]);
    await ctx.deps.reconcile({ full: true });
    expect(await queuedFor(id)).toEqual([]);
    const after = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })
    ).json();
    expect(after).toMatchObject({
      status: "cancelled",
      cards: { pending: 5, rendered: 0, failed: 0 },
    });
    expect(
      (
        await ctx.app.inject({
          method: "PATCH",
          url: `/v1/campaigns/${id}`,
          headers: bearer(secret),
          payload: { name: "x" },
        })
      ).statusCode,
    ).toBe(409);
    // And a render job for its cards, had one been queued before the cancel, renders none of them.
    const { rows } = await ctx.deps.pool.query<{ id: string }>(
      "SELECT id FROM cards WHERE campaign_id = $1",
      [id],
    );
    expect(
      await ctx.deps.renderCards(
        id,
        rows.map((r) => r.id),
      ),
    ).toMatchObject({ rendered: 0, skipped: 5 });
  });

  it("starts at send_at", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 3 });
    await submit(id, { send_at: new Date(Date.now() + 1500).toISOString() });
    const done = await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 30_000);
    expect(done.cards).toMatchObject({ rendered: 3 });
  });

  it("is started by the running workers' periodic reconcile when Redis lost its start job", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 2 });
    await submit(id, { send_at: new Date(Date.now() + 3600_000).toISOString() });
    // The delayed start job is lost (as in a Redis restart) and the send time comes: only a
    // reconciler round of the workers already running (their start-up round is long past) can
    // start it.
    await ctx.deps.producer.remove("start-campaign", { campaignId: id });
    expect(await queuedFor(id)).toEqual([]);
    await ctx.deps.pool.query("UPDATE campaigns SET send_at = now() WHERE id = $1", [id]);
    const done = await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 30_000);
    expect(done.cards).toMatchObject({ rendered: 2 });
  });

  it("refuses to cancel a campaign whose batches are made, and refuses send_at beyond 180 days", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 2 });
    const far = await submit(id, {
      send_at: new Date(Date.now() + 181 * 86_400_000).toISOString(),
    });
    expect(far.statusCode).toBe(400);
    await submit(id);
    await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 30_000);
    expect((await cancel(id)).statusCode).toBe(409);
    expect((await submit(id)).statusCode).toBe(409);
  });

  it("refuses to submit a campaign without recipients", async () => {
    const created = await ctx.app.inject({
      method: "POST",
      url: "/v1/campaigns",
      headers: bearer(secret),
      payload: {
        name: "Empty",
        occasion: "birthday",
        template: "birthday",
        format: "card_5x7",
        sender: { business_name: "Acme" },
      },
    });
    const res = await submit(created.json().id);
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/no recipients/);
  });
});
