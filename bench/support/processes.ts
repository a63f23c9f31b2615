/**
 * Benchmarks run the real processes: the API (`src/server.ts`) and the workers (`workers/main.ts`)
 * as children, in a schema and Redis prefix of their own, and read their peak memory from /proc.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import pg from "pg";
import { loadConfig } from "../../src/config.ts";
import { ensureDatabase, migrate } from "../../src/db/migrate.ts";
import { createPool } from "../../src/db/pool.ts";
import { createAccountsService } from "../../src/modules/accounts/accounts.service.ts";

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A fresh schema and Redis prefix for one benchmark run. */
export async function benchEnvironment(name: string) {
  const schema = `bench_${name}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_SCHEMA: schema,
    REDIS_PREFIX: `cardmerge-bench:${name}`,
  });
  await ensureDatabase(config.databaseUrl);
  const client = new pg.Client({ connectionString: config.databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
  await migrate(config);
  execFileSync("redis-cli", [
    "-u",
    config.redisUrl,
    "--scan",
    "--pattern",
    `${config.redisPrefix}:*`,
  ])
    .toString()
    .split("\n")
    .filter(Boolean)
    .forEach((key) => {
      execFileSync("redis-cli", ["-u", config.redisUrl, "del", key]);
    });
  return {
    config,
    env: {
      DATABASE_URL: config.databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: config.redisUrl,
      REDIS_PREFIX: config.redisPrefix,
      STORAGE_DIR: `out/bench-${name}-storage`,
      LOG_LEVEL: "warn",
    },
  };
}

/**
 * The way `npm start` / `npm run worker` run a process: V8 heap capped at HEAP_MB (default 256) and
 * two malloc arenas. Benchmarks that report a process's memory should measure it this way.
 */
export const productionNode = {
  args: [`--max-old-space-size=${process.env.HEAP_MB ?? 256}`],
  env: { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2" },
};

/** BENCH_NODE_ARGS adds Node flags to the children, e.g. "--cpu-prof --cpu-prof-dir=out/prof". */
export function startProcess(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): ChildProcess {
  const extra = (process.env.BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...extra, "--import", "tsx", script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return child;
}

export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

/** Peak resident memory (VmHWM) of a process, in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Child process ids of a process (the worker supervisor's workers). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/**
 * The API as `npm start` runs it (heap cap, malloc arenas), in a fresh bench environment, and an
 * account's key to call it with.
 */
export async function startBenchApi(name: string) {
  const { config, env } = await benchEnvironment(name);
  const port = await freePort();
  const api = startProcess(
    "src/server.ts",
    {
      ...env,
      ...productionNode.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      RATE_LIMIT_MAX: "100000",
    },
    productionNode.args,
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`);
  const pool = createPool(config, 2);
  const { secret } = await createAccountsService({ pool }).createAccount({ name: "Bench Co" });
  await pool.end();
  return { api, base, env, auth: { authorization: `Bearer ${secret}` } };
}

/** `npm run worker` as it runs by default (one worker process per core). */
export function startBenchWorkers(env: Record<string, string>): ChildProcess {
  return startProcess("workers/main.ts", { ...env, ...productionNode.env }, productionNode.args);
}
