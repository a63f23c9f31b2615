/**
 * The system as `docker compose up --scale worker=3` runs it, with real processes: two API
 * processes and three worker processes (the built dist/ entries, as production starts them)
 * against one PostgreSQL, one Redis and one S3 endpoint (s3rver on loopback), nothing on a shared
 * disk. A campaign goes in through one API and out through the other; every rendered card is in
 * exactly one batch, and the rendering was spread over more than one worker.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../../src/config.ts";
import { migrate } from "../../../src/db/migrate.ts";
import { createDeps, type Deps } from "../../../src/deps.ts";
import { readWorkerSnapshots, sampleOf } from "../../../src/metrics/worker-snapshots.ts";
import { type ApiProcess, jsonOf, startApi } from "../../support/api-process.ts";
import { recipientsCsv } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { dropSchema, testConfig } from "../../support/test-context.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

const RECIPIENTS = 48;
const BUCKET = "cardmerge-multi";

let s3: S3rver;
let s3dir: string;
let localDir: string;
let config: Config;
let deps: Deps;
let env: Record<string, string>;
const apis: ApiProcess[] = [];
let workers: WorkerProcess[] = [];
let secret: string;

beforeAll(async () => {
  s3dir = await mkdtemp(path.join(tmpdir(), "cardmerge-s3-"));
  // The local storage folder every process is pointed at: it must stay empty.
  localDir = await mkdtemp(path.join(tmpdir(), "cardmerge-local-"));
  s3 = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: s3dir,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const { port } = (await s3.run()) as { port: number };
  const storageEnv = {
    STORAGE_DRIVER: "s3",
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_ACCESS_KEY_ID: "S3RVER",
    S3_SECRET_ACCESS_KEY: "S3RVER",
    STORAGE_DIR: localDir,
  };
  config = testConfig(storageEnv);
  await migrate(config);
  deps = createDeps(config, "test");
  const ops = await deps.accounts.createAccount({ name: "operations" });
  const business = await deps.accounts.createAccount({ name: "Acme Plumbing" });
  secret = business.secret;
  env = {
    ...storageEnv,
    OPERATOR_ACCOUNT_IDS: ops.account.id,
    RENDER_CHUNK_SIZE: "4",
    BATCH_SIZE: "20",
    AUTOMATION_TICK_SECONDS: "0",
    // Five Node processes and their render processes share this machine's cores with other work:
    // the render bound is wall time, and a cold render process under contention can pass 10 s.
    RENDER_TIMEOUT_MS: "60000",
    WORKER_CONCURRENCY: "1",
  };
  // One after the other: on a busy machine two cold starts at once can miss startApi's 20 s.
  apis.push(await startApi(config, env));
  apis.push(await startApi(config, env));
  // One worker process each, as one container each runs under `--scale worker=3`.
  workers = [0, 1, 2].map(() => startWorker(config, { ...env, WORKER_PROCESSES: "1" }));
  // All three ready (each publishes its metrics once its processors run) before work arrives.
  const deadline = Date.now() + 60_000;
  while ((await readWorkerSnapshots(deps.redis, config.redisPrefix)).size < 3) {
    if (Date.now() > deadline) throw new Error(workers.map((w) => w.output()).join("\n"));
    await new Promise((r) => setTimeout(r, 200));
  }
  (globalThis as { opsSecret?: string }).opsSecret = ops.secret;
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => stopWorker(w)));
  await Promise.all(apis.map((a) => a.stop()));
  if (deps) {
    const keys = await deps.redis.keys(`${config.redisPrefix}:*`);
    if (keys.length) await deps.redis.del(...keys);
    await deps.close();
    await dropSchema(config);
  }
  await s3?.close();
  await rm(s3dir, { recursive: true, force: true });
  await rm(localDir, { recursive: true, force: true });
});

describe("two API processes, three workers, one PostgreSQL, Redis and S3 endpoint", () => {
  it("completes a campaign with every card in exactly one batch, rendered by several workers", async () => {
    const [a, b] = apis as [ApiProcess, ApiProcess];
    const form = new FormData();
    form.append("file", new Blob([await noisyJpeg(1200, 1700)]), "front.jpg");
    const photo = await fetch(`${a.base}/v1/photos`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: form,
    });
    expect(photo.status).toBe(201);
    const photoId = (await jsonOf(photo)).data[0].id;
    const created = await a.request("/v1/campaigns", {
      method: "POST",
      secret,
      json: {
        name: "Spring thank-yous",
        occasion: "thank_you",
        template: "thank-you",
        format: "card_5x7",
        message: "Dear {{firstName}}, thank you for your {{lastPurchase}}.",
        merge_fields: ["lastPurchase"],
        photo_id: photoId,
        sender: { business_name: "Acme Plumbing", signature: "Maria" },
      },
    });
    expect(created.status).toBe(201);
    const id = (await jsonOf(created)).id as string;
    // The other API process reads the photo the first one stored, and takes the recipients.
    const imported = await b.request(`/v1/campaigns/${id}/recipients`, {
      method: "POST",
      secret,
      body: recipientsCsv(RECIPIENTS),
      headers: { "content-type": "text/csv" },
    });
    expect(imported.status, await imported.clone().text()).toBe(201);
    const submitted = await a.request(`/v1/campaigns/${id}/submit`, {
      method: "POST",
      secret,
      json: {},
    });
    expect(submitted.status).toBe(200);

    let campaign: { status: string; cards: Record<string, number> } | undefined;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      campaign = await jsonOf(await b.request(`/v1/campaigns/${id}`, { secret }));
      if (campaign?.status === "ready" || campaign?.status === "failed") break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(campaign?.status, JSON.stringify(campaign)).toBe("ready");
    const failed = await (
      await b.request(`/v1/campaigns/${id}/cards?status=failed`, { secret })
    ).text();
    expect(campaign?.cards, failed).toMatchObject({ rendered: RECIPIENTS });

    // Every rendered card in exactly one manifest, the manifests read back from S3 through API b.
    const batches = (
      await jsonOf(await b.request("/v1/batches?status=ready&limit=100", { secret }))
    ).data as { id: string; campaign_id: string; card_count: number }[];
    const mine = batches.filter((x) => x.campaign_id === id);
    expect(mine.length).toBe(Math.ceil(RECIPIENTS / 20));
    const inManifests: string[] = [];
    for (const batch of mine) {
      const res = await a.request(`/v1/batches/${batch.id}/manifest.csv`, { secret });
      expect(res.status).toBe(200);
      const [header, ...rows] = (await res.text()).trim().split("\r\n");
      const column = (header as string).split(",").indexOf("card_id");
      expect(column).toBeGreaterThanOrEqual(0);
      for (const row of rows) inManifests.push(row.split(",")[column] as string);
      const pdf = await b.request(`/v1/batches/${batch.id}/pdf`, { secret });
      expect(pdf.status).toBe(200);
      expect(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString(),
      ).toBe("%PDF-");
    }
    const { rows } = await deps.pool.query<{ id: string }>(
      "SELECT id FROM cards WHERE campaign_id = $1 AND status = 'rendered'",
      [id],
    );
    expect(rows.length).toBe(RECIPIENTS);
    expect(new Set(inManifests).size).toBe(inManifests.length);
    expect([...inManifests].sort()).toEqual(rows.map((r) => r.id).sort());

    // The work was spread: each worker's own count, from the snapshots it publishes to Redis.
    let perWorker: number[] = [];
    const counted = Date.now() + 20_000;
    while (Date.now() < counted) {
      const snapshots = await readWorkerSnapshots(deps.redis, config.redisPrefix);
      perWorker = [...snapshots.values()].map((m) => sampleOf(m, "cardmerge_cards_rendered_total"));
      if (perWorker.reduce((x, y) => x + y, 0) === RECIPIENTS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(perWorker.reduce((x, y) => x + y, 0)).toBe(RECIPIENTS);
    expect(perWorker.filter((n) => n > 0).length).toBeGreaterThan(1);
    // And either API's /metrics shows the cluster's sum.
    const opsSecret = (globalThis as { opsSecret?: string }).opsSecret as string;
    const text = await (await a.request("/metrics", { secret: opsSecret })).text();
    expect(text).toMatch(new RegExp(`^cardmerge_cards_rendered_total ${RECIPIENTS}$`, "m"));
    expect(text).toMatch(/^cardmerge_worker_processes_reporting 3$/m);

    // Nothing went to a local folder: every file is in the bucket.
    expect(await readdir(localDir)).toEqual([]);
    for (const p of [...apis, ...workers.map((w) => ({ alive: () => w.child.exitCode === null }))])
      expect(p.alive()).toBe(true);
  }, 240_000);
});
