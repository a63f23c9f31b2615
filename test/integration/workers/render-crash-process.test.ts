/**
 * A card whose render kills its worker process, with real worker processes (dist/, as `npm run
 * worker` runs them) killed with SIGKILL in the middle of that card. To be certain the kill lands
 * mid-card, the card's photo is a FIFO in storage: reading it never returns, as a render that never
 * comes back. Its start is on record before that; after two such crashes the next worker fails the
 * card (render_crash) without touching it again, and the campaign and the worker go on.
 */
import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign, uploadPhoto, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

const WORKER_ENV = {
  // Short, so a killed worker's job comes back soon; not 1 s, which a loaded machine's worker
  // failed to renew in time (its job stalled and the card started twice before any kill).
  WORKER_LOCK_MS: "5000",
  RECONCILE_SECONDS: "1",
  RENDER_CHUNK_SIZE: "1",
  WORKER_CONCURRENCY: "2",
};

let ctx: TestContext;
let secret: string;
let fifo: string | undefined;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  secret = (await ctx.account()).secret;
});
afterAll(async () => {
  await Promise.all(workers.map((w) => stopWorker(w, "SIGKILL")));
  if (fifo) await rm(fifo, { force: true });
  await ctx.close();
});

function worker(): WorkerProcess {
  const w = startWorker(ctx.config, WORKER_ENV);
  workers.push(w);
  return w;
}

interface CardState {
  id: string;
  status: string;
  failure_reason: string | null;
  render_starts: number;
  render_ends: number;
}

async function card(id: string): Promise<CardState> {
  const { rows } = await ctx.deps.pool.query<CardState>(
    "SELECT id, status, failure_reason, render_starts, render_ends FROM cards WHERE id = $1",
    [id],
  );
  return rows[0] as CardState;
}

/** Polls PostgreSQL until `done` holds (or fails the test with the last state and the worker's output). */
async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  w: WorkerProcess,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out at ${JSON.stringify(value)}; worker output:\n${w.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (w: WorkerProcess) => w.child.exitCode === null && w.child.signalCode === null;

describe("a card whose render kills its worker process", () => {
  it("is on record before it starts, is failed render_crash after two crashes, and the rest goes on", async () => {
    const photoId = await uploadPhoto(ctx, secret, "porch.jpg", await noisyJpeg(400, 300));
    const id = await draftCampaign(ctx, secret, {
      recipients: 3,
      extraRows: ["Ann,Hang,1 A St,Boston,MA,02134,porch"],
    });
    await ctx.deps.pool.query(
      "UPDATE recipients SET photo_id = $2 WHERE campaign_id = $1 AND data->>'lastName' = 'Hang'",
      [id, photoId],
    );
    const { rows: masters } = await ctx.deps.pool.query<{ master_key: string }>(
      "SELECT master_key FROM photos WHERE id = $1",
      [photoId],
    );
    fifo = path.join(ctx.config.storageDir, (masters[0] as { master_key: string }).master_key);
    await rm(fifo);
    execFileSync("mkfifo", [fifo]);

    const submitted = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/submit`,
      headers: bearer(secret),
    });
    expect(submitted.statusCode).toBe(200);
    const { rows } = await ctx.deps.pool.query<{ id: string }>(
      "SELECT id FROM cards WHERE campaign_id = $1 AND data->>'lastName' = 'Hang'",
      [id],
    );
    const hung = (rows[0] as { id: string }).id;

    // First worker: the other cards render; this one is started and never comes back.
    const first = worker();
    const rendered = async () =>
      (
        await ctx.deps.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM cards WHERE campaign_id = $1 AND status = 'rendered'",
          [id],
        )
      ).rows[0]?.n ?? 0;
    await until(rendered, (n) => n === 3, first);
    await until(
      () => card(hung),
      (c) => c.render_starts === 1,
      first,
    );
    first.child.kill("SIGKILL");
    await first.exited;
    // The start was counted before the card's work began, and survives the kill.
    expect(await card(hung)).toMatchObject({ status: "pending", render_starts: 1, render_ends: 0 });

    // Second worker: the stalled job comes back, the card starts again and hangs again.
    const second = worker();
    await until(
      () => card(hung),
      (c) => c.render_starts === 2,
      second,
    );
    second.child.kill("SIGKILL");
    await second.exited;
    expect(await card(hung)).toMatchObject({ status: "pending", render_starts: 2, render_ends: 0 });

    // Third worker: two crashes on record, so the card is failed at once, without reading its photo
    // again (that read would hang this worker too, and the campaign would never be ready).
    const third = worker();
    const done = await waitForCampaign(ctx, secret, id, (c) => c.status === "ready", 60_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\nworker output:\n${third.output()}`);
      },
    );
    expect(done.cards).toMatchObject({ rendered: 3, failed: 1, pending: 0 });
    expect(await card(hung)).toMatchObject({ status: "failed", failure_reason: "render_crash" });

    // The worker serves the next campaign as usual.
    const next = await draftCampaign(ctx, secret, { recipients: 2 });
    await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${next}/submit`,
      headers: bearer(secret),
    });
    await waitForCampaign(ctx, secret, next, (c) => c.status === "ready", 60_000);
    expect(alive(third), third.output()).toBe(true);
  }, 180_000);
});
