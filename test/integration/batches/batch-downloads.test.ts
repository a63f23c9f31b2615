/**
 * What a vendor's downloads folder gets: file names that say what a batch holds and never
 * collide (two campaigns' batch 1 used to both be card_5x7-001.zip), the same names inside the
 * ZIP, and a download that the business sees (downloaded_at).
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";
import { zipEntryNames } from "../../support/zip-fixtures.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const filename = (header: unknown) => /filename="([^"]+)"/.exec(String(header))?.[1] ?? "";

describe("batch downloads", () => {
  it("have unique names saying campaign, format, number and id; a download sets downloaded_at", async () => {
    const { secret } = await ctx.account();
    // Two campaigns of the same name and format: each has a batch 1.
    const first = await draftCampaign(ctx, secret, { recipients: 1 });
    const second = await draftCampaign(ctx, secret, { recipients: 1 });
    const processors = await startProcessors(ctx.deps);
    try {
      for (const id of [first, second])
        await ctx.app.inject({
          method: "POST",
          url: `/v1/campaigns/${id}/submit`,
          headers: bearer(secret),
        });
      for (const id of [first, second])
        await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 90_000);
    } finally {
      await processors.close();
    }
    const batchOf = async (id: string) =>
      (await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })).json()
        .batches[0].id as string;
    const batches = [await batchOf(first), await batchOf(second)];

    const names: string[] = [];
    for (const batch of batches) {
      const before = await ctx.app.inject({ url: `/v1/batches/${batch}`, headers: bearer(secret) });
      expect(before.json()).toMatchObject({ status: "ready", downloaded_at: null });
      const manifest = await ctx.app.inject({
        url: `/v1/batches/${batch}/manifest.csv`,
        headers: bearer(secret),
      });
      expect(filename(manifest.headers["content-disposition"])).toBe(
        `campaign-autumn-thank-yous-card_5x7-001-${batch}.csv`,
      );
      const zip = await ctx.app.inject({
        url: `/v1/batches/${batch}/zip`,
        headers: bearer(secret),
      });
      expect(zip.statusCode).toBe(200);
      const name = filename(zip.headers["content-disposition"]);
      expect(name).toBe(`campaign-autumn-thank-yous-card_5x7-001-${batch}.zip`);
      names.push(name);
      const stem = name.replace(/\.zip$/, "");
      expect((await zipEntryNames(zip.rawPayload)).sort()).toEqual(
        [`${stem}.csv`, `${stem}.pdf`, "SHA256SUMS"].sort(),
      );
      const after = (
        await ctx.app.inject({ url: `/v1/batches/${batch}`, headers: bearer(secret) })
      ).json();
      expect(after.status).toBe("downloaded");
      expect(Date.parse(after.downloaded_at)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(new Set(names).size).toBe(2);
  }, 150_000);
});
