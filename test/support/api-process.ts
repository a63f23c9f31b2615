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

export interface HealthzSamples {
  /** Latencies of the API's /healthz, ms. */
  api: number[];
  /** Latencies, taken in turn with the API's, of a server on this machine that does nothing else. */
  control: number[];
}

/** A node process running `code` (an ES module) that prints "ready" when it is. */
async function helper(code: string, args: string[]) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", code, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  while (!out.includes("ready\n")) {
    if (child.exitCode !== null) throw new Error(`a helper process stopped: ${out}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { child, exited, output: () => out };
}

/**
 * Times GET /healthz back to back until `stop` is called: how long the API keeps a client waiting
 * while something else runs. The client is a process of its own, so what the test process itself
 * is busy with (receiving proofs) does not count; and it times, in turn, a server that does nothing
 * else on the same machine, so a machine busy with other work shows as such.
 */
export async function sampleHealthz(base: string): Promise<{ stop(): Promise<HealthzSamples> }> {
  const control = await helper(
    `import { createServer } from "node:http";
     const server = createServer((req, res) => res.end('{"status":"ok"}'));
     server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + " ready\\n"));
     process.stdin.on("end", () => process.exit(0));
     process.stdin.resume();`,
    [],
  );
  const controlBase = `http://127.0.0.1:${control.output().split(" ")[0]}`;
  const client = await helper(
    `const [api, control] = process.argv.slice(1).map((b) => b + "/healthz");
     const samples = { api: [], control: [] };
     let running = true;
     process.stdin.on("data", () => { running = false; });
     process.stdin.resume();
     const time = async (url) => {
       const t0 = performance.now();
       const res = await fetch(url);
       await res.arrayBuffer();
       if (!res.ok) throw new Error(url + " answered " + res.status);
       return performance.now() - t0;
     };
     // A first request each, untimed: fetch loads and connects lazily.
     await time(api);
     await time(control);
     process.stdout.write("ready\\n");
     while (running) {
       samples.api.push(await time(api));
       samples.control.push(await time(control));
       await new Promise((r) => setTimeout(r, 10));
     }
     process.stdout.write(JSON.stringify(samples));
     process.exit(0);`,
    [base, controlBase],
  );
  return {
    async stop() {
      client.child.stdin?.write("stop\n");
      const code = await client.exited;
      control.child.stdin?.end();
      await control.exited;
      if (code !== 0) throw new Error(`the /healthz client failed (exit ${code})`);
      return JSON.parse(client.output().slice("ready\n".length)) as HealthzSamples;
    },
  };
}
