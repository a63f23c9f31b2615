/**
 * A campaign's render jobs are cut once: every process that enqueues its cards (the start job, a
 * reconciler in any worker) cuts the same chunks, whatever its own RENDER_CHUNK_SIZE, so a job id
 * always names the same cards and a re-enqueue can only meet its own job, never a second job for
 * the same cards that a worker would render beside the first.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../../src/deps.ts";
import { draftCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;

beforeAll(async () => {
  // No worker runs here: the jobs stay in Redis to be looked at.
  ctx = await createTestContext({ RENDER_CHUNK_SIZE: "10", AUTOMATION_TICK_SECONDS: "0" });
  secret = (await ctx.account()).secret;
});
afterAll(async () => {
  await ctx.close();
});

async function renderJobs(campaignId: string) {
  const jobs = await ctx.deps.producer.queue.getJobs(["wait", "active", "delayed", "prioritized"]);
  return jobs
    .filter((j) => j.name === "render-cards" && j.data.campaignId === campaignId)
    .map((j) => ({ id: j.id as string, cardIds: j.data.cardIds as string[] }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe("render chunks", () => {
  it("are the campaign's own: a reconciler with another RENDER_CHUNK_SIZE adds no job beside them", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 25 });
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/submit`,
      headers: bearer(secret),
      payload: {},
    });
    expect(res.statusCode).toBe(200);
    expect(await ctx.deps.submit.start(id)).toBe("started");
    const cut = await renderJobs(id);
    expect(cut.map((j) => [j.id, j.cardIds.length])).toEqual([
      [`render-cards.${id}.0`, 10],
      [`render-cards.${id}.1`, 10],
      [`render-cards.${id}.2`, 5],
    ]);

    // A worker configured with chunks of 4 reconciles the campaign (at its start, say).
    const other = createDeps(
      { ...ctx.config, worker: { ...ctx.config.worker, renderChunkSize: 4 } },
      "other-worker",
    );
    try {
      const report = await other.reconcile({ full: true });
      expect(report).toMatchObject({ rendering: 1, cards: 25 });
      // A card rendered meanwhile does not move the others to other chunks either.
      await ctx.deps.pool.query("UPDATE cards SET status = 'rendered' WHERE id = $1", [
        cut[0]?.cardIds[0],
      ]);
      await other.reconcile({ full: true });
    } finally {
      await other.close();
    }
    expect(await renderJobs(id)).toEqual(cut);
  });
});
