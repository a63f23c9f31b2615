/**
 * Real Node processes for tests and benchmarks: the API and workers started as `npm start` and
 * `npm run worker` start them (the built JavaScript in dist/), their readiness, their peak memory
 * from /proc, a clean stop.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** The entry points `npm start` and `npm run worker` run, once {@link build} has compiled them. */
export const ENTRY = { api: "dist/src/server.js", worker: "dist/workers/main.js" } as const;

let built = false;

/**
 * `npm run build`: compiles src/ and workers/ into dist/ (incremental: about a second when
 * current), once per process however many entry points it starts.
 */
export function build(): void {
  if (built) return;
  execFileSync("node_modules/.bin/tsc", ["-b", "tsconfig.build.json"], { stdio: "inherit" });
  built = true;
}

/**
 * The way `npm start` runs the API: V8 heap capped at HEAP_MB (default 256) and two malloc arenas.
 * Benchmarks that report a process's memory or speed should run it this way.
 */
export const productionNode = {
  args: [`--max-old-space-size=${process.env.HEAP_MB ?? 256}`],
  env: { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2" },
};

/**
 * The way `npm run worker` runs a process that draws cards: as the API, and its old space sized
 * at HEAP_INITIAL_MB (default 128) from the start (see initialOldSpaceMb in render-pool.ts).
 */
export const productionWorkerNode = {
  args: [...productionNode.args, `--initial-old-space-size=${process.env.HEAP_INITIAL_MB ?? 128}`],
  env: productionNode.env,
};

/** BENCH_NODE_ARGS adds Node flags to the children, e.g. "--cpu-prof --cpu-prof-dir=out/prof". */
export function startProcess(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): ChildProcess {
  const extra = (process.env.BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...extra, script], {
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
