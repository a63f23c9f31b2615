import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/app.ts";
import { createDeps } from "../../../src/deps.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({
    RATE_LIMIT_MAX: "3",
    RATE_LIMIT_WINDOW_SECONDS: "60",
    AUTH_FAILURE_LIMIT_MAX: "3",
  });
});
afterAll(() => ctx.close());

describe("rate limit per API key", () => {
  it("answers the N+1th request in the window with 429, Retry-After and problem+json", async () => {
    const { secret } = await ctx.account();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
      statuses.push(res.statusCode);
      expect(res.headers["ratelimit-limit"]).toBe("3");
      expect(res.headers["ratelimit-remaining"]).toBe(String(2 - i));
    }
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(limited.json()).toMatchObject({ status: 429, title: "Too many requests" });
    expect(limited.json().retry_after).toBeGreaterThan(0);
  });

  it("counts each key separately", async () => {
    const a = await ctx.account();
    const b = await ctx.account();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await ctx.app.inject({ url: "/v1/account", headers: bearer(a.secret) })).statusCode,
      );
    // a's budget is spent (so a limiter is at work), b's is whole.
    expect(statuses).toEqual([200, 200, 200, 429]);
    const other = await ctx.app.inject({ url: "/v1/account", headers: bearer(b.secret) });
    expect(other.statusCode).toBe(200);
    expect(other.headers["ratelimit-remaining"]).toBe("2");
  });

  it("shares one budget across API processes through Redis", async () => {
    const second = createDeps(ctx.config, "second-api");
    const otherApp = await buildApp(second, { logger: false });
    try {
      const { secret } = await ctx.account();
      for (let i = 0; i < 3; i++)
        await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
      const res = await otherApp.inject({ url: "/v1/account", headers: bearer(secret) });
      expect(res.statusCode).toBe(429);
    } finally {
      await otherApp.close();
      await second.close();
    }
  });
});

describe("rate limit per address for requests without a valid key (issue 8)", () => {
  const wrongKey = { authorization: "Bearer cm_live_0000000000000000000000000000000000000000" };

  it("answers the N+1th bad-key request from one address with 429; a good key from it still works", async () => {
    const remoteAddress = "203.0.113.7";
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await ctx.app.inject({ url: "/v1/account", headers: wrongKey, remoteAddress });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401]);
    const limited = await ctx.app.inject({ url: "/v1/account", headers: wrongKey, remoteAddress });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(limited.json()).toMatchObject({ status: 429, title: "Too many requests" });
    expect(limited.json().detail).toMatch(/without a valid API key .*at most 3 per 60 s/);
    // No key at all counts the same.
    const keyless = await ctx.app.inject({ url: "/v1/campaigns", remoteAddress });
    expect(keyless.statusCode).toBe(429);

    const { secret } = await ctx.account();
    const good = await ctx.app.inject({
      url: "/v1/account",
      headers: bearer(secret),
      remoteAddress,
    });
    expect(good.statusCode).toBe(200);
  });

  it("counts each address separately, and every API process shares the count through Redis", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (
          await ctx.app.inject({
            url: "/v1/account",
            headers: wrongKey,
            remoteAddress: "203.0.113.8",
          })
        ).statusCode,
      );
    expect(statuses).toEqual([401, 401, 401, 429]);
    const other = await ctx.app.inject({
      url: "/v1/account",
      headers: wrongKey,
      remoteAddress: "203.0.113.9",
    });
    expect(other.statusCode).toBe(401);

    const second = createDeps(ctx.config, "second-api");
    const otherApp = await buildApp(second, { logger: false });
    try {
      const res = await otherApp.inject({
        url: "/v1/account",
        headers: wrongKey,
        remoteAddress: "203.0.113.8",
      });
      expect(res.statusCode).toBe(429);
    } finally {
      await otherApp.close();
      await second.close();
    }
  });
});
