import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("API key authentication", () => {
  it("answers 401 without a key, with a challenge", async () => {
    const res = await ctx.app.inject({ url: "/v1/account" });
    expect(res.statusCode).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(res.json().detail).toMatch(/Authorization: Bearer/);
  });

  it("answers 401 for an unknown key and for a malformed header", async () => {
    const unknown = await ctx.app.inject({
      url: "/v1/account",
      headers: bearer(`cmk_${"x".repeat(32)}`),
    });
    expect(unknown.statusCode).toBe(401);
    const basic = await ctx.app.inject({
      url: "/v1/account",
      headers: { authorization: "Basic abc" },
    });
    expect(basic.statusCode).toBe(401);
  });

  it("answers 200 with the key's account for a good key", async () => {
    const { accountId, keyId, secret } = await ctx.account({ name: "Zoë's Bakery" });
    const res = await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      object: "account",
      id: accountId,
      name: "Zoë's Bakery",
      time_zone: "America/New_York",
      send_hour: 6,
      mode: "live",
      imposition_sheet: "12x18",
      color_mode: "rgb",
      return_address: null,
      key: {
        id: keyId,
        prefix: secret.slice(0, 17),
        scopes: ["campaigns", "batches", "admin"],
        mode: "live",
      },
    });
  });

  it("records a key's last use, at most once a minute", async () => {
    const { keyId, secret } = await ctx.account();
    const lastUsed = async () =>
      (
        await ctx.deps.pool.query<{ last_used_at: Date | null }>(
          "SELECT last_used_at FROM api_keys WHERE id = $1",
          [keyId],
        )
      ).rows[0]?.last_used_at ?? null;
    expect(await lastUsed()).toBeNull();
    await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
    expect(await lastUsed()).toEqual(first);
    // A use on record two minutes old is recorded again.
    await ctx.deps.pool.query(
      "UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1",
      [keyId],
    );
    const stale = await lastUsed();
    // The change reaches a process that serves the key from memory by NOTIFY: within moments.
    const deadline = Date.now() + 2_000;
    let recorded = stale;
    while ((recorded?.getTime() ?? 0) <= (stale?.getTime() ?? 0) && Date.now() < deadline) {
      await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
      recorded = await lastUsed();
      if ((recorded?.getTime() ?? 0) <= (stale?.getTime() ?? 0))
        await new Promise((r) => setTimeout(r, 20));
    }
    expect(recorded?.getTime()).toBeGreaterThan(stale?.getTime() ?? 0);
  });

  it("answers 401 once a key is revoked, through the API", async () => {
    const admin = await ctx.account();
    const created = await ctx.app.inject({
      method: "POST",
      url: "/v1/api_keys",
      headers: bearer(admin.secret),
      payload: { name: "CRM sync", scopes: ["campaigns"] },
    });
    expect(created.statusCode).toBe(201);
    const key = created.json();
    expect(key.secret).toMatch(/^cmk_live_[0-9A-Za-z]{32}$/);
    expect(
      (await ctx.app.inject({ url: "/v1/account", headers: bearer(key.secret) })).statusCode,
    ).toBe(200);

    const revoked = await ctx.app.inject({
      method: "POST",
      url: `/v1/api_keys/${key.id}/revoke`,
      headers: bearer(admin.secret),
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revoked_at).not.toBeNull();
    const after = await ctx.app.inject({ url: "/v1/account", headers: bearer(key.secret) });
    expect(after.statusCode).toBe(401);
    expect(after.json().detail).toMatch(/revoked/);
  });

  it("authenticates by the matched route, so an encoded path cannot slip past the scope check", async () => {
    const { secret } = await ctx.account({ scopes: ["campaigns"] });
    const encoded = await ctx.app.inject({ url: "/%761/api_keys", headers: bearer(secret) });
    expect(encoded.statusCode).toBe(403);
    expect((await ctx.app.inject({ url: "/%761/account" })).statusCode).toBe(401);
  });

  it("answers 403 when the key lacks the route's scope", async () => {
    const { secret } = await ctx.account({ scopes: ["batches"] });
    const res = await ctx.app.inject({ url: "/v1/api_keys", headers: bearer(secret) });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/'admin' scope/);
  });

  it("never shows a stored key again: lists carry the prefix only", async () => {
    const { secret } = await ctx.account();
    const res = await ctx.app.inject({ url: "/v1/api_keys", headers: bearer(secret) });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(secret);
    expect(res.json().data[0].prefix).toBe(secret.slice(0, 17));
  });

  it("paginates key lists with limit and after", async () => {
    const { accountId, secret } = await ctx.account();
    for (let i = 0; i < 4; i++)
      await ctx.deps.accounts.createKey(accountId, { name: `k${i}`, scopes: ["campaigns"] });
    const first = (
      await ctx.app.inject({ url: "/v1/api_keys?limit=2", headers: bearer(secret) })
    ).json();
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const second = (
      await ctx.app.inject({
        url: `/v1/api_keys?limit=2&after=${first.next_after}`,
        headers: bearer(secret),
      })
    ).json();
    const third = (
      await ctx.app.inject({
        url: `/v1/api_keys?limit=2&after=${second.next_after}`,
        headers: bearer(secret),
      })
    ).json();
    const names = [...first.data, ...second.data, ...third.data].map(
      (k: { name: string }) => k.name,
    );
    expect(names).toEqual(["default", "k0", "k1", "k2", "k3"]);
    expect(third.has_more).toBe(false);
    expect(third.next_after).toBeNull();
  });

  it("keeps keys of one account out of another's reach (404)", async () => {
    const a = await ctx.account();
    const b = await ctx.account();
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/api_keys/${a.keyId}/revoke`,
      headers: bearer(b.secret),
    });
    expect(res.statusCode).toBe(404);
    expect(
      (await ctx.app.inject({ url: "/v1/account", headers: bearer(a.secret) })).statusCode,
    ).toBe(200);
  });
});
