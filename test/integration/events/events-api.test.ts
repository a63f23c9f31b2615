/**
 * Events: what changed for a customer, written with the change, listed and filtered like other
 * lists, carrying the object as the API showed it then. Real PostgreSQL, Redis and workers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign, readyCampaign, submitUntilReady } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;
let business: string;
let vendor: string;
let stranger: string;
let accountId: string;
let campaignId: string;
let dir: string;

// biome-ignore lint/suspicious/noExplicitAny: tests read answers of every shape; expect() checks them.
type Json = Record<string, any>;

const get = async (url: string, secret = business) => {
  const res = await ctx.app.inject({ url, headers: bearer(secret) });
  return { status: res.statusCode, body: res.json() as Json };
};

async function allEvents(query = "", secret = business): Promise<Json[]> {
  const out: Json[] = [];
  let after: string | null = null;
  do {
    const sep = query ? "&" : "";
    const page = await get(
      `/v1/events?${query}${sep}limit=2${after ? `&after=${after}` : ""}`,
      secret,
    );
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    out.push(...page.body.data);
    after = page.body.next_after;
  } while (after);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-events-"));
  ctx = await createTestContext({ STORAGE_DIR: dir, AUTOMATION_TICK_SECONDS: "0" });
  processors = await startProcessors(ctx.deps);
  const account = await ctx.account();
  accountId = account.accountId;
  business = account.secret;
  vendor = (await ctx.deps.accounts.createKey(accountId, { scopes: ["batches"] })).secret;
  stranger = (await ctx.account({ name: "Other Co" })).secret;
  const story = "and then ".repeat(110).trim();
  campaignId = await draftCampaign(ctx, business, {
    recipients: 3,
    message:
      "Dear {{firstName}}, thank you for your {{lastPurchase}}. We loved working on your {{lastPurchase}}; may your {{lastPurchase}} serve you well, and call us about your {{lastPurchase}}.",
    extraRows: [`Verbose,Vic,2 Long Road,Springfield,IL,62702,"${story}"`],
  });
  await submitUntilReady(ctx, business, campaignId, 90_000);
}, 120_000);

afterAll(async () => {
  await processors?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("events of a campaign's life", () => {
  it("records the import, the submit, the failed card, the ready batch and the ready campaign, newest first", async () => {
    const events = await allEvents();
    const types = events.map((e) => e.type);
    expect(types).toEqual([
      "campaign.ready",
      "batch.ready",
      "card.failed",
      "campaign.submitted",
      "import.completed",
    ]);
    for (const e of events) {
      expect(e.id).toMatch(/^evt_[0-9A-Za-z]{20}$/);
      expect(e.object).toBe("event");
      expect(e.mode).toBe("live");
      expect(Number.isNaN(Date.parse(e.created_at))).toBe(false);
    }
  });

  it("carries each object as the API showed it at that moment", async () => {
    const events = await allEvents();
    const byType = Object.fromEntries(events.map((e) => [e.type, e.data.object]));
    const imported = byType["import.completed"];
    expect(imported.object).toBe("import");
    const importNow = await get(`/v1/campaigns/${campaignId}/imports/${imported.id}`);
    expect(imported).toEqual(importNow.body);

    expect(byType["campaign.submitted"]).toMatchObject({ id: campaignId, status: "scheduled" });
    expect(byType["campaign.ready"]).toMatchObject({ id: campaignId, status: "ready" });
    const campaignNow = await get(`/v1/campaigns/${campaignId}`);
    expect(byType["campaign.ready"]).toEqual(campaignNow.body);

    const card = byType["card.failed"];
    expect(card).toMatchObject({ object: "card", status: "failed" });
    expect(card.failure_reason).toBeTruthy();

    const batch = byType["batch.ready"];
    expect(batch).toMatchObject({ object: "batch", status: "ready", cards: 3 });
    expect(batch).toEqual((await get(`/v1/batches/${batch.id}`, vendor)).body);
  });

  it("records a vendor's acknowledgement with the batch as it then is", async () => {
    const [ready] = await allEvents("type=batch.ready");
    const batchId = ready?.data.object.id as string;
    const ack = await ctx.app.inject({
      method: "POST",
      url: `/v1/batches/${batchId}/acknowledge`,
      headers: bearer(vendor),
      payload: { status: "printed" },
    });
    expect(ack.statusCode, ack.body).toBe(200);
    const [event] = await allEvents("type=batch.acknowledged");
    expect(event?.data.object).toMatchObject({ id: batchId, status: "printed" });
    expect(event?.data.object.printed_at).toBeTruthy();
  });

  it("filters by type, by prefix and by object id, and pages with next_after", async () => {
    const batchEvents = await allEvents("type=batch.*");
    expect(batchEvents.map((e) => e.type)).toEqual(["batch.acknowledged", "batch.ready"]);
    const campaignEvents = await allEvents(`object_id=${campaignId}`);
    expect(campaignEvents.map((e) => e.type)).toEqual(["campaign.ready", "campaign.submitted"]);
    expect(await allEvents("type=campaign.failed")).toEqual([]);
    const first = await get("/v1/events?limit=1");
    expect(first.body.has_more).toBe(true);
    const second = await get(`/v1/events?limit=1&after=${first.body.next_after}`);
    expect(second.body.data[0].id).not.toBe(first.body.data[0].id);
  });

  it("gets one event by id, the same JSON the list shows", async () => {
    const [latest] = await allEvents();
    const one = await get(`/v1/events/${latest?.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(latest);
  });

  it("records a cancelled campaign", async () => {
    const id = await draftCampaign(ctx, business, { recipients: 1 });
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/cancel`,
      headers: bearer(business),
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    const [event] = await allEvents(`object_id=${id}&type=campaign.canceled`);
    expect(event?.data.object).toMatchObject({ id, status: "cancelled" });
  });

  it("records a finished contacts import", async () => {
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/contacts/import",
      headers: { ...bearer(business), "content-type": "text/csv" },
      payload:
        "First Name,Last Name,Address,City,State,Zip\nAda,Lovelace,1 Main St,Springfield,IL,62701\n",
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    const [event] = await allEvents("type=contact_import.*");
    expect(event?.type).toBe("contact_import.completed");
    expect(event?.data.object).toEqual(res.json());
  });
});

describe("who sees which events", () => {
  it("shows a vendor key batch events only, and refuses it other types", async () => {
    const seen = await allEvents("", vendor);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.type.startsWith("batch."))).toBe(true);
    const refused = await get("/v1/events?type=campaign.ready", vendor);
    expect(refused.status).toBe(400);
    const [campaignEvent] = await allEvents("type=campaign.ready");
    expect((await get(`/v1/events/${campaignEvent?.id}`, vendor)).status).toBe(404);
  });

  it("answers 404 for another account's event and shows it none of ours", async () => {
    const [ours] = await allEvents();
    const res = await get(`/v1/events/${ours?.id}`, stranger);
    expect(res.status).toBe(404);
    expect(res.body.type).toMatch(/not.found/);
    expect(await allEvents("", stranger)).toEqual([]);
    expect(await allEvents(`object_id=${campaignId}`, stranger)).toEqual([]);
  });
});

describe("test mode", () => {
  it("writes a test key's events in test mode, seen by its test keys and by no live key", async () => {
    const testKey = (await ctx.deps.accounts.createKey(accountId, { mode: "test" })).secret;
    const testVendor = (
      await ctx.deps.accounts.createKey(accountId, { mode: "test", scopes: ["batches"] })
    ).secret;
    const testCampaign = await readyCampaign(ctx, testKey, { recipients: 2 });

    const seen = await allEvents("", testKey);
    expect(seen.map((e) => e.type)).toContain("campaign.ready");
    expect(new Set(seen.map((e) => e.mode))).toEqual(new Set(["test"]));
    const ready = seen.find((e) => e.type === "campaign.ready");
    expect(ready?.data.object.id).toBe(testCampaign);

    const vendorSees = await allEvents("", testVendor);
    expect(vendorSees.map((e) => e.type)).toContain("batch.ready");
    expect(vendorSees.every((e) => e.mode === "test" && e.type.startsWith("batch."))).toBe(true);

    const live = await allEvents("", business);
    expect(live.every((e) => e.mode === "live")).toBe(true);
    expect(live.some((e) => JSON.stringify(e).includes(testCampaign))).toBe(false);
    expect(
      (await allEvents("", vendor)).some((e) => JSON.stringify(e).includes(testCampaign)),
    ).toBe(false);
  }, 120_000);
});

describe("hostile list and id input", () => {
  it.each([
    ["an unknown type", "type=campaign.exploded", "querystring.type"],
    ["an unknown prefix", "type=nothing.*", "querystring.type"],
    ["a SQL-ish type", "type=batch.%25", "querystring.type"],
    ["a NUL in the type", "type=batch.ready%00", "type"],
    ["a huge type", `type=${"a".repeat(5000)}`, "type"],
    ["a NUL in the object id", "object_id=cmp_%00", "object_id"],
    ["a forged cursor", "after=bm90IGEgY3Vyc29y", "after"],
    ["a limit of 0", "limit=0", "limit"],
  ])("refuses %s with 400 naming the field", async (_what, query, field) => {
    const res = await get(`/v1/events?${query}`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(field);
  });

  it("answers 404 for an unknown id, 400 for a NUL in one", async () => {
    expect((await get("/v1/events/evt_nothing")).status).toBe(404);
    expect((await get("/v1/events/evt_%00")).status).toBe(400);
    expect((await get(`/v1/events/${"e".repeat(90)}`)).status).toBe(400);
    // Past Fastify's path parameter bound the router itself answers 414.
    expect((await get(`/v1/events/${"e".repeat(5000)}`)).status).toBe(414);
  });
});
