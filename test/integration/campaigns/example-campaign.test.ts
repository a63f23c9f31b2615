/**
 * The example the demo renders (examples/campaign.json, recipients.csv, photo.jpg) is one the API
 * accepts as it stands: what a newcomer sees work offline must work over the API too.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadPhoto } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("examples/campaign.json", () => {
  it("is accepted by POST /v1/campaigns, with the example recipients and a proof", async () => {
    const { secret } = await ctx.account();
    const example = JSON.parse(await readFile("examples/campaign.json", "utf8"));
    const photo = await uploadPhoto(ctx, secret, "photo.jpg", await readFile("examples/photo.jpg"));
    const created = await ctx.app.inject({
      method: "POST",
      url: "/v1/campaigns",
      headers: bearer(secret),
      payload: { ...example, photo_id: photo },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const imported = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/recipients`,
      headers: { ...bearer(secret), "content-type": "text/csv" },
      payload: await readFile("examples/recipients.csv"),
    });
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json()).toMatchObject({ rejected: 0 });
    const rid = (
      await ctx.app.inject({
        url: `/v1/campaigns/${id}/recipients?limit=1`,
        headers: bearer(secret),
      })
    ).json().data[0].id;
    const proof = await ctx.app.inject({
      url: `/v1/campaigns/${id}/recipients/${rid}/proof.pdf`,
      headers: bearer(secret),
    });
    expect(proof.statusCode, proof.body.slice(0, 500)).toBe(200);
  });
});
