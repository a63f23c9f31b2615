/**
 * What a worker's log shows while it renders a campaign, read from a real worker process at
 * LOG_LEVEL=info (`npm run worker`'s default): one line per render chunk with the campaign, its
 * cards, the time it took and the campaign's progress, one per batch, and the campaign's outcome;
 * no recipient's name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

let ctx: TestContext;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  // The chunk size is fixed when the campaign is submitted (here, by the test's own API).
  ctx = await createTestContext({ RENDER_CHUNK_SIZE: "2" });
});
afterAll(async () => {
  if (worker) await stopWorker(worker, "SIGKILL");
  await ctx.close();
});

type Line = Record<string, unknown> & { msg: string };
const lines = (out: string): Line[] =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Line);

describe("the worker's log while it renders", () => {
  it("has a line per chunk with progress N/M, one per batch and the campaign's outcome", async () => {
    const { secret } = await ctx.account();
    const id = await draftCampaign(ctx, secret, { recipients: 5 });
    worker = startWorker(ctx.config, { LOG_LEVEL: "info" });
    const submitted = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/submit`,
      headers: bearer(secret),
    });
    expect(submitted.statusCode).toBe(200);
    await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 90_000);
    // The campaign's last line is written just after its status changes.
    const deadline = Date.now() + 5_000;
    const mine = () => lines(worker?.output() ?? "").filter((l) => l.campaign === id);
    while (!mine().some((l) => l.msg === "campaign ready") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));

    const log = mine();
    const chunks = log.filter((l) => l.msg === "render chunk done");
    expect(chunks.map((l) => l.cards).sort()).toEqual([1, 2, 2]);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ level: 30, failed: 0, failed_so_far: 0 });
      expect(chunk.ms).toEqual(expect.any(Number));
      expect(chunk.progress).toMatch(/^[1-5]\/5$/);
    }
    // Chunks render concurrently, so their lines come in any order; the last says all are done.
    expect(chunks.map((l) => l.progress)).toContain("5/5");
    expect(log.filter((l) => l.msg === "campaign rendered, batches planned")).toHaveLength(1);
    expect(log.filter((l) => l.msg === "batch ready")).toEqual([
      expect.objectContaining({ cards: 5, ms: expect.any(Number) }),
    ]);
    expect(log.filter((l) => l.msg === "campaign ready")).toEqual([
      expect.objectContaining({ batches: 1, failed_batches: 0 }),
    ]);
    const { rows } = await ctx.deps.pool.query<{ name: string }>(
      "SELECT data->>'lastName' AS name FROM recipients WHERE campaign_id = $1",
      [id],
    );
    expect(rows).toHaveLength(5);
    for (const { name } of rows) expect(worker.output()).not.toContain(name);
  }, 120_000);
});
