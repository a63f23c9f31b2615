/** A real API process for tests: `npm start`'s entry and flags, in the test's schema and Redis prefix. */
import { type ChildProcess, spawn } from "node:child_process";
import type { Config } from "../../src/config.ts";
import { ENTRY, freePort, productionNode, waitForHttp } from "./node-process.ts";

export interface ApiProcess {
  child: ChildProcess;
  /** http://127.0.0.1:port */
  base: string;
  alive(): boolean;
  output(): string;
  stop(): Promise<void>;
}

export async function startApi(
  config: Config,
  env: Record<string, string> = {},
): Promise<ApiProcess> {
  const port = await freePort();
  // As `npm start` runs it: V8 heap capped at HEAP_MB, two malloc arenas.
  const child = spawn(process.execPath, [...productionNode.args, ENTRY.api], {
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
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`).catch((error: Error) => {
    child.kill("SIGKILL");
    throw new Error(`${error.message}: ${out}`);
  });
  return {
    child,
    base,
    alive,
    output: () => out,
    async stop() {
      if (alive()) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Times GET /healthz back to back until `stop` is called: how long the API keeps a client waiting
 * while something else runs. The client is a process of its own, so what the test process itself
 * is busy with (receiving proofs) does not count. Resolves with every latency, in ms.
 */
export async function sampleHealthz(base: string): Promise<{ stop(): Promise<number[]> }> {
  const client = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const url = process.argv[1] + "/healthz";
       const latencies = [];
       let running = true;
       process.stdin.on("data", () => { running = false; });
       process.stdin.resume();
       // A first request, untimed: fetch loads and connects lazily.
       await (await fetch(url)).arrayBuffer();
       process.stdout.write("ready\\n");
       while (running) {
         const t0 = performance.now();
         const res = await fetch(url);
         await res.arrayBuffer();
         if (!res.ok) throw new Error("/healthz answered " + res.status);
         latencies.push(performance.now() - t0);
         await new Promise((r) => setTimeout(r, 10));
       }
       process.stdout.write(JSON.stringify(latencies));
       process.exit(0);`,
      base,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  let out = "";
  client.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => client.on("exit", resolve));
  while (!out.startsWith("ready\n")) {
    if (client.exitCode !== null)
      throw new Error("the /healthz client stopped before it was ready");
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    async stop() {
      client.stdin?.write("stop\n");
      const code = await exited;
      if (code !== 0) throw new Error(`the /healthz client failed (exit ${code})`);
      return JSON.parse(out.slice("ready\n".length)) as number[];
    },
  };
}
