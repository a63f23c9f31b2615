/**
 * How long the API keeps a client waiting while it works: /healthz timed back to back from a
 * process of its own, beside a server that does nothing else (so a machine busy with other work
 * shows as such).
 */
import { spawn } from "node:child_process";

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
