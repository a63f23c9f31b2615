import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CARD_ATTEMPTS } from "../../../src/modules/pipeline/render-cards.service.ts";
import { startProcessors } from "../../../workers/processors/index.ts";
import { losePhotoMaster, uploadPhoto, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;

beforeAll(async () => {
  ctx = await createTestContext({ RENDER_CHUNK_SIZE: "1", GIVE_UP_SECONDS: "0" });
  processors = await startProcessors(ctx.deps);
});
afterAll(async () => {
  await processors.close();
  await ctx.close();
});

describe("a card that keeps failing for no reason of its design", () => {
  it("fails alone after a few attempts, with its reason, and the campaign still completes", async () => {
    const { secret } = await ctx.account();
    const photoId = await uploadPhoto(ctx, secret, "porch.jpg", await noisyJpeg(400, 300));
    const created = await ctx.app.inject({
      method: "POST",
      url: "/v1/campaigns",
      headers: bearer(secret),
      payload: {
        name: "Porches",
        occasion: "thank_you",
        template: "thank-you",
        format: "card_5x7",
        sender: { business_name: "Acme" },
      },
    });
    const id = created.json().id;
    const csv =
      "Name,Street,City,State,Zip,Photo\r\nAnn Lee,1 A St,Boston,MA,02134,porch.jpg\r\nBob Roe,2 B St,Boston,MA,02135,\r\n";
    await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/recipients`,
      headers: { ...bearer(secret), "content-type": "text/csv" },
      payload: csv,
    });
    // The photo's print master vanishes from storage after the import checked it.
    await losePhotoMaster(ctx, photoId);

    await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/submit`,
      headers: bearer(secret),
    });
    const done = await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 60_000);
    expect(done.cards).toMatchObject({ rendered: 1, failed: 1, pending: 0 });
    const failed = (
      await ctx.app.inject({
        url: `/v1/campaigns/${id}/cards?status=failed`,
        headers: bearer(secret),
      })
    ).json().data;
    expect(failed[0]).toMatchObject({ recipient_name: "Ann Lee", failure_reason: "render_error" });
    expect(failed[0].failure_detail).toContain(`after ${MAX_CARD_ATTEMPTS} attempts`);
  }, 70_000);
});
