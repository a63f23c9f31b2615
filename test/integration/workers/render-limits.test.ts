/**
 * A card past a render bound, in a real worker process (dist/, as `npm run worker` runs it): that
 * card fails with render_limit, the campaign's other cards render, the campaign reaches ready and
 * the worker is alive. The bound here is the PDF byte cap: one recipient has a large photo of
 * their own, which no card of the others carries.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign, uploadPhoto, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

const CAP = 1024 * 1024;

let ctx: TestContext;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  if (worker) await stopWorker(worker, "SIGKILL");
  await ctx.close();
});

describe("a card past a render bound in a worker process", () => {
  it("fails alone with render_limit; the others render, the campaign is ready, the worker lives", async () => {
    const { secret } = await ctx.account();
    const big = await noisyJpeg(1600, 2200);
    expect(big.length).toBeGreaterThan(CAP);
    const photoId = await uploadPhoto(ctx, secret, "big.jpg", big);
    const id = await draftCampaign(ctx, secret, {
      recipients: 6,
      extraRows: ["Ann,Large,1 A St,Boston,MA,02134,porch"],
    });
    await ctx.deps.pool.query(
      "UPDATE recipients SET photo_id = $2 WHERE campaign_id = $1 AND data->>'lastName' = 'Large'",
      [id, photoId],
    );
    worker = startWorker(ctx.config, {
      RENDER_MAX_PDF_BYTES: String(CAP),
      RENDER_CHUNK_SIZE: "3",
    });
    const submitted = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/submit`,
      headers: bearer(secret),
    });
    expect(submitted.statusCode).toBe(200);

    const done = await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 90_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\nworker output:\n${worker?.output()}`);
      },
    );
    expect(done.cards).toMatchObject({ rendered: 6, failed: 1, pending: 0 });
    const failed = (
      await ctx.app.inject({
        url: `/v1/campaigns/${id}/cards?status=failed`,
        headers: bearer(secret),
      })
    ).json().data;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      recipient_name: "Ann Large",
      failure_reason: "render_limit",
      failure_detail:
        "The card's PDF grew past 1 MB: use a smaller photo or a simpler design (fewer layers and shapes).",
    });
    expect(failed[0].report.failure.reason).toBe("render_limit");
    expect(worker.child.exitCode, worker.output()).toBeNull();
    expect(worker.child.signalCode).toBeNull();
  }, 120_000);
});
