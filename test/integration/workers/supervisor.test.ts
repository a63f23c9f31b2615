/**
 * The worker supervisor (`npm run worker` with WORKER_PROCESSES > 1) as a terminal and a crash see
 * it: Ctrl-C stops every worker gracefully, once; a supervisor killed outright leaves no orphans.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childPids } from "../../support/node-process.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

let ctx: TestContext;
const started: WorkerProcess[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await Promise.all(started.map((w) => stopWorker(w, "SIGKILL")));
  await ctx.close();
});

/** A supervisor with two worker processes, in a process group of its own, once both are ready. */
async function supervisor(): Promise<{ worker: WorkerProcess; children: number[] }> {
  const worker = startWorker(
    ctx.config,
    { WORKER_PROCESSES: "2", LOG_LEVEL: "info" },
    { detached: true },
  );
  started.push(worker);
  await until(() => worker.output().split("worker ready").length - 1 === 2, 20_000, worker);
  const pid = worker.child.pid as number;
  return { worker, children: childPids(pid) };
}

async function until(done: () => boolean, ms: number, worker: WorkerProcess): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out; worker output:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("worker supervisor", () => {
  it("stops both workers gracefully on Ctrl-C (SIGINT to the whole process group)", async () => {
    const { worker, children } = await supervisor();
    expect(children).toHaveLength(2);
    process.kill(-(worker.child.pid as number), "SIGINT");
    expect(await worker.exited).toBe(0);
    const out = worker.output();
    expect(out.split("stopping: finishing jobs in flight").length - 1, out).toBe(2);
    expect(out, "a worker took the signal twice and stopped without finishing").not.toMatch(
      /second SIGINT/,
    );
    expect(children.filter(alive)).toEqual([]);
  }, 30_000);

  it("leaves no orphaned workers when the supervisor is killed with SIGKILL", async () => {
    const { worker, children } = await supervisor();
    expect(children).toHaveLength(2);
    worker.child.kill("SIGKILL");
    await worker.exited;
    const deadline = Date.now() + 10_000;
    while (children.some(alive) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(children.filter(alive)).toEqual([]);
  }, 30_000);
});
