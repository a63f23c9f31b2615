/**
 * The service as it runs in production, for attack tests: a real API process (`npm start`'s entry,
 * same flags) and a real worker process, on a test context's schema and Redis prefix, with their
 * output kept so a test can read what they logged, and a check that they are still alive.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Config } from "../../src/config.ts";
import { ENTRY, freePort, productionNode, waitForHttp } from "./node-process.ts";
import { startWorker, type WorkerProcess } from "./worker-process.ts";

export interface ApiProcess {
  child: ChildProcess;
  base: string;
  /** Everything the process wrote to stdout and stderr. */
  output(): string;
  /** fetch against the process, with the key's bearer header. */
  request(
    path: string,
    init?: {
      method?: string;
      secret?: string;
      json?: unknown;
      body?: string | Uint8Array;
      headers?: Record<string, string>;
    },
  ): Promise<Response>;
  /** Milliseconds /healthz took to answer 200; throws when the process is gone or does not answer. */
  health(): Promise<number>;
  stop(): Promise<void>;
}

export function serviceEnv(
  config: Config,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    ...productionNode.env,
    DATABASE_URL: config.databaseUrl,
    DATABASE_SCHEMA: config.databaseSchema,
    REDIS_URL: config.redisUrl,
    REDIS_PREFIX: config.redisPrefix,
    STORAGE_DIR: config.storageDir,
    LOG_LEVEL: "info",
    ...env,
  };
}

export async function startApi(
  config: Config,
  env: Record<string, string> = {},
): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...productionNode.args, ENTRY.api], {
    env: {
      ...process.env,
      ...serviceEnv(config, { HOST: "127.0.0.1", PORT: String(port), ...env }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`).catch((error: Error) => {
    throw new Error(`${error.message}: ${out}`);
  });
  return {
    child,
    base,
    output: () => out,
    request(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.secret) headers.authorization = `Bearer ${init.secret}`;
      let body = init.body;
      if (init.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(init.json);
      }
      return fetch(`${base}${path}`, { method: init.method ?? "GET", headers, body });
    },
    async health() {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `the API process is gone (${child.exitCode ?? child.signalCode}): ${out.slice(-2000)}`,
        );
      const started = performance.now();
      const res = await fetch(`${base}/healthz`);
      if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
      return performance.now() - started;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A worker process at log level info (its log is what tests read), one process. */
export function startLoggingWorker(
  config: Config,
  env: Record<string, string> = {},
): WorkerProcess {
  return startWorker(config, { LOG_LEVEL: "info", ...env });
}

export function isAlive(proc: { child: ChildProcess }): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

/** A JSON answer, for assertions on its fields. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers of every shape; expect() checks them.
export async function jsonOf(res: Response): Promise<any> {
  return res.json();
}
