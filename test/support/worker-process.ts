/** Real worker processes for fault tests: `npm run worker`'s entry with the test's schema and Redis prefix. */
import { type ChildProcess, spawn } from "node:child_process";
import type { Config } from "../../src/config.ts";
import { ENTRY } from "./node-process.ts";

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the process has exited. */
  exited: Promise<number | null>;
  output(): string;
}

/** `detached`: a process group of its own, so a test can signal the group as a terminal's Ctrl-C does. */
export function startWorker(
  config: Config,
  env: Record<string, string> = {},
  options: { detached?: boolean } = {},
): WorkerProcess {
  const child = spawn(process.execPath, [ENTRY.worker], {
    detached: options.detached ?? false,
    env: {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      DATABASE_SCHEMA: config.databaseSchema,
      REDIS_URL: config.redisUrl,
      REDIS_PREFIX: config.redisPrefix,
      STORAGE_DIR: config.storageDir,
      WORKER_PROCESSES: "1",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => out };
}

export async function stopWorker(
  worker: WorkerProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill(signal);
  await worker.exited;
}
