/**
 * Issue 8, finding 3: a 39 MB JSON body (`[{},{},…]`) to the recipient import ran the API out of
 * heap: JSON there was allowed up to the 50 MiB upload limit and parsed whole before the row limit
 * applied. Now JSON keeps BODY_LIMIT_BYTES everywhere but the import, whose JSON streams with its
 * own byte limit and the row limit counted as the bytes arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiProcess, startApi } from "../../support/api-process.ts";
import { draftCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;

const JSON_LIMIT = 512 * 1024;

beforeAll(async () => {
  ctx = await createTestContext({
    RATE_LIMIT_MAX: "1000",
    JSON_IMPORT_LIMIT_BYTES: String(JSON_LIMIT),
  });
  secret = (await ctx.account()).secret;
});
afterAll(() => ctx.close());

const person = (i: number) => ({
  first_name: i % 3 === 0 ? "Zoë" : "Ann",
  last_name: `Lee ${i}`,
  address: { street: `${i} Elm St`, city: "Springfield", state: "IL", postal_code: "62701" },
  custom: { last_purchase: "boiler" },
});

const postJson = (id: string, body: string | Buffer, query = "") =>
  ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${id}/recipients${query}`,
    headers: { ...bearer(secret), "content-type": "application/json" },
    payload: body,
  });

describe("JSON recipient import, streamed", () => {
  it('imports {"recipients": [...], "mapping": {...}} with the mapping applied', async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 0 });
    const recipients = [0, 1, 2].map((i) => {
      const { custom, ...rest } = person(i);
      return { ...rest, "Letzter Kauf": custom.last_purchase };
    });
    const res = await postJson(
      id,
      JSON.stringify({ recipients, mapping: { "Letzter Kauf": "custom:lastPurchase" } }),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ source: "json", rows: 3, imported: 3, rejected: 0 });
  });

  it("refuses a list over the row limit with 413 as soon as it is passed", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 0 });
    // 100,001 empty records: 300 KB, under the byte limit.
    const body = `[${"{},".repeat(100_000)}{}]`;
    const res = await postJson(id, body);
    expect(res.statusCode).toBe(413);
    expect(res.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(res.json().detail).toMatch(/more than 100,000 recipients.*split it/);
    const { rows } = await ctx.deps.pool.query(
      "SELECT count(*)::int AS n FROM recipients WHERE campaign_id = $1",
      [id],
    );
    expect(rows[0].n).toBe(0);
  });

  it("refuses a body over JSON_IMPORT_LIMIT_BYTES with 413 naming the limit", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 0 });
    const body = JSON.stringify(Array.from({ length: 5000 }, (_, i) => person(i)));
    expect(body.length).toBeGreaterThan(JSON_LIMIT);
    const res = await postJson(id, body);
    expect(res.statusCode).toBe(413);
    expect(res.json().detail).toMatch(/over 512 KiB \(JSON_IMPORT_LIMIT_BYTES\)/);
  });

  it("refuses malformed JSON with 400 and does not quote it back", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 0 });
    const res = await postJson(id, '[{"first_name": "Quillfeather" "last_name": "x"}]');
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/malformed in recipient 0/);
    expect(res.body).not.toContain("Quillfeather");
    const notObject = await postJson(id, '[{"first_name": "Ann"}, 42]');
    expect(notObject.statusCode).toBe(400);
    expect(notObject.json().errors).toEqual([{ field: "body[1]", message: "expected an object" }]);
  });

  it("keeps BODY_LIMIT_BYTES (1 MiB) for JSON on every other route, PATCH of a recipient too", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 1 });
    const big = "x".repeat(1024 * 1024 + 1);
    const campaign = await ctx.app.inject({
      method: "POST",
      url: "/v1/campaigns",
      headers: { ...bearer(secret), "content-type": "application/json" },
      payload: JSON.stringify({ name: big }),
    });
    expect(campaign.statusCode).toBe(413);
    expect(campaign.json().detail).toMatch(/larger than the 1 MiB .*BODY_LIMIT_BYTES/);
    const { rows } = await ctx.deps.pool.query("SELECT id FROM recipients WHERE campaign_id = $1", [
      id,
    ]);
    const patch = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/campaigns/${id}/recipients/${rows[0].id}`,
      headers: { ...bearer(secret), "content-type": "application/json" },
      payload: JSON.stringify({ custom: { note: big } }),
    });
    expect(patch.statusCode).toBe(413);
  });
});

describe("the 39 MB JSON attack on the real API process", () => {
  let api: ApiProcess;
  beforeAll(async () => {
    api = await startApi(ctx.config, { LOG_LEVEL: "warn" });
  });
  afterAll(() => api?.stop());

  it("answers 413 without reading the body whole, and the process keeps answering", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 0 });
    // `[{},{},…]`: 39 MB, 13 million records (the payload that killed the API).
    const body = Buffer.concat([
      Buffer.from("["),
      Buffer.alloc(38_999_994, "{},"),
      Buffer.from("{}]"),
    ]);
    const idle = api.memoryMb();
    const started = Date.now();
    const res = await fetch(`${api.base}/v1/campaigns/${id}/recipients`, {
      method: "POST",
      headers: { ...bearer(secret), "content-type": "application/json" },
      body,
    });
    const seconds = (Date.now() - started) / 1000;
    const problem = (await res.json()) as { status: number; detail: string };
    const memory = api.memoryMb();
    const report = `413 after ${seconds.toFixed(2)} s; API ${idle.rss} MB before, peak ${memory.peak} MB`;
    console.log(report);
    expect(res.status, JSON.stringify(problem)).toBe(413);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(problem.detail).toMatch(/more than 100,000 recipients/);
    expect(memory.peak, report).toBeLessThan(idle.rss + 60);
    expect(seconds, report).toBeLessThan(10);

    const health = await fetch(`${api.base}/healthz`);
    expect(health.status).toBe(200);
    expect(api.alive()).toBe(true);
    expect(api.log()).not.toMatch(/heap|FATAL/i);
  });
});
