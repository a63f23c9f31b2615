/**
 * The worker command. With WORKER_PROCESSES > 1 (default: one per core) it supervises that many
 * worker processes, restarting any that dies; each worker process runs the queue processors.
 * SIGTERM/SIGINT: processors finish or hand back their jobs, then connections close; a second
 * signal stops at once. A worker process whose supervisor has died stops the same way.
 */
import { fork } from "node:child_process";
import { getPriority, setPriority } from "node:os";
import closeWithGrace from "close-with-grace";
import { exitOnConfigError } from "../src/cli/exit.ts";
import { loadConfig } from "../src/config.ts";
import { createDeps } from "../src/deps.ts";
import { startMetricsPublisher } from "../src/metrics/worker-snapshots.ts";
import { startProcessors } from "./processors/index.ts";

const config = exitOnConfigError(() => loadConfig());
const isChild = process.env.CARDMERGE_WORKER_CHILD === "1";
// Below the API's priority (WORKER_NICE); children and their render processes inherit it. Never
// raised: a worker started nicer than that stays so.
try {
  if (getPriority() < config.worker.nice) setPriority(config.worker.nice);
} catch {
  // A platform or sandbox that refuses it: run at the priority given.
}

if (config.worker.processes > 1 && !isChild) {
  supervise(config.worker.processes);
} else {
  const deps = exitOnConfigError(() => createDeps(config, "worker"));
  const processors = await startProcessors(deps);
  // This process's counts reach the API's /metrics through Redis (src/metrics/worker-snapshots.ts).
  const metrics = startMetricsPublisher({ redis: deps.redis, prefix: config.redisPrefix });
  deps.renderPool.warm();
  // One stop, however many reasons arrive (a signal, then the supervisor's channel closing).
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await processors.close();
      await metrics.close();
      await deps.close();
    })());
  const shutdown = closeWithGrace(
    { delay: config.shutdownGraceSeconds * 1000 },
    async ({ signal, err }) => {
      if (err) deps.logger.error({ err }, "stopping after an error");
      else
        deps.logger.info(
          { signal: signal ?? "supervisor gone" },
          "stopping: finishing jobs in flight",
        );
      await stop();
    },
  );
  // The IPC channel to the supervisor closes when it dies, even by SIGKILL: no orphaned workers.
  // It may have closed while this process was starting: then stop now.
  if (isChild) {
    if (process.connected) process.once("disconnect", () => shutdown.close());
    else void shutdown.close();
  }
  deps.logger.info(
    { pid: process.pid, processors: processors.names, concurrency: config.worker.concurrency },
    "worker ready",
  );
}

function supervise(count: number) {
  let stopping = false;
  const children = new Set<ReturnType<typeof fork>>();
  const start = () => {
    const child = fork(new URL(import.meta.url).pathname, process.argv.slice(2), {
      env: { ...process.env, CARDMERGE_WORKER_CHILD: "1" },
      execArgv: process.execArgv,
      // A process group of its own: Ctrl-C in a terminal signals the supervisor's group, and a
      // worker that got it from both the terminal and the supervisor would take it as "stop now".
      detached: true,
    });
    children.add(child);
    child.on("exit", (code, signal) => {
      children.delete(child);
      if (stopping) {
        if (children.size === 0) process.exit(0);
        return;
      }
      process.stderr.write(`worker ${child.pid} exited (${signal ?? code}); starting another\n`);
      setTimeout(start, 1000);
    });
  };
  for (let i = 0; i < count; i++) start();
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const child of children) child.kill(signal);
    if (children.size === 0) process.exit(0);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
