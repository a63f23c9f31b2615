/**
 * Render starts are counted before each card's render; starts that never came back are crashes.
 * Driven step by step (no queue processors) from prepared states; the real thing, with worker
 * processes killed mid-card, is test/integration/workers/render-crash-process.test.ts.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPhotoLoader } from "../../../src/modules/cards/card-input.ts";
import { findPhoto } from "../../../src/modules/photos/photos.repository.ts";
import {
  cardPdfKey,
  createRenderCardsService,
  MAX_RENDER_CRASHES,
} from "../../../src/modules/pipeline/render-cards.service.ts";
import { RenderProcessError } from "../../../src/render-sandbox/render-pool.ts";
import { StorageNotFound } from "../../../src/storage/storage.ts";
import { draftCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;

beforeAll(async () => {
  ctx = await createTestContext();
  secret = (await ctx.account()).secret;
});
afterAll(() => ctx.close());

interface Card {
  id: string;
  data: { fullName: string };
  attempts: number;
  account_id: string;
  campaign_id: string;
  status: string;
  failure_reason: string | null;
  failure_detail: string | null;
  pdf_key: string | null;
  render_starts: number;
  render_ends: number;
}

/** A submitted campaign, started (rendering), none of its cards rendered yet. */
async function rendering(recipients: number): Promise<{ id: string; cards: Card[] }> {
  const id = await draftCampaign(ctx, secret, { recipients });
  const submitted = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${id}/submit`,
    headers: bearer(secret),
  });
  expect(submitted.statusCode).toBe(200);
  expect(await ctx.deps.submit.start(id)).toBe("started");
  return { id, cards: await cardsOf(id) };
}

async function cardsOf(campaignId: string): Promise<Card[]> {
  const { rows } = await ctx.deps.pool.query<Card>(
    "SELECT * FROM cards WHERE campaign_id = $1 ORDER BY seq",
    [campaignId],
  );
  return rows;
}

describe("render crashes", () => {
  it("fails a card with two crashed starts as render_crash without rendering it; one crash is not enough", async () => {
    const { id, cards } = await rendering(3);
    const [twice, once, fresh] = cards as [Card, Card, Card];
    // As two worker processes killed while rendering the first card, one while rendering the second.
    await ctx.deps.pool.query("UPDATE cards SET render_starts = $2 WHERE id = $1", [
      twice.id,
      MAX_RENDER_CRASHES,
    ]);
    await ctx.deps.pool.query("UPDATE cards SET render_starts = 1 WHERE id = $1", [once.id]);

    const result = await ctx.deps.renderCards(
      id,
      cards.map((c) => c.id),
    );
    expect(result).toMatchObject({ rendered: 2, failed: 1 });

    const after = await cardsOf(id);
    const crashed = after.find((c) => c.id === twice.id) as Card;
    expect(crashed).toMatchObject({
      status: "failed",
      failure_reason: "render_crash",
      pdf_key: null,
    });
    expect(crashed.failure_detail).toMatch(
      /^Drawing this card crashed the process drawing it 2 times, so it is not tried again/,
    );
    // Not drawn a third time: nothing was written for it.
    await expect(ctx.deps.storage.getBuffer(cardPdfKey(crashed))).rejects.toThrow(StorageNotFound);
    expect(after.find((c) => c.id === once.id)).toMatchObject({
      status: "rendered",
      render_starts: 2,
      render_ends: 1,
    });
    expect(after.find((c) => c.id === fresh.id)).toMatchObject({
      status: "rendered",
      render_starts: 1,
      render_ends: 1,
    });
    const failed = (
      await ctx.app.inject({
        url: `/v1/campaigns/${id}/cards?status=failed`,
        headers: bearer(secret),
      })
    ).json().data;
    expect(failed).toEqual([
      expect.objectContaining({ id: twice.id, failure_reason: "render_crash" }),
    ]);
  }, 60_000);

  it("counts the start before the render, and a render that came back but could not be stored is no crash", async () => {
    const { id, cards } = await rendering(1);
    const card = cards[0] as Card;
    // A folder with a file in it where the card's PDF goes: storing it fails after the render.
    const blocked = path.join(ctx.config.storageDir, cardPdfKey(card));
    await mkdir(blocked, { recursive: true });
    await writeFile(path.join(blocked, "in-the-way"), "");
    for (let attempt = 1; attempt <= MAX_RENDER_CRASHES + 1; attempt++) {
      await expect(ctx.deps.renderCards(id, [card.id])).rejects.toThrow();
      expect((await cardsOf(id))[0]).toMatchObject({
        status: "pending",
        render_starts: attempt,
        render_ends: attempt,
      });
    }
    await rm(blocked, { recursive: true, force: true });
  }, 60_000);

  it("takes a render process that died under its card for a crash: render_crash at the third pickup", async () => {
    const { id, cards } = await rendering(2);
    const [doomed, fine] = cards as [Card, Card];
    // The real render pool, except that this one card's render process dies under it every time
    // (as a native crash would; the pool's own test kills a real one).
    let renders = 0;
    const renderCards = createRenderCardsService({
      ...ctx.deps,
      photos: createPhotoLoader({
        storage: ctx.deps.storage,
        findPhoto: (a, p) => findPhoto(ctx.deps.pool, a, p),
      }),
      giveUpSeconds: ctx.config.worker.giveUpSeconds,
      renderPool: {
        renderParts(input) {
          if (input.data.recipient.fullName !== doomed.data.fullName)
            return ctx.deps.renderPool.renderParts(input);
          renders++;
          return Promise.reject(new RenderProcessError("render process exited (SIGSEGV)", true));
        },
      },
    });
    for (let pickup = 1; pickup <= MAX_RENDER_CRASHES; pickup++) {
      await expect(renderCards(id, [doomed.id])).rejects.toThrow(/SIGSEGV/);
      expect((await cardsOf(id))[0]).toMatchObject({
        status: "pending",
        render_starts: pickup,
        render_ends: 0,
        attempts: 0,
      });
    }
    expect(await renderCards(id, [doomed.id, fine.id])).toMatchObject({ failed: 1, rendered: 1 });
    expect(renders, "not drawn a third time").toBe(MAX_RENDER_CRASHES);
    expect((await cardsOf(id))[0]).toMatchObject({
      status: "failed",
      failure_reason: "render_crash",
    });
  }, 60_000);
});
