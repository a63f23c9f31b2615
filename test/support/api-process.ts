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
  stop(): Promise<void>;
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
  return {
    base,
    pid,
    log: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
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
