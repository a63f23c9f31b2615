/**
 * The API as `npm start` runs it (dist/, V8 heap capped, two malloc arenas), in a test's own schema
 * and Redis prefix, with its log kept: for attacks that must be tried on the real process (memory,
 * crashes, what reaches the log).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Config } from "../../src/config.ts";
import { ENTRY, freePort, productionNode, waitForHttp } from "./node-process.ts";

export interface ApiProcess {
  base: string;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far (its log). */
  log(): string;
  /** Still running: neither exited nor killed. */
  alive(): boolean;
  /** Resident memory now and at its peak (VmRSS, VmHWM), in MB. */
  memoryMb(): { rss: number; peak: number };
  /** fetch against the process, with the key's bearer header and a JSON or raw body. */
  request(path: string, init?: RequestOptions): Promise<Response>;
  /** Milliseconds /healthz took to answer 200; throws when the process is gone or does not answer. */
  health(): Promise<number>;
  stop(): Promise<void>;
}

export interface RequestOptions {
  method?: string;
  secret?: string;
  json?: unknown;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

export async function startApi(
  config: Config,
  env: Record<string, string> = {},
): Promise<ApiProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...productionNode.args, ENTRY.api], {
    env: {
      ...process.env,
      ...productionNode.env,
      DATABASE_URL: config.databaseUrl,
      DATABASE_SCHEMA: config.databaseSchema,
      REDIS_URL: config.redisUrl,
      REDIS_PREFIX: config.redisPrefix,
      STORAGE_DIR: config.storageDir,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`).catch((error: Error) => {
    child.kill("SIGKILL");
    throw new Error(`${error.message}: ${output}`);
  });
  const pid = child.pid as number;
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    base,
    pid,
    log: () => output,
    alive,
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
      if (!alive()) throw new Error(`the API process is gone: ${output.slice(-2000)}`);
      const started = performance.now();
      const res = await fetch(`${base}/healthz`);
      if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
      return performance.now() - started;
    },
    memoryMb() {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const mb = (field: string) =>
        Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
      return { rss: mb("VmRSS"), peak: mb("VmHWM") };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A JSON answer, for assertions on its fields. */
// biome-ignore lint/suspicious/noExplicitAny: tests read answers of every shape; expect() checks them.
export async function jsonOf(res: Response): Promise<any> {
  return res.json();
}
