/**
 * The webhook endpoints API: what it stores and shows, what it refuses (each input attacked), who
 * may see what (accounts, vendor keys), and the per-account cap. WEBHOOK_ALLOW_PRIVATE is off.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

// biome-ignore lint/suspicious/noExplicitAny: tests read answers of every shape; expect() checks them.
type Json = Record<string, any>;

let ctx: TestContext;
let owner: string;
let vendor: string;
let stranger: string;

beforeAll(async () => {
  ctx = await createTestContext();
  const { accountId, secret } = await ctx.account();
  owner = secret;
  vendor = (await ctx.deps.accounts.createKey(accountId, { scopes: ["batches"] })).secret;
  stranger = (await ctx.account({ name: "Other Co" })).secret;
});

afterAll(async () => {
  await ctx?.close();
});

const call = async (
  method: "GET" | "POST" | "PATCH" | "DELETE",
  url: string,
  key: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) => {
  const res = await ctx.app.inject({
    method,
    url,
    headers: { ...bearer(key), ...headers },
    ...(payload === undefined ? {} : { payload: payload as Json }),
  });
  return {
    status: res.statusCode,
    body: (res.body ? res.json() : null) as Json,
    type: res.headers["content-type"],
  };
};

const create = (payload: unknown, key = owner) =>
  call("POST", "/v1/webhook_endpoints", key, payload);

describe("an endpoint's life", () => {
  it("is created with its secret shown once, read, changed, rolled and deleted", async () => {
    const made = await create({
      url: "https://hooks.example.com/cardmerge",
      event_types: ["batch.*", "campaign.ready", "batch.*"],
      description: "our CRM",
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({
      object: "webhook_endpoint",
      url: "https://hooks.example.com/cardmerge",
      event_types: ["batch.*", "campaign.ready"],
      status: "enabled",
      mode: "live",
      description: "our CRM",
    });
    expect(made.body.id).toMatch(/^we_[0-9A-Za-z]{20}$/);
    expect(made.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const id = made.body.id;

    const got = await call("GET", `/v1/webhook_endpoints/${id}`, owner);
    expect(got.body.secret).toBeUndefined();
    const listed = await call("GET", "/v1/webhook_endpoints", owner);
    expect(listed.body.data.map((e: Json) => e.id)).toContain(id);
    expect(listed.body.data.every((e: Json) => e.secret === undefined)).toBe(true);

    const patched = await call("PATCH", `/v1/webhook_endpoints/${id}`, owner, {
      event_types: ["*"],
      status: "disabled",
      description: null,
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      event_types: ["*"],
      status: "disabled",
      description: null,
    });
    const enabled = await call("PATCH", `/v1/webhook_endpoints/${id}`, owner, {
      status: "enabled",
    });
    expect(enabled.body).toMatchObject({ status: "enabled", disabled_reason: null });

    const rolled = await call("POST", `/v1/webhook_endpoints/${id}/roll_secret`, owner);
    expect(rolled.status).toBe(200);
    expect(rolled.body.secret).toMatch(/^whsec_/);
    expect(rolled.body.secret).not.toBe(made.body.secret);
    expect(rolled.body.previous_secret_expires_at).toBeTruthy();

    const deliveries = await call("GET", `/v1/webhook_endpoints/${id}/deliveries`, owner);
    expect(deliveries.body).toMatchObject({ object: "list", data: [], has_more: false });

    expect((await call("DELETE", `/v1/webhook_endpoints/${id}`, owner)).status).toBe(204);
    expect((await call("GET", `/v1/webhook_endpoints/${id}`, owner)).status).toBe(404);
  });

  it("honours Idempotency-Key: a retried create makes one endpoint and replays its answer", async () => {
    const payload = { url: "https://hooks.example.com/idem", event_types: ["*"] };
    const headers = { "idempotency-key": "make-hook-1" };
    const first = await call("POST", "/v1/webhook_endpoints", owner, payload, headers);
    const again = await call("POST", "/v1/webhook_endpoints", owner, payload, headers);
    expect(first.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    await call("DELETE", `/v1/webhook_endpoints/${first.body.id}`, owner);
  });
});

describe("hostile input", () => {
  it.each([
    ["a loopback URL", { url: "http://127.0.0.1/hook", event_types: ["*"] }, "url", /loopback/],
    [
      "a metadata URL",
      { url: "http://169.254.169.254/latest", event_types: ["*"] },
      "url",
      /metadata/,
    ],
    ["a mapped URL", { url: "http://[::ffff:7f00:1]/", event_types: ["*"] }, "url", /mapped/],
    ["a private URL", { url: "https://10.0.0.8/hook", event_types: ["*"] }, "url", /private/],
    [
      "credentials in the URL",
      { url: "https://u:p@hooks.example.com/", event_types: ["*"] },
      "url",
      /password/,
    ],
    ["a file URL", { url: "file:///etc/passwd", event_types: ["*"] }, "url", /scheme/],
    ["a gopher URL", { url: "gopher://hooks.example.com/", event_types: ["*"] }, "url", /scheme/],
    ["not a URL", { url: "hooks", event_types: ["*"] }, "url", /URL/],
    [
      "a huge URL",
      { url: `https://hooks.example.com/${"a".repeat(5000)}`, event_types: ["*"] },
      "url",
      /2048|long/,
    ],
    ["an empty URL", { url: "", event_types: ["*"] }, "url", /./],
    [
      "a NUL in the URL",
      { url: "https://hooks.example.com/\u0000", event_types: ["*"] },
      "url",
      /./,
    ],
    [
      "an unknown event type",
      { url: "https://hooks.example.com/", event_types: ["batch.exploded"] },
      "event_types/0",
      /unknown/,
    ],
    [
      "an unknown prefix",
      { url: "https://hooks.example.com/", event_types: ["nope.*"] },
      "event_types/0",
      /unknown/,
    ],
    [
      "a wildcard in the middle",
      { url: "https://hooks.example.com/", event_types: ["b*"] },
      "event_types/0",
      /unknown/,
    ],
    ["no event types", { url: "https://hooks.example.com/", event_types: [] }, "event_types", /./],
    [
      "a huge event type",
      { url: "https://hooks.example.com/", event_types: ["a".repeat(500)] },
      "event_types",
      /./,
    ],
    [
      "thousands of event types",
      { url: "https://hooks.example.com/", event_types: Array(5000).fill("*") },
      "event_types",
      /./,
    ],
    [
      "a NUL in an event type",
      { url: "https://hooks.example.com/", event_types: ["batch.ready\u0000"] },
      "event_types",
      /./,
    ],
    [
      "an event type that is not a string",
      { url: "https://hooks.example.com/", event_types: [{}] },
      "event_types",
      /./,
    ],
    [
      "a huge description",
      { url: "https://hooks.example.com/", event_types: ["*"], description: "d".repeat(501) },
      "description",
      /./,
    ],
    [
      "an unknown field",
      { url: "https://hooks.example.com/", event_types: ["*"], secret: "whsec_mine" },
      "secret",
      /./,
    ],
    ["no URL", { event_types: ["*"] }, "url", /./],
  ])("refuses %s with 400 naming the field", async (_what, payload, field, why) => {
    const res = await create(payload);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(res.body)).toContain(field);
    expect(JSON.stringify(res.body)).toMatch(why);
  });

  it("refuses the same faults on PATCH, and an unknown status", async () => {
    const made = await create({ url: "https://hooks.example.com/p", event_types: ["*"] });
    const id = made.body.id;
    for (const payload of [
      { url: "http://localhost.localdomain@127.0.0.1/" },
      { url: "http://127.0.0.1/" },
      { event_types: ["campaign.nothing"] },
      { status: "paused" },
      { status: "enabled", extra: 1 },
    ]) {
      const res = await call("PATCH", `/v1/webhook_endpoints/${id}`, owner, payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
    }
    expect((await call("GET", `/v1/webhook_endpoints/${id}`, owner)).body.url).toBe(
      "https://hooks.example.com/p",
    );
    await call("DELETE", `/v1/webhook_endpoints/${id}`, owner);
  });

  it("answers 400 for NUL bytes and over-long ids in the path, 404 for unknown ones", async () => {
    expect((await call("GET", "/v1/webhook_endpoints/we_%00", owner)).status).toBe(400);
    expect((await call("GET", `/v1/webhook_endpoints/${"w".repeat(90)}`, owner)).status).toBe(400);
    expect((await call("GET", "/v1/webhook_endpoints/we_nothing", owner)).status).toBe(404);
    expect(
      (await call("POST", "/v1/webhook_endpoints/we_nothing/deliveries/whd_x/retry", owner)).status,
    ).toBe(404);
    expect(
      (await call("GET", "/v1/webhook_endpoints/we_nothing/deliveries?status=lost", owner)).status,
    ).toBe(400);
  });

  it("caps endpoints per account at 16, and the cap holds under concurrent creates", async () => {
    const { secret } = await ctx.account({ name: "Many Hooks Ltd" });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        create({ url: `https://hooks.example.com/${i}`, event_types: ["*"] }, secret),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(16);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused.every((r) => r.status === 422)).toBe(true);
    expect(refused[0]?.body.detail).toMatch(/at most 16/);
  });
});

describe("who may do what", () => {
  it("lets a vendor key subscribe to batch events only, and see only its own endpoints", async () => {
    const ownersHook = await create({ url: "https://hooks.example.com/owner", event_types: ["*"] });
    for (const types of [
      ["*"],
      ["campaign.ready"],
      ["batch.ready", "card.failed"],
      ["webhook_endpoint.*"],
    ]) {
      const res = await create(
        { url: "https://vendor.example.com/hook", event_types: types },
        vendor,
      );
      expect(res.status, JSON.stringify(types)).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/batches scope/);
    }
    const made = await create(
      { url: "https://vendor.example.com/hook", event_types: ["batch.*", "batch.ready"] },
      vendor,
    );
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const widened = await call("PATCH", `/v1/webhook_endpoints/${made.body.id}`, vendor, {
      event_types: ["*"],
    });
    expect(widened.status).toBe(400);
    const seen = await call("GET", "/v1/webhook_endpoints", vendor);
    expect(seen.body.data.map((e: Json) => e.id)).toEqual([made.body.id]);
    expect((await call("GET", `/v1/webhook_endpoints/${ownersHook.body.id}`, vendor)).status).toBe(
      404,
    );
    // The account's full key sees the vendor's endpoint too.
    expect((await call("GET", `/v1/webhook_endpoints/${made.body.id}`, owner)).status).toBe(200);
  });

  it("answers 404 for another account's endpoint on every route, and changes nothing", async () => {
    const made = await create({ url: "https://hooks.example.com/mine", event_types: ["*"] });
    const id = made.body.id;
    const routes: [Parameters<typeof call>[0], string, unknown?][] = [
      ["GET", `/v1/webhook_endpoints/${id}`],
      ["PATCH", `/v1/webhook_endpoints/${id}`, { status: "disabled" }],
      ["POST", `/v1/webhook_endpoints/${id}/roll_secret`],
      ["GET", `/v1/webhook_endpoints/${id}/deliveries`],
      ["POST", `/v1/webhook_endpoints/${id}/deliveries/whd_x/retry`],
      ["DELETE", `/v1/webhook_endpoints/${id}`],
    ];
    for (const [method, url, payload] of routes) {
      const res = await call(method, url, stranger, payload);
      expect(res.status, `${method} ${url}`).toBe(404);
    }
    expect((await call("GET", "/v1/webhook_endpoints", stranger)).body.data).toEqual([]);
    const still = await call("GET", `/v1/webhook_endpoints/${id}`, owner);
    expect(still.body.status).toBe("enabled");
  });
});
