/**
 * A batch assembly cut short after its files were written (a worker killed before it marked the
 * batch ready, a lost lock) is done again by the next attempt: the same keys are written over with
 * the same bytes, and the batch and its campaign become ready.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;

beforeAll(async () => {
  ctx = await createTestContext({ BATCH_SIZE: "2", AUTOMATION_TICK_SECONDS: "0" });
  secret = (await ctx.account()).secret;
});
afterAll(async () => {
  await ctx.close();
});

type Files = { status: string; pdf_sha256: string; manifest_sha256: string; zip_sha256: string };
const files = async (batchId: string) =>
  (
    await ctx.deps.pool.query<Files>(
      "SELECT status, pdf_sha256, manifest_sha256, zip_sha256 FROM batches WHERE id = $1",
      [batchId],
    )
  ).rows[0];

describe("batch assembly", () => {
  it("is done again over the files of an attempt that never marked its batch ready", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 3 });
    const processors = await startProcessors(ctx.deps);
    try {
      const res = await ctx.app.inject({
        method: "POST",
        url: `/v1/campaigns/${id}/submit`,
        headers: bearer(secret),
        payload: {},
      });
      expect(res.statusCode).toBe(200);
      await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 60_000);
    } finally {
      await processors.close();
    }
    const { rows } = await ctx.deps.pool.query<{ id: string }>(
      "SELECT id FROM batches WHERE campaign_id = $1 ORDER BY number",
      [id],
    );
    expect(rows).toHaveLength(2);
    const batchId = rows[0]?.id as string;
    const first = await files(batchId);
    // As the database stands when the assembler dies after its last put: files in storage, the
    // batch still assembling, the campaign still batching.
    await ctx.deps.pool.query("UPDATE batches SET status = 'assembling' WHERE id = $1", [batchId]);
    await ctx.deps.pool.query("UPDATE campaigns SET status = 'batching' WHERE id = $1", [id]);

    expect(await ctx.deps.assemble.assemble(batchId)).toBe("assembled");
    expect(await files(batchId)).toEqual({ ...first, status: "ready" });
    const campaign = await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) });
    expect(campaign.json().status).toBe("ready");
  });
});
