/**
 * Webhook delivery by real worker processes from the PostgreSQL outbox to a real receiver on
 * 127.0.0.1: signed (verified as the README tells integrators), retried, re-sent, delivered after
 * a worker is SIGKILLed mid-attempt, and endpoints disabled after three days of failures.
 * WEBHOOK_ALLOW_PRIVATE=true here: the receiver is on this machine (the SSRF rules have their own file).
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";
import {
  type Received,
  startReceiver,
  verifyCardmergeSignature,
} from "../../support/webhook-receiver.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

// biome-ignore lint/suspicious/noExplicitAny: tests read answers of every shape; expect() checks them.
type Json = Record<string, any>;

const WORKER_ENV = {
  WEBHOOK_ALLOW_PRIVATE: "true",
  WEBHOOK_RETRY_BASE_MS: "200",
  WEBHOOK_POLL_MS: "100",
  WEBHOOK_TIMEOUT_MS: "2000",
  AUTOMATION_TICK_SECONDS: "0",
};

let ctx: TestContext;
let worker: WorkerProcess;
let secret: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const failuresLeft = new Map<string, number>();
/** Requests to /hold/… are left unanswered once, then answered 200. */
const held = new Set<string>();

beforeAll(async () => {
  ctx = await createTestContext(WORKER_ENV);
  secret = (await ctx.account()).secret;
  receiver = await startReceiver((r, res) => {
    const left = failuresLeft.get(r.path) ?? 0;
    if (r.path.startsWith("/hold/") && !held.has(r.path)) {
      held.add(r.path);
      return; // never answered: the worker is killed while it waits
    }
    if (r.path.startsWith("/redirect/")) {
      res.writeHead(302, { location: receiver.url("/redirected-here") }).end();
      return;
    }
    if (r.path.startsWith("/always-500/") || left > 0) {
      failuresLeft.set(r.path, left - 1);
      res.writeHead(500).end("down");
      return;
    }
    res.writeHead(200).end("ok");
  });
  worker = startWorker(ctx.config, WORKER_ENV);
}, 60_000);

afterAll(async () => {
  await stopWorker(worker);
  await receiver?.close();
  await ctx?.close();
});

