/**
 * A whole campaign through the generated client (clients/typescript), end to end: the real API
 * process and a real worker process, a webhook endpoint on a local receiver, a campaign with a CSV
 * and a photo, a proof, submit, ready, a batch listed, downloaded and acknowledged. The receiver
 * checks every delivery's Cardmerge-Signature with a check written from the README alone.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type CardmergeClient,
  createCardmergeClient,
  formData,
} from "../../../clients/typescript/index.ts";
import { type ApiProcess, startApi } from "../../support/api-process.ts";
import { recipientsCsv } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";
import { type Received, startReceiver } from "../../support/webhook-receiver.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

const ENV = {
  WEBHOOK_ALLOW_PRIVATE: "true",
  WEBHOOK_RETRY_BASE_MS: "200",
  WEBHOOK_POLL_MS: "100",
  AUTOMATION_TICK_SECONDS: "0",
};

/**
 * From the README: `Cardmerge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw
 * body>">`, one or more v1 values, verified over the raw body; old timestamps are replays.
 */
function signatureValid(header: string | undefined, rawBody: string, secret: string): boolean {
  const fields = (header ?? "").split(",").map((f) => f.trim().split("="));
  const t = fields.find(([k]) => k === "t")?.[1];
  if (!t || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const mac = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
  return fields.some(([k, v]) => {
    const given = k === "v1" && v ? Buffer.from(v, "hex") : Buffer.alloc(0);
    return given.length === mac.length && timingSafeEqual(given, mac);
  });
}

let ctx: TestContext;
let api: ApiProcess;
let worker: WorkerProcess;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let client: CardmergeClient;

beforeAll(async () => {
  ctx = await createTestContext(ENV);
  receiver = await startReceiver((_r, res) => res.writeHead(200).end("ok"));
  api = await startApi(ctx.config, ENV);
  worker = startWorker(ctx.config, ENV);
  const { secret } = await ctx.account({ name: "Acme Plumbing" });
  client = createCardmergeClient({ baseUrl: api.base, apiKey: secret });
}, 120_000);

afterAll(async () => {
  if (worker) await stopWorker(worker);
  await api?.stop();
  await receiver?.close();
  await ctx?.close();
});

/** The answer's data, or a failure that shows the problem+json the API sent. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${result.response.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

it("runs a campaign from creation to an acknowledged batch, with signed webhooks", async () => {
  const endpoint = ok(
    await client.POST("/v1/webhook_endpoints", {
      body: { url: receiver.url("/cardmerge"), event_types: ["campaign.ready", "batch.ready"] },
    }),
  );

  const photo = new File([new Uint8Array(await noisyJpeg(900, 640))], "front.jpg", {
    type: "image/jpeg",
  });
  const photos = ok(
    await client.POST("/v1/photos", { body: { file: photo }, bodySerializer: formData }),
  );
  const photoId = photos.data[0]?.id;
  expect(photoId).toMatch(/^ph/);

  const campaign = ok(
    await client.POST("/v1/campaigns", {
      body: {
        name: "Autumn thank-yous",
        occasion: "thank_you",
        template: "thank-you",
        format: "card_5x7",
        message: "Dear {{firstName}}, thank you for your {{lastPurchase}}.",
        merge_fields: ["lastPurchase"],
        sender: { business_name: "Acme Plumbing", signature: "Maria" },
        photo_id: photoId,
      },
    }),
  );
  const path = { id: campaign.id };

  const imported = ok(
    await client.POST("/v1/campaigns/{id}/recipients", {
      params: { path },
      body: recipientsCsv(3),
      bodySerializer: (csv) => csv,
      headers: { "content-type": "text/csv" },
    }),
  );
  expect(imported).toMatchObject({ imported: 3 });

  const recipients = ok(await client.GET("/v1/campaigns/{id}/recipients", { params: { path } }));
  const first = recipients.data[0];
  if (!first) throw new Error("no recipient listed");
  const proof = await client.GET("/v1/campaigns/{id}/recipients/{rid}/proof.pdf", {
    params: { path: { id: campaign.id, rid: first.id } },
    parseAs: "arrayBuffer",
  });
  expect(proof.response.headers.get("content-type")).toBe("application/pdf");
  expect(Buffer.from(ok(proof)).subarray(0, 5).toString()).toBe("%PDF-");

  // Every option of submit is optional: no body at all means "now".
  ok(await client.POST("/v1/campaigns/{id}/submit", { params: { path } }));
  let status = "";
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    status = ok(await client.GET("/v1/campaigns/{id}", { params: { path } })).status;
    if (status === "ready" || status === "failed") break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(status, worker.output()).toBe("ready");

  const batches = ok(await client.GET("/v1/batches", { params: { query: { status: "ready" } } }));
  const batch = batches.data.find((b) => b.campaign_id === campaign.id);
  if (!batch) throw new Error(`no ready batch of the campaign: ${JSON.stringify(batches)}`);
  expect(batch.cards).toBe(3);
  const zip = await client.GET("/v1/batches/{id}/zip", {
    params: { path: { id: batch.id } },
    parseAs: "arrayBuffer",
  });
  expect(zip.response.status).toBe(200);
  expect(Buffer.from(ok(zip)).subarray(0, 2).toString()).toBe("PK");
  const acknowledged = ok(
    await client.POST("/v1/batches/{id}/acknowledge", {
      params: { path: { id: batch.id } },
      body: { status: "printed" },
    }),
  );
  expect(acknowledged.status).toBe("printed");

  // Errors come back typed as the shared problem+json.
  const missing = await client.GET("/v1/campaigns/{id}", { params: { path: { id: "cmp_nope" } } });
  expect(missing.response.status).toBe(404);
  expect(missing.error).toMatchObject({ status: 404, title: "Not found" });

  const types = (all: Received[]) => all.map((r) => JSON.parse(r.body).type as string);
  const arrived = await receiver.waitFor(
    (all) => types(all).includes("campaign.ready") && types(all).includes("batch.ready"),
    60_000,
  );
  for (const delivery of arrived) {
    const sig = delivery.headers["cardmerge-signature"] as string | undefined;
    expect(signatureValid(sig, delivery.body, endpoint.secret), delivery.body).toBe(true);
    // A tampered body or another secret does not verify.
    expect(signatureValid(sig, `${delivery.body} `, endpoint.secret)).toBe(false);
    expect(signatureValid(sig, delivery.body, "whsec_other")).toBe(false);
  }
  const ready = arrived.map((r) => JSON.parse(r.body));
  expect(ready.find((e) => e.type === "campaign.ready")?.data.object.id).toBe(campaign.id);
  expect(ready.find((e) => e.type === "batch.ready")?.data.object.id).toBe(batch.id);
}, 240_000);
