/**
 * Benchmarks run the real processes, built as `npm start` and `npm run worker` run them, as
 * children, in a schema and Redis prefix of their own, and read their peak memory from /proc.
 */
import { type ChildProcess, execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import pg from "pg";
import { loadConfig } from "../../src/config.ts";
import { ensureDatabase, migrate } from "../../src/db/migrate.ts";
import {
  build,
  childPids,
  ENTRY,
  freePort,
  productionNode,
  productionWorkerNode,
  startProcess,
  waitForHttp,
} from "../../test/support/node-process.ts";

export { childPids, peakRssMb, stop } from "../../test/support/node-process.ts";

import { createPool } from "../../src/db/pool.ts";
import { createAccountsService } from "../../src/modules/accounts/accounts.service.ts";

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
  // The schema is new, so nothing in the last run's storage is named any more: it goes too
  // (a 5,000-card day left about 150 MB there per run).
  const storageDir = `out/bench-${name}-storage`;
  rmSync(storageDir, { recursive: true, force: true });
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
      STORAGE_DIR: storageDir,
      LOG_LEVEL: "warn",
    },
  };
}

/**
 * The API as `npm start` runs it (heap cap, malloc arenas), in a fresh bench environment, and an
 * account's key to call it with.
 */
export async function startBenchApi(name: string, extraEnv: Record<string, string> = {}) {
  const { config, env } = await benchEnvironment(name);
  const port = await freePort();
  build();
  const api = startProcess(
    ENTRY.api,
    {
      ...env,
      ...productionNode.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      RATE_LIMIT_MAX: "100000",
      ...extraEnv,
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
  build();
  return startProcess(
    ENTRY.worker,
    { ...env, ...productionWorkerNode.env },
    productionWorkerNode.args,
  );
}

/** A process and all its descendants (a worker supervisor, its workers, their render processes). */
export function processTree(pid: number): number[] {
  return [pid, ...childPids(pid).flatMap(processTree)];
}

/**
 * CPU seconds (user + system) a process tree has used so far, including descendants that have
 * exited and been waited for (cutime, cstime), from /proc in clock ticks of 1/100 s.
 */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      return sum + (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
    } catch {
      return sum;
    }
  }, 0);
}

/** Peak resident memory of every process of a tree, in MB, largest first. */
export function treePeakRssMb(pid: number): number[] {
  return processTree(pid)
    .flatMap((p) => {
      try {
        const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1];
        return kb ? [Math.round(Number(kb) / 1024)] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => b - a);
}

/**
 * CPU seconds (user + system) used so far by each PostgreSQL backend serving a process: the
 * backends at the far end of its TCP connections to port 5432, found with `ss -tnp`, by backend
 * pid. On a shared machine the API's and PostgreSQL's CPU together say more about an import than
 * its wall time. Undefined without ss; empty when no backend is seen (none connected yet, or
 * PostgreSQL elsewhere or in a container).
 */
export function pgBackendCpu(pid: number): Map<number, number> | undefined {
  let lines: string[];
  try {
    lines = execFileSync("ss", ["-tnpH"]).toString().split("\n");
  } catch {
    return undefined;
  }
  const fields = lines.map((l) => l.trim().split(/\s+/));
  const port = (address: string | undefined) => address?.slice(address.lastIndexOf(":") + 1);
  // The process's own sockets to PostgreSQL: local address is field 3, peer is field 4.
  const ours = new Set(
    fields
      .filter((f) => port(f[4]) === "5432" && f.join(" ").includes(`pid=${pid},`))
      .map((f) => port(f[3])),
  );
  const cpu = new Map<number, number>();
  for (const f of fields) {
    if (port(f[3]) !== "5432" || !ours.has(port(f[4]))) continue;
    const backend = Number(/pid=(\d+),/.exec(f.join(" "))?.[1]);
    try {
      const stat = readFileSync(`/proc/${backend}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      cpu.set(backend, (Number(stat[11]) + Number(stat[12])) / 100);
    } catch {}
  }
  return cpu;
}

/**
 * CPU seconds the backends used between two {@link pgBackendCpu} readings (a backend new since the
 * first in full); undefined when the second saw none.
 */
export function pgCpuBetween(
  before: Map<number, number> | undefined,
  after: Map<number, number> | undefined,
): number | undefined {
  if (!before || !after || after.size === 0) return undefined;
  let seconds = 0;
  for (const [backend, total] of after) seconds += total - (before.get(backend) ?? 0);
  return seconds;
}