async function createEndpoint(path: string, types = ["campaign.canceled"], key = secret) {
  const res = await ctx.app.inject({
    method: "POST",
    url: "/v1/webhook_endpoints",
    headers: bearer(key),
    payload: { url: receiver.url(path), event_types: types },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Json;
}

/** A change that makes one campaign.canceled event; returns the campaign's id. */
async function cancelACampaign(key = secret): Promise<string> {
  const id = await draftCampaign(ctx, key, { recipients: 1 });
  const res = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${id}/cancel`,
    headers: bearer(key),
    payload: {},
  });
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

async function deliveriesOf(endpointId: string): Promise<Json[]> {
  const res = await ctx.app.inject({
    url: `/v1/webhook_endpoints/${endpointId}/deliveries`,
    headers: bearer(secret),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

async function waitForDeliveries(endpointId: string, until: (d: Json[]) => boolean) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = await deliveriesOf(endpointId);
    if (until(d)) return d;
    if (Date.now() > deadline)
      throw new Error(`deliveries not there in time: ${JSON.stringify(d)}\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const at = (path: string) => (all: Received[]) => all.filter((r) => r.path === path);

describe("a signed delivery", () => {
  it("reaches the receiver once the change commits, and verifies with the endpoint's secret", async () => {
    const endpoint = await createEndpoint("/signed/1");
    expect(endpoint.secret).toMatch(/^whsec_/);
    const campaignId = await cancelACampaign();
    const [request] = at("/signed/1")(
      await receiver.waitFor((all) => at("/signed/1")(all).length >= 1),
    );
    expect(request?.headers["content-type"]).toBe("application/json");
    const header = request?.headers["cardmerge-signature"] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyCardmergeSignature(header, request?.body ?? "", endpoint.secret)).toBe(true);

    const event = JSON.parse(request?.body ?? "{}");
    expect(event).toMatchObject({ object: "event", type: "campaign.canceled" });
    expect(event.data.object).toMatchObject({ id: campaignId, status: "cancelled" });
    const listed = await ctx.app.inject({ url: `/v1/events/${event.id}`, headers: bearer(secret) });
    expect(listed.json()).toEqual(event);

    const [delivery] = await waitForDeliveries(endpoint.id, (d) => d[0]?.status === "succeeded");
    expect(delivery).toMatchObject({
      event_id: event.id,
      event_type: "campaign.canceled",
      last_status_code: 200,
    });
    expect(delivery?.attempts).toMatchObject([{ status_code: 200, outcome: "succeeded" }]);
  });

  it("is refused by the receiver's check when the body, the secret or the time is wrong", async () => {
    const [request] = at("/signed/1")(receiver.received);
    const header = request?.headers["cardmerge-signature"] as string;
    const body = request?.body ?? "";
    expect(verifyCardmergeSignature(header, `${body} `, "whsec_x")).toBe(false);
    expect(verifyCardmergeSignature(header, body.replace("canceled", "cancelled"), "whsec_x")).toBe(
      false,
    );
    const endpoint = (
      await ctx.app.inject({ url: "/v1/webhook_endpoints", headers: bearer(secret) })
    ).json().data[0];
    expect(endpoint.secret).toBeUndefined(); // shown once only
    // A replay: a valid signature made ten minutes ago.
    const old = Math.floor(Date.now() / 1000) - 600;
    const key = "whsec_test";
    const sig = createHmac("sha256", key).update(`${old}.${body}`).digest("hex");
    expect(verifyCardmergeSignature(`t=${old},v1=${sig}`, body, key)).toBe(false);
    const now = Math.floor(Date.now() / 1000);
    const fresh = createHmac("sha256", key).update(`${now}.${body}`).digest("hex");
    expect(verifyCardmergeSignature(`t=${now},v1=${fresh}`, body, key)).toBe(true);
  });

  it("after a roll, carries signatures for the new and the previous secret", async () => {
    const endpoint = await createEndpoint("/rolled/1");
    const rolled = await ctx.app.inject({
      method: "POST",
      url: `/v1/webhook_endpoints/${endpoint.id}/roll_secret`,
      headers: bearer(secret),
    });
    expect(rolled.statusCode, rolled.body).toBe(200);
    const fresh = rolled.json();
    expect(fresh.secret).not.toBe(endpoint.secret);
    expect(Date.parse(fresh.previous_secret_expires_at) - Date.now()).toBeGreaterThan(
      23 * 3600_000,
    );
    await cancelACampaign();
    const [request] = at("/rolled/1")(
      await receiver.waitFor((all) => at("/rolled/1")(all).length >= 1),
    );
    const header = request?.headers["cardmerge-signature"] as string;
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifyCardmergeSignature(header, request?.body ?? "", fresh.secret)).toBe(true);
    expect(verifyCardmergeSignature(header, request?.body ?? "", endpoint.secret)).toBe(true);
  });
});

describe("retries", () => {
  it("a receiver that answers 500 three times then 200 gets the event once it recovers, with the same id", async () => {
    failuresLeft.set("/flaky/1", 3);
    const endpoint = await createEndpoint("/flaky/1");
    await cancelACampaign();
    const requests = at("/flaky/1")(
      await receiver.waitFor((all) => at("/flaky/1")(all).length >= 4),
    );
    const ids = requests.map((r) => JSON.parse(r.body).id);
    expect(new Set(ids).size).toBe(1);
    const [delivery] = await waitForDeliveries(endpoint.id, (d) => d[0]?.status === "succeeded");
    expect(delivery?.attempts.map((a: Json) => a.status_code)).toEqual([500, 500, 500, 200]);
    expect(delivery?.attempt_count).toBe(4);
  });

  it("follows no redirect: a 3xx is a failed attempt, and the target is never called", async () => {
    const endpoint = await createEndpoint("/redirect/1");
    await cancelACampaign();
    const [delivery] = await waitForDeliveries(
      endpoint.id,
      (d) => (d[0]?.attempts.length ?? 0) >= 2,
    );
    expect(delivery?.attempts[0]).toMatchObject({ status_code: 302, outcome: "failed" });
    expect(delivery?.attempts[0].error).toMatch(/redirects are not followed/);
    expect(receiver.received.some((r) => r.path === "/redirected-here")).toBe(false);
  });

  it("re-sends a delivery on request, with the same event id", async () => {
    const endpoint = await createEndpoint("/resend/1");
    await cancelACampaign();
    const [first] = await waitForDeliveries(endpoint.id, (d) => d[0]?.status === "succeeded");
    const retried = await ctx.app.inject({
      method: "POST",
      url: `/v1/webhook_endpoints/${endpoint.id}/deliveries/${first?.id}/retry`,
      headers: bearer(secret),
    });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json().status).toBe("pending");
    const requests = at("/resend/1")(
      await receiver.waitFor((all) => at("/resend/1")(all).length >= 2),
    );
    expect(JSON.parse(requests[1]?.body ?? "{}").id).toBe(first?.event_id);
  });
});

