/**
 * Server-side request forgery, end to end: endpoints whose URLs reach this machine, a worker
 * process with WEBHOOK_ALLOW_PRIVATE off, a real receiver listening on 127.0.0.1. Every attempt is
 * refused before connecting and recorded as a failed attempt with the reason; the receiver hears
 * nothing. (The API here allows private URLs so they can be saved, as if the setting had changed
 * after they were, or a name had started resolving to 127.0.0.1.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";
import { startReceiver } from "../../support/webhook-receiver.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

// biome-ignore lint/suspicious/noExplicitAny: tests read answers of every shape; expect() checks them.
type Json = Record<string, any>;

const WORKER_ENV = {
  WEBHOOK_ALLOW_PRIVATE: "false",
  WEBHOOK_RETRY_BASE_MS: "60000",
  WEBHOOK_POLL_MS: "100",
  AUTOMATION_TICK_SECONDS: "0",
};

let ctx: TestContext;
let worker: WorkerProcess;
let secret: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  ctx = await createTestContext({ ...WORKER_ENV, WEBHOOK_ALLOW_PRIVATE: "true" });
  secret = (await ctx.account()).secret;
  receiver = await startReceiver((_r, res) => res.writeHead(200).end("ok"));
  worker = startWorker(ctx.config, WORKER_ENV);
}, 60_000);

afterAll(async () => {
  await stopWorker(worker);
  await receiver?.close();
  await ctx?.close();
});

describe("with WEBHOOK_ALLOW_PRIVATE off, a delivery toward this machine", () => {
  it("is refused for every spelling of loopback, recorded as a failed attempt with the reason", async () => {
    const port = receiver.port;
    const targets: [string, RegExp][] = [
      [`http://127.0.0.1:${port}/a`, /127\.0\.0\.1 is a loopback address/],
      [
        `http://localhost:${port}/b`,
        /localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
      ],
      [`http://[::1]:${port}/c`, /::1 is a loopback address/],
      [`http://[::ffff:127.0.0.1]:${port}/d`, /IPv4-mapped/],
      [`http://0.0.0.0:${port}/e`, /unspecified/],
      [`http://2130706433:${port}/f`, /127\.0\.0\.1 is a loopback address/],
    ];
    const endpoints: Json[] = [];
    for (const [url] of targets) {
      const res = await ctx.app.inject({
        method: "POST",
        url: "/v1/webhook_endpoints",
        headers: bearer(secret),
        payload: { url: receiver.url("/ok"), event_types: ["campaign.canceled"] },
      });
      expect(res.statusCode, res.body).toBe(201);
      endpoints.push(res.json());
      // Stored as saved earlier under other rules (some of these the API never accepts now).
      await ctx.deps.pool.query("UPDATE webhook_endpoints SET url = $2 WHERE id = $1", [
        res.json().id,
        url,
      ]);
    }
    const id = await draftCampaign(ctx, secret, { recipients: 1 });
    const cancel = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/cancel`,
      headers: bearer(secret),
      payload: {},
    });
    expect(cancel.statusCode).toBe(200);

    for (const [i, endpoint] of endpoints.entries()) {
      const deadline = Date.now() + 20_000;
      let delivery: Json | undefined;
      while (!delivery?.attempts?.length) {
        if (Date.now() > deadline)
          throw new Error(`no attempt for ${targets[i]?.[0]}\n${worker.output()}`);
        await new Promise((r) => setTimeout(r, 100));
        const res = await ctx.app.inject({
          url: `/v1/webhook_endpoints/${endpoint.id}/deliveries`,
          headers: bearer(secret),
        });
        delivery = res.json().data[0];
      }
      expect(delivery.status, targets[i]?.[0]).toBe("pending"); // retried later, refused again
      expect(delivery.attempts[0]).toMatchObject({ outcome: "failed", status_code: null });
      expect(delivery.attempts[0].error).toMatch(/^refused: /);
      expect(delivery.attempts[0].error, targets[i]?.[0]).toMatch(targets[i]?.[1] as RegExp);
      expect(delivery.last_error).toBe(delivery.attempts[0].error);
    }
    expect(receiver.received).toEqual([]);
  }, 60_000);
});
