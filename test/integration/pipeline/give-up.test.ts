/**
 * Cards and batches that keep failing for no reason of their own are given up, with a plain
 * reason, only after MAX_CARD_ATTEMPTS / MAX_BATCH_FAILURES failures spanning GIVE_UP_SECONDS;
 * quick failures alone (a passing outage) are retried. A failed batch still lets the campaign
 * finish, and the vendor never sees it. Services are driven step by step (no queue processors), so
 * each attempt is one call; time is moved by backdating the first failure.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BATCH_FAILURES } from "../../../src/modules/pipeline/assemble-batches.service.ts";
import { batchesOfCampaign } from "../../../src/modules/pipeline/pipeline.repository.ts";
import { MAX_CARD_ATTEMPTS } from "../../../src/modules/pipeline/render-cards.service.ts";
import { draftCampaign, losePhotoMaster, uploadPhoto } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ BATCH_SIZE: "2" });
});
afterAll(async () => {
  await ctx.close();
});

/** A submitted campaign with its cards rendered and its batches planned, not assembled. */
async function planned(secret: string, recipients: number) {
  const photoId = await uploadPhoto(ctx, secret, "porch.jpg", await noisyJpeg(1800, 1300));
  const id = await draftCampaign(ctx, secret, { recipients, photoId });
  const submitted = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${id}/submit`,
    headers: bearer(secret),
  });
  expect(submitted.statusCode).toBe(200);
  expect(await ctx.deps.submit.start(id)).toBe("started");
  const { rows: cards } = await ctx.deps.pool.query<{ id: string }>(
    "SELECT id FROM cards WHERE campaign_id = $1",
    [id],
  );
  const rendered = await ctx.deps.renderCards(
    id,
    cards.map((c) => c.id),
  );
  expect(rendered).toMatchObject({ rendered: recipients });
  expect(await ctx.deps.assemble.plan(id)).toBe("planned");
  return { id, batches: await batchesOfCampaign(ctx.deps.pool, id) };
}

/** As if the batch's first failure had been `seconds` ago. */
async function failingSince(batchId: string, seconds: number) {
  await ctx.deps.pool.query(
    "UPDATE batches SET first_failure_at = now() - make_interval(secs => $2) WHERE id = $1",
    [batchId, seconds],
  );
}

/** A folder with a file in it where the batch's PDF goes: every write of the PDF fails. */
async function blockPdf(batch: { account_id: string; campaign_id: string; format: string }) {
  const dir = path.join(
    ctx.config.storageDir,
    `accounts/${batch.account_id}/campaigns/${batch.campaign_id}/batches/${batch.format}-001.pdf`,
  );
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "in-the-way"), "");
}

describe("a batch that cannot be assembled", () => {
  it("fails with its reason after a few attempts; the campaign finishes with the other batch", async () => {
    const { secret } = await ctx.account();
    const { id, batches } = await planned(secret, 4);
    const [first, second] = batches;
    if (!first || !second) throw new Error("expected two batches");
    await blockPdf(first);

    // Failures in quick succession are a passing outage: the queue retries, the batch stays.
    for (let attempt = 0; attempt < MAX_BATCH_FAILURES + 1; attempt++) {
      await expect(ctx.deps.assemble.assemble(first.id)).rejects.toThrow();
    }
    await failingSince(first.id, ctx.config.worker.giveUpSeconds);
    expect(await ctx.deps.assemble.assemble(first.id)).toBe("failed");
    expect(await ctx.deps.assemble.assemble(first.id), "a failed batch stays failed").toBe(
      "skipped",
    );

    // The other batch assembles and the campaign is ready, one batch short.
    expect(await ctx.deps.assemble.assemble(second.id)).toBe("assembled");

    const campaign = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })
    ).json();
    expect(campaign.status).toBe("ready");
    const failed = campaign.batches.find((b: { id: string }) => b.id === first.id);
    expect(failed).toMatchObject({ status: "failed", cards: 2 });
    expect(failed.failure).toMatch(
      new RegExp(`^Assembly failed ${MAX_BATCH_FAILURES + 2} times over 10 minutes\\.`),
    );
    expect(failed.failure, "no storage paths or errors for the business").not.toMatch(
      /in-the-way|EISDIR|ENOTEMPTY|\//,
    );
    expect(campaign.batches.find((b: { id: string }) => b.id === second.id)).toMatchObject({
      status: "ready",
      failure: null,
    });

    // The vendor sees only what it can print.
    const listed = (await ctx.app.inject({ url: "/v1/batches", headers: bearer(secret) })).json();
    expect(listed.data.map((b: { id: string }) => b.id)).toEqual([second.id]);
    const hidden = await ctx.app.inject({
      url: `/v1/batches/${first.id}`,
      headers: bearer(secret),
    });
    expect(hidden.statusCode).toBe(404);
  }, 60_000);

  it("fails the campaign when no batch can be assembled", async () => {
    const { secret } = await ctx.account();
    const { id, batches } = await planned(secret, 1);
    const [only] = batches;
    if (!only) throw new Error("expected a batch");
    await blockPdf(only);
    for (let attempt = 1; attempt < MAX_BATCH_FAILURES; attempt++) {
      await ctx.deps.assemble.assemble(only.id).catch(() => {});
    }
    await failingSince(only.id, ctx.config.worker.giveUpSeconds);
    expect(await ctx.deps.assemble.assemble(only.id)).toBe("failed");
    const campaign = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })
    ).json();
    expect(campaign.status).toBe("failed");
    expect(campaign.failed_at).not.toBeNull();
  }, 60_000);
});

describe("a card whose photo is gone from storage", () => {
  it("is retried while the faults are recent, then failed with a plain reason", async () => {
    const { secret } = await ctx.account();
    const photoId = await uploadPhoto(ctx, secret, "gone.jpg", await noisyJpeg(1800, 1300));
    const id = await draftCampaign(ctx, secret, { recipients: 1, photoId });
    await losePhotoMaster(ctx, photoId);
    await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/submit`,
      headers: bearer(secret),
    });
    await ctx.deps.submit.start(id);
    const { rows: cards } = await ctx.deps.pool.query<{ id: string }>(
      "SELECT id FROM cards WHERE campaign_id = $1",
      [id],
    );
    const cardId = (cards[0] as { id: string }).id;
    for (let attempt = 0; attempt < MAX_CARD_ATTEMPTS + 1; attempt++) {
      await expect(ctx.deps.renderCards(id, [cardId])).rejects.toThrow();
    }
    const status = async () =>
      (
        await ctx.deps.pool.query(
          "SELECT status, failure_reason, failure_detail FROM cards WHERE id = $1",
          [cardId],
        )
      ).rows[0];
    expect(await status(), "quick faults are a passing outage").toMatchObject({
      status: "pending",
    });

    await ctx.deps.pool.query(
      "UPDATE cards SET first_fault_at = now() - make_interval(secs => $2) WHERE id = $1",
      [cardId, ctx.config.worker.giveUpSeconds],
    );
    expect(await ctx.deps.renderCards(id, [cardId])).toMatchObject({ failed: 1 });
    const failed = await status();
    expect(failed).toMatchObject({ status: "failed", failure_reason: "render_error" });
    expect(failed.failure_detail).toBe(
      `The card could not be rendered after ${MAX_CARD_ATTEMPTS + 2} attempts over 10 minutes; the worker log has the error under card ${cardId}.`,
    );
  }, 60_000);
});
