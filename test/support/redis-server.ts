/**
 * A Redis of the test's own: a redis-server child on a free port, without persistence (`--save ""
 * --appendonly no`), so a fault test may FLUSHALL it, kill it and start it again on the same port
 * without touching the Redis anyone else uses. Needs `redis-server` on the PATH (the Quick start's
 * Redis package has it).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Redis } from "ioredis";
import { freePort } from "./node-process.ts";

export interface RedisServer {
  url: string;
  port: number;
  /** The server's process id now (a restart changes it). */
  pid(): number;
  /** FLUSHALL: every key gone, jobs, locks, schedules and rate-limit counters alike. */
  flushAll(): Promise<void>;
  /** SIGKILL (everything in memory lost, as in a crash), then once `downMs` have passed, a new server on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function spawnServer(port: number): ChildProcess {
  return spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
    ],
    { stdio: "ignore" },
  );
}

async function ping(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const client = new Redis({
      port,
      host: "127.0.0.1",
      lazyConnect: true,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      if ((await client.ping()) === "PONG") return;
    } catch {
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once("exit", () => resolve()));

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child = spawnServer(port);
  await ping(port);
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    pid: () => child.pid as number,
    async flushAll() {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        await client.flushall();
        if ((await client.dbsize()) !== 0) throw new Error("FLUSHALL left keys behind");
      } finally {
        client.disconnect();
      }
    },
    async restart(downMs = 1000) {
      child.kill("SIGKILL");
      await exited(child);
      await new Promise((r) => setTimeout(r, downMs));
      child = spawnServer(port);
      await ping(port);
    },
    async stop() {
      child.kill("SIGKILL");
      await exited(child);
    },
  };
}
