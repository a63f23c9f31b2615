/** GET /v1/templates pages like every list: limit, after = the previous page's next_after. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("GET /v1/templates", () => {
  it("pages with limit and next_after, and ends with next_after null", async () => {
    const { secret } = await ctx.account();
    const get = (query: string) =>
      ctx.app.inject({ url: `/v1/templates${query}`, headers: bearer(secret) });
    const all = (await get("")).json();
    expect(all).toMatchObject({ object: "list", has_more: false, next_after: null });
    expect(all.data.length).toBeGreaterThanOrEqual(3);

    const seen: string[] = [];
    let query = "?limit=1";
    for (let pages = 0; pages < 20; pages++) {
      const page = (await get(query)).json();
      expect(page.data).toHaveLength(1);
      seen.push(page.data[0].id);
      if (!page.has_more) {
        expect(page.next_after).toBeNull();
        break;
      }
      expect(page.next_after).toEqual(expect.any(String));
      query = `?limit=1&after=${page.next_after}`;
    }
    expect(seen).toEqual(all.data.map((t: { id: string }) => t.id));
  });

  it("refuses a forged cursor and an out-of-range limit (400, naming the field)", async () => {
    const { secret } = await ctx.account();
    for (const [query, field] of [
      ["?after=bm90LWEtY3Vyc29y", "after"],
      [`?after=${Buffer.from("-1 template").toString("base64url")}`, "after"],
      ["?after=%00", "after"],
      ["?limit=0", "limit"],
      ["?limit=101", "limit"],
    ]) {
      const res = await ctx.app.inject({ url: `/v1/templates${query}`, headers: bearer(secret) });
      expect(res.statusCode, query).toBe(400);
      expect(res.body, query).toContain(field);
    }
  });
});