describe("a worker killed between the change and the delivery", () => {
  it("still delivers: another worker takes the delivery up from PostgreSQL", async () => {
    const endpoint = await createEndpoint("/hold/1");
    await cancelACampaign();
    // The attempt is in flight (the receiver holds it): kill the worker without a chance to finish.
    await receiver.waitFor((all) => at("/hold/1")(all).length >= 1);
    await stopWorker(worker, "SIGKILL");
    worker = startWorker(ctx.config, WORKER_ENV);
    const requests = at("/hold/1")(await receiver.waitFor((all) => at("/hold/1")(all).length >= 2));
    expect(JSON.parse(requests[1]?.body ?? "{}").id).toBe(JSON.parse(requests[0]?.body ?? "{}").id);
    const [delivery] = await waitForDeliveries(endpoint.id, (d) => d[0]?.status === "succeeded");
    expect(delivery?.last_status_code).toBe(200);
  }, 60_000);
});

describe("an endpoint failing for three days", () => {
  it("is disabled, with a webhook_endpoint.disabled event delivered to the account's other endpoints", async () => {
    const watcher = await createEndpoint("/watcher/1", ["webhook_endpoint.*"]);
    const failing = await createEndpoint("/always-500/1");
    // Three days and an hour of failures, as if they had happened (state, not waiting).
    await ctx.deps.pool.query(
      "UPDATE webhook_endpoints SET failing_since = now() - interval '73 hours' WHERE id = $1",
      [failing.id],
    );
    await cancelACampaign();
    const [request] = at("/watcher/1")(
      await receiver.waitFor((all) => at("/watcher/1")(all).length >= 1),
    );
    const event = JSON.parse(request?.body ?? "{}");
    expect(event.type).toBe("webhook_endpoint.disabled");
    expect(event.data.object).toMatchObject({ id: failing.id, status: "disabled" });
    expect(
      verifyCardmergeSignature(
        request?.headers["cardmerge-signature"] as string,
        request?.body ?? "",
        watcher.secret,
      ),
    ).toBe(true);
    const now = (
      await ctx.app.inject({ url: `/v1/webhook_endpoints/${failing.id}`, headers: bearer(secret) })
    ).json();
    expect(now.status).toBe("disabled");
    expect(now.disabled_reason).toMatch(/three days/);
    // A disabled endpoint gets no new deliveries.
    const before = (await deliveriesOf(failing.id)).length;
    const seen = at("/signed/1")(receiver.received).length;
    await cancelACampaign();
    // The same event reached an enabled endpoint: its deliveries were queued by then.
    await receiver.waitFor((all) => at("/signed/1")(all).length > seen);
    expect((await deliveriesOf(failing.id)).length).toBe(before);
  });

  it("gives a delivery up after three days of attempts", async () => {
    const endpoint = await createEndpoint("/always-500/2");
    // The delivery is made as if the event were three days old (its transaction is the test's).
    await ctx.deps.pool.query(
      "ALTER TABLE webhook_deliveries ALTER COLUMN created_at SET DEFAULT now() - interval '73 hours'",
    );
    try {
      await cancelACampaign();
      const [delivery] = await waitForDeliveries(endpoint.id, (d) => d[0]?.status === "failed");
      expect(delivery?.attempts).toMatchObject([{ status_code: 500, outcome: "failed" }]);
      expect(delivery?.completed_at).toBeTruthy();
    } finally {
      await ctx.deps.pool.query(
        "ALTER TABLE webhook_deliveries ALTER COLUMN created_at SET DEFAULT now()",
      );
    }
  });
});
