/**
 * Faults in the middle of a campaign, with real worker processes, real Redis and real PostgreSQL.
 * Each must end with every card rendered into exactly one batch and no card twice.
 * Run on their own (npm test runs this folder after the rest), since one restarts PostgreSQL.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign, waitForCampaign } from "../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../support/test-context.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../support/worker-process.ts";

const CARDS = 600;
const WORKER_ENV = {
  WORKER_LOCK_MS: "3000",
  RECONCILE_SECONDS: "2",
  RENDER_CHUNK_SIZE: "10",
  WORKER_CONCURRENCY: "2",
};

let ctx: TestContext;
let secret: string;
let dir: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-faults-"));
  ctx = await createTestContext({ STORAGE_DIR: dir, BATCH_SIZE: "200", ...WORKER_ENV });
  secret = (await ctx.account()).secret;
});
afterAll(async () => {
  await Promise.all(workers.map((w) => stopWorker(w, "SIGKILL")));
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

function worker(): WorkerProcess {
  const w = startWorker(ctx.config, WORKER_ENV);
  workers.push(w);
  return w;
}

async function submitted(): Promise<string> {
  const id = await draftCampaign(ctx, secret, { recipients: CARDS });
  const res = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${id}/submit`,
    headers: bearer(secret),
    payload: {},
  });
  expect(res.statusCode).toBe(200);
  return id;
}

/** Every card is rendered, in exactly one batch, and each batch's positions run 1..n without gaps. */
async function expectExactlyOnce(campaignId: string) {
  const { rows: cards } = await ctx.deps.pool.query<{
    status: string;
    batch_id: string | null;
    batch_sequence: number | null;
  }>("SELECT status, batch_id, batch_sequence FROM cards WHERE campaign_id = $1", [campaignId]);
  expect(cards).toHaveLength(CARDS);
  expect(cards.every((c) => c.status === "rendered" && c.batch_id)).toBe(true);
  const { rows: batches } = await ctx.deps.pool.query<{
    id: string;
    card_count: number;
    status: string;
  }>("SELECT id, card_count, status FROM batches WHERE campaign_id = $1", [campaignId]);
  expect(batches.reduce((n, b) => n + b.card_count, 0)).toBe(CARDS);
  for (const b of batches) {
    expect(b.status).toBe("ready");
    const seqs = cards
      .filter((c) => c.batch_id === b.id)
      .map((c) => c.batch_sequence)
      .sort((x, y) => (x ?? 0) - (y ?? 0));
    expect(seqs).toEqual(Array.from({ length: b.card_count }, (_, i) => i + 1));
    const manifest = await ctx.deps.storage.getBuffer(
      (await ctx.deps.pool.query("SELECT manifest_key FROM batches WHERE id = $1", [b.id])).rows[0]
        .manifest_key,
    );
    const ids = manifest
      .toString()
      .trim()
      .split("\r\n")
      .slice(1)
      .map((l) => l.split(",")[3]);
    expect(new Set(ids).size).toBe(b.card_count);
    expect(ids).toHaveLength(b.card_count);
  }
}

const progress = async (id: string) =>
  (
    await ctx.deps.pool.query<{ n: number }>(
      "SELECT count(*) AS n FROM cards WHERE campaign_id = $1 AND status <> 'pending'",
      [id],
    )
  ).rows[0]?.n ?? 0;

async function whenProgress(id: string, atLeast: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const n = await progress(id).catch(() => 0);
    if (n >= atLeast) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no progress to ${atLeast} cards`);
}

describe("faults mid-campaign", () => {
  it("survives a worker killed with SIGKILL", async () => {
    const a = worker();
    const b = worker();
    const id = await submitted();
    const done = await whenProgress(id, 60);
    a.child.kill("SIGKILL");
    expect(done, "the kill must land mid-campaign").toBeLessThan(CARDS);
    await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 90_000);
    await expectExactlyOnce(id);
    await stopWorker(b);
  }, 120_000);

  it("survives Redis being emptied and the workers restarted", async () => {
    const first = [worker(), worker()];
    const id = await submitted();
    const done = await whenProgress(id, 60);
    await Promise.all(first.map((w) => stopWorker(w, "SIGKILL")));
    expect(done).toBeLessThan(CARDS);
    // FLUSHALL, limited to this test's key prefix so test files running beside it keep their keys.
    const keys = await ctx.deps.redis.keys(`${ctx.config.redisPrefix}:*`);
    if (keys.length) await ctx.deps.redis.del(...keys);
    expect(await ctx.deps.redis.keys(`${ctx.config.redisPrefix}:*`)).toEqual([]);
    worker();
    worker();
    await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 90_000);
    await expectExactlyOnce(id);
  }, 120_000);

  it("survives PostgreSQL restarting while cards render", async () => {
    worker();
    const id = await submitted();
    const done = await whenProgress(id, 60);
    const version = execFileSync("ls", ["/etc/postgresql"])
      .toString()
      .trim()
      .split("\n")[0] as string;
    execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "restart"], {
      stdio: "ignore",
    });
    expect(done).toBeLessThan(CARDS);
    await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 90_000).catch(
      async (error) => {
        throw new Error(
          `${(error as Error).message}\nworker output:\n${workers
            .map((w) => w.output())
            .join("\n")
            .slice(-3000)}`,
        );
      },
    );
    await expectExactlyOnce(id);
  }, 150_000);
});
