/**
 * /metrics and the queues board: who may read them (an operator account's admin key, or for
 * /metrics an allowed address), what /metrics shows (routes by pattern, the queue, and the cards a
 * real worker process rendered, summed through Redis).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../../src/app.ts";
import { draftCampaign, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

let ctx: TestContext;
let app: FastifyInstance;
let dir: string;
let operator: string;
let customerAdmin: string;
let campaignsOnly: string;
let worker: WorkerProcess | undefined;

/** A sample's value in the exposition text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const metrics = (headers: Record<string, string> = {}, remoteAddress?: string) =>
  app.inject({ url: "/metrics", headers, ...(remoteAddress ? { remoteAddress } : {}) });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-metrics-"));
  ctx = await createTestContext({
    STORAGE_DIR: dir,
    METRICS_ALLOW_CIDRS: "10.0.0.0/8,fd00::/8",
    RENDER_CHUNK_SIZE: "4",
    BATCH_SIZE: "5",
  });
  const ops = await ctx.account({ name: "cardmerge operations" });
  operator = ops.secret;
  const customer = await ctx.account({ name: "Acme Plumbing" });
  customerAdmin = customer.secret;
  campaignsOnly = (await ctx.deps.accounts.createKey(customer.accountId, { scopes: ["campaigns"] }))
    .secret;
  // The operator account is known only once it exists: an app whose config names it.
  const config = {
    ...ctx.config,
    operators: { ...ctx.config.operators, accountIds: [ops.accountId] },
  };
  app = await buildApp({ ...ctx.deps, config }, { logger: false });
  await app.ready();
});

afterAll(async () => {
  if (worker) await stopWorker(worker);
  await app?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("who may read /metrics", () => {
  it("answers an operator account's admin key, in Prometheus text format", async () => {
    const res = await metrics(bearer(operator));
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain("# TYPE cardmerge_http_request_duration_seconds histogram");
    expect(res.body).toContain("# TYPE cardmerge_cards_rendered_total counter");
    expect(res.body).toContain("# TYPE cardmerge_webhook_deliveries_total counter");
    expect(res.body).toContain("process_cpu_seconds_total");
  });

  it("refuses a campaigns-scope key, and a customer's own admin key", async () => {
    for (const secret of [campaignsOnly, customerAdmin]) {
      const res = await metrics(bearer(secret));
      expect(res.statusCode).toBe(403);
      expect(res.headers["content-type"]).toMatch(/problem\+json/);
      expect(res.body).not.toContain("cardmerge_");
    }
  });

  it("refuses no key, a revoked-looking or malformed key, from an address outside the range", async () => {
    for (const headers of [
      {},
      bearer("cmk_00000000000000000000000000000000"),
      { authorization: "Basic Og==" },
      // The operator's key with its last character changed (to one it is not: 1 in 62 keys ends in x).
      { authorization: `Bearer ${operator.slice(0, -1)}${operator.endsWith("x") ? "y" : "x"}` },
    ]) {
      const res = await metrics(headers, "192.168.1.5");
      expect(res.statusCode).toBe(401);
      expect(res.body).not.toContain("cardmerge_http");
    }
  });

  it("answers an address inside METRICS_ALLOW_CIDRS without a key, IPv4-mapped too", async () => {
    for (const address of ["10.1.2.3", "::ffff:10.200.0.1", "fd00::42"])
      expect((await metrics({}, address)).statusCode).toBe(200);
  });

  it("believes the connection's address, not X-Forwarded-For", async () => {
    const res = await metrics(
      { "x-forwarded-for": "10.0.0.1", "x-real-ip": "10.0.0.1" },
      "192.168.1.5",
    );
    expect(res.statusCode).toBe(401);
  });
});

describe("what /metrics shows", () => {
  it("times requests by route pattern, never by URL", async () => {
    const id = "cmp_ThisIdMustNotBecomeASeries";
    await app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(customerAdmin) });
    await app.inject({ url: "/no/such/path/12345" });
    const text = (await metrics(bearer(operator))).body;
    expect(text).toMatch(
      /cardmerge_http_request_duration_seconds_count\{method="GET",route="\/v1\/campaigns\/:id",status_code="404"\} 1/,
    );
    expect(text).toMatch(/route="unmatched",status_code="404"\} 1/);
    expect(text).not.toContain(id);
    expect(text).not.toContain("12345");
  });

  it("counts this process's proof cache hits and misses, and the bytes it holds", async () => {
    const before = (await metrics(bearer(operator))).body;
    const hits0 = sample(before, 'cardmerge_proof_cache_lookups{outcome="hit"}') ?? 0;
    const misses0 = sample(before, 'cardmerge_proof_cache_lookups{outcome="miss"}') ?? 0;
    const id = await draftCampaign(ctx, customerAdmin, { recipients: 1 });
    const list = await app.inject({
      url: `/v1/campaigns/${id}/recipients`,
      headers: bearer(customerAdmin),
    });
    const rid = list.json().data[0].id as string;
    const proof = () =>
      app.inject({
        url: `/v1/campaigns/${id}/recipients/${rid}/proof.png`,
        headers: bearer(customerAdmin),
      });
    expect((await proof()).statusCode).toBe(200);
    const first = (await metrics(bearer(operator))).body;
    // The card's PDF and its picture: both drawn, once each.
    expect(sample(first, 'cardmerge_proof_cache_lookups{outcome="miss"}')).toBe(misses0 + 2);
    expect(sample(first, "cardmerge_proof_cache_bytes")).toBeGreaterThan(10_000);
    expect((await proof()).statusCode).toBe(200);
    const second = (await metrics(bearer(operator))).body;
    expect(sample(second, 'cardmerge_proof_cache_lookups{outcome="miss"}')).toBe(misses0 + 2);
    expect(sample(second, 'cardmerge_proof_cache_lookups{outcome="hit"}')).toBe(hits0 + 2);
  });

  it("shows the queue's jobs by state and the age of the oldest waiting job", async () => {
    await ctx.deps.producer.add("plan-batches", { campaignId: "cmp_waiting" });
    await ctx.deps.producer.add(
      "plan-batches",
      { campaignId: "cmp_later" },
      { delayMs: 3_600_000 },
    );
    await new Promise((r) => setTimeout(r, 1100));
    const text = (await metrics(bearer(operator))).body;
    expect(sample(text, 'cardmerge_queue_jobs{queue="cardmerge",state="wait"}')).toBe(1);
    expect(sample(text, 'cardmerge_queue_jobs{queue="cardmerge",state="delayed"}')).toBe(1);
    const age = sample(text, 'cardmerge_queue_oldest_waiting_seconds{queue="cardmerge"}') ?? 0;
    expect(age).toBeGreaterThanOrEqual(1);
    expect(age).toBeLessThan(30);
    await ctx.deps.producer.queue.obliterate({ force: true });
    const after = (await metrics(bearer(operator))).body;
    expect(sample(after, 'cardmerge_queue_oldest_waiting_seconds{queue="cardmerge"}')).toBe(0);
  });

  it("counts the cards a real worker process rendered and failed, and the batches it assembled", async () => {
    const before = (await metrics(bearer(operator))).body;
    expect(sample(before, "cardmerge_cards_rendered_total")).toBe(0);
    expect(sample(before, "cardmerge_worker_processes_reporting")).toBe(0);
    worker = startWorker(ctx.config, { BATCH_SIZE: "5", RENDER_CHUNK_SIZE: "4" });
    const id = await draftCampaign(ctx, customerAdmin, {
      recipients: 12,
      message:
        "Dear {{firstName}}, thank you for your {{lastPurchase}}. We loved working on your {{lastPurchase}}; may your {{lastPurchase}} serve you well, and call us about your {{lastPurchase}}.",
      // One card whose message cannot fit: failed for good, with its reason.
      extraRows: [
        `Verbose,Vic,2 Long Road,Springfield,IL,62702,"${"and then ".repeat(110).trim()}"`,
      ],
    });
    const submitted = await app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/submit`,
      headers: bearer(customerAdmin),
      payload: {},
    });
    expect(submitted.statusCode, submitted.body).toBe(200);
    const done = await waitForCampaign(ctx, customerAdmin, id, (c) => c.status === "ready", 90_000);
    expect(done.cards).toMatchObject({ rendered: 12, failed: 1 });
    // The worker publishes its counts every few seconds: wait for them to arrive (state, not time).
    let text = "";
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      text = (await metrics(bearer(operator))).body;
      if (sample(text, "cardmerge_cards_rendered_total") === 12) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(sample(text, "cardmerge_cards_rendered_total")).toBe(12);
    expect(sample(text, 'cardmerge_cards_failed_total{reason="message_overflow"}')).toBe(1);
    expect(sample(text, 'cardmerge_card_render_seconds_count{outcome="ok"}')).toBe(12);
    expect(sample(text, 'cardmerge_card_render_seconds_count{outcome="failed"}')).toBe(1);
    expect(sample(text, "cardmerge_worker_processes_reporting")).toBe(1);
    // 12 rendered cards in batches of at most 5: three batches, each assembled once.
    let assembled = 0;
    while (Date.now() < deadline) {
      text = (await metrics(bearer(operator))).body;
      assembled = sample(text, 'cardmerge_batch_assembly_seconds_count{outcome="assembled"}') ?? 0;
      if (assembled === 3) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(assembled).toBe(3);
  }, 150_000);
});

describe("the queues board (bull-board)", () => {
  it("opens for an operator's admin key, as Bearer or as a browser's Basic auth", async () => {
    const page = await app.inject({ url: "/admin/queues", headers: bearer(operator) });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("cardmerge queues");
    const basic = `Basic ${Buffer.from(`ops:${operator}`).toString("base64")}`;
    const api = await app.inject({
      url: "/admin/queues/api/queues",
      headers: { authorization: basic },
    });
    expect(api.statusCode).toBe(200);
    expect(api.json().queues.map((q: { name: string }) => q.name)).toEqual(["cardmerge"]);
  });

  it("asks for a key without one (401), and hides itself from any other key (404)", async () => {
    for (const url of ["/admin/queues", "/admin/queues/api/queues"]) {
      const none = await app.inject({ url });
      expect(none.statusCode).toBe(401);
      expect(none.headers["www-authenticate"]).toMatch(/^Basic /);
      for (const secret of [customerAdmin, campaignsOnly]) {
        const other = await app.inject({ url, headers: bearer(secret) });
        expect(other.statusCode).toBe(404);
        expect(other.body).not.toContain("cardmerge queues");
      }
    }
    // Its actions too: a customer cannot empty the queue.
    const clean = await app.inject({
      method: "PUT",
      url: "/admin/queues/api/queues/cardmerge/clean/failed",
      headers: bearer(customerAdmin),
    });
    expect(clean.statusCode).toBe(404);
  });

  it("stays out of the OpenAPI document; /metrics is in it", async () => {
    const doc = (await app.inject({ url: "/openapi.json" })).json();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/admin"))).toEqual([]);
    expect(doc.paths["/metrics"]?.get?.summary).toMatch(/Prometheus/);
  });
});
