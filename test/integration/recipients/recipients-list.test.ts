// A campaign's recipient list in one statement: a page in seq order with its cursor, an empty
// list for a campaign with no one yet, and 404 for a campaign that is not the caller's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;

beforeAll(async () => {
  ctx = await createTestContext();
  secret = (await ctx.account()).secret;
});
afterAll(() => ctx.close());

const list = (campaignId: string, query = "", key = secret) =>
  ctx.app.inject({ url: `/v1/campaigns/${campaignId}/recipients${query}`, headers: bearer(key) });

describe("GET /v1/campaigns/:id/recipients", () => {
  it("pages through the recipients in file order", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 3 });
    const first = await list(id, "?limit=2");
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ has_more: true });
    const rest = await list(id, `?limit=2&after=${first.json().next_after}`);
    expect(rest.json()).toMatchObject({ has_more: false, next_after: null });
    const rows = [...first.json().data, ...rest.json().data] as {
      id: string;
      row_number: number;
    }[];
    expect(rows.map((r) => r.row_number)).toEqual([2, 3, 4]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(3);
  });

  it("answers an empty list for a campaign with no recipients yet", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 0 });
    const res = await list(id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ data: [], has_more: false, next_after: null });
  });

  it("answers 404 for an unknown campaign and for another account's", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 1 });
    const other = (await ctx.account({ name: "Other Co" })).secret;
    expect((await list(id, "", other)).statusCode).toBe(404);
    expect((await list("cmp_NoSuchCampaign0000000000")).statusCode).toBe(404);
  });
});
