import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let admin: string;
let campaignsOnly: string;

beforeAll(async () => {
  ctx = await createTestContext({ BODY_LIMIT_BYTES: "2048", RATE_LIMIT_MAX: "1000" });
  admin = (await ctx.account()).secret;
  campaignsOnly = (await ctx.account({ scopes: ["campaigns"] })).secret;
});
afterAll(() => ctx.close());

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({
    status,
    type: expect.stringMatching(/^https:\/\//),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.request_id).toBe(res.headers["x-request-id"]);
  return body;
}

describe("errors are application/problem+json", () => {
  it("400 lists each faulty field", async () => {
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/api_keys",
      headers: bearer(admin),
      payload: { scopes: ["printing"], colour: "red" },
    });
    const body = expectProblem(res, 400);
    const fields = (body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toContain("body.colour");
    expect(fields.some((f) => f.startsWith("body.scopes"))).toBe(true);
  });

  it("400 for a bad query parameter", async () => {
    const body = expectProblem(
      await ctx.app.inject({ url: "/v1/api_keys?limit=0", headers: bearer(admin) }),
      400,
    );
    expect((body.errors as { field: string }[])[0]?.field).toBe("querystring.limit");
  });

  it("401 and 403", async () => {
    expectProblem(await ctx.app.inject({ url: "/v1/account" }), 401);
    expectProblem(
      await ctx.app.inject({ url: "/v1/api_keys", headers: bearer(campaignsOnly) }),
      403,
    );
  });

  it("404 for an unknown route, authenticated or not", async () => {
    const body = expectProblem(
      await ctx.app.inject({ url: "/v1/nothing-here", headers: bearer(admin) }),
      404,
    );
    expect(body.detail).toContain("/v1/nothing-here");
    expectProblem(await ctx.app.inject({ url: "/elsewhere" }), 404);
  });

  it("413 for a body over the limit", async () => {
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/api_keys",
      headers: bearer(admin),
      payload: { name: "x".repeat(5000), scopes: ["campaigns"] },
    });
    expectProblem(res, 413);
  });

  it("422 for a reused Idempotency-Key", async () => {
    const post = (name: string) =>
      ctx.app.inject({
        method: "POST",
        url: "/v1/api_keys",
        headers: { ...bearer(admin), "idempotency-key": "reuse" },
        payload: { name, scopes: ["campaigns"] },
      });
    await post("a");
    expectProblem(await post("b"), 422);
  });

  it("keeps the caller's X-Request-Id", async () => {
    const res = await ctx.app.inject({ url: "/healthz", headers: { "x-request-id": "crm-42" } });
    expect(res.headers["x-request-id"]).toBe("crm-42");
  });
});

describe("429 is problem+json too", () => {
  it("carries Retry-After", async () => {
    const limited = await createTestContext({ RATE_LIMIT_MAX: "1" });
    try {
      const { secret } = await limited.account();
      await limited.app.inject({ url: "/v1/account", headers: bearer(secret) });
      const res = await limited.app.inject({ url: "/v1/account", headers: bearer(secret) });
      expectProblem(res, 429);
      expect(res.headers["retry-after"]).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});
