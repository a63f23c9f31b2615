import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/app.ts";
import { createDeps } from "../../../src/deps.ts";
import { createTestContext, type TestContext, testConfig } from "../../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

async function readyzWith(env: Record<string, string>) {
  const deps = createDeps(testConfig(env), "readyz");
  const app = await buildApp(deps, { logger: false });
  try {
    return await app.inject({ url: "/readyz" });
  } finally {
    await app.close();
    await deps.close();
  }
}

describe("health", () => {
  it("/healthz answers while the process is up", async () => {
    const res = await ctx.app.inject({ url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("/readyz is 200 when PostgreSQL and Redis answer", async () => {
    const res = await ctx.app.inject({ url: "/readyz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: "ready",
      postgres: { status: "ok" },
      redis: { status: "ok" },
    });
  });

  it("/readyz is 503 naming Redis when Redis is unreachable", async () => {
    const res = await readyzWith({ REDIS_URL: "redis://127.0.0.1:1" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: "unavailable: redis",
      postgres: { status: "ok" },
      redis: { status: "unavailable" },
    });
  });

  it("/readyz is 503 naming PostgreSQL when PostgreSQL is unreachable", async () => {
    const res = await readyzWith({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/cardmerge" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: "unavailable: postgres", redis: { status: "ok" } });
  });
});

describe("OpenAPI", () => {
  it("documents every /v1 route with its security", async () => {
    const doc = (await ctx.app.inject({ url: "/openapi.json" })).json();
    expect(doc.openapi).toBe("3.1.0");
    for (const path of ["/v1/account", "/v1/api_keys", "/v1/api_keys/{id}/revoke", "/readyz"]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(ctx.app.hasRoute({ method: "GET", url: "/v1/account" })).toBe(true);
    expect(doc.components.securitySchemes.apiKey.scheme).toBe("bearer");
  });

  it("serves the interactive page at /docs", async () => {
    const res = await ctx.app.inject({ url: "/docs/" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("swagger");
  });
});
