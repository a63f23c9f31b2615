/**
 * The README's "A campaign with curl", pasted as written into bash (with `set -euo pipefail`, so
 * any failing step fails the test), against the API and a worker started as `npm start` and
 * `npm run worker` start them, in this test's own schema and Redis prefix. Its `npx cardmerge`
 * reaches the same schema through the environment, as a reader's shell would reach theirs.
 */
import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { promisify } from "node:util";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiProcess, startApi } from "../../support/api-process.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";
import { zipEntryNames } from "../../support/zip-fixtures.ts";

const run = promisify(execFile);
const OUT = ["out/proof.png", "out/proof.pdf", "out/batch.zip"];

let ctx: TestContext;
let api: ApiProcess;
let worker: WorkerProcess;

beforeAll(async () => {
  ctx = await createTestContext();
  await Promise.all(OUT.map((f) => rm(f, { force: true })));
  api = await startApi(ctx.config);
  worker = startWorker(ctx.config, { LOG_LEVEL: "info" });
}, 60_000);
afterAll(async () => {
  await api?.stop();
  if (worker) await stopWorker(worker);
  await ctx.close();
});

/** The first ```sh block under the heading. */
async function walkthrough(): Promise<string> {
  const readme = await readFile("README.md", "utf8");
  const section = readme.slice(readme.indexOf("### A campaign with curl"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("the README has no walkthrough block");
  return block;
}

describe("the README's walkthrough", () => {
  it("runs as written: every id from a previous command, the files it names downloaded", async () => {
    const script = await walkthrough();
    // No id for the reader to fill in: every variable is set by a line before the one using it.
    expect(script).not.toMatch(/\/v1\/[^\s"]*(?<![$\w{])[A-Z][A-Z_]{2,}\b/);
    const assigned = new Set<string>();
    for (const line of script.split("\n")) {
      if (line.trimStart().startsWith("#")) continue;
      // A line's own assignments count (`while STATUS=$(…) && [ "$STATUS" = … ]`); API is the
      // one the reader may set beforehand.
      for (const [, name] of line.matchAll(/(?:^|\s)([A-Z_]+)=/g)) assigned.add(name as string);
      for (const [, name] of line.matchAll(/\$\{?([A-Z_]+)/g))
        expect(assigned.has(name as string), `${name} in: ${line}`).toBe(true);
    }
    const { stdout } = await run("bash", ["-c", `set -euo pipefail\n${script}`], {
      env: {
        ...process.env,
        API: api.base,
        DATABASE_URL: ctx.config.databaseUrl,
        DATABASE_SCHEMA: ctx.config.databaseSchema,
        REDIS_URL: ctx.config.redisUrl,
        REDIS_PREFIX: ctx.config.redisPrefix,
        STORAGE_DIR: ctx.config.storageDir,
      },
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(
        `${error.message}\nstdout:\n${error.stdout}\nstderr:\n${error.stderr}\nAPI log:\n${api.log().slice(-3000)}\nworker:\n${worker.output().slice(-3000)}`,
      );
    });

    expect(stdout).toContain("campaign ready");
    expect(stdout).toMatch(/"imported": 30/);
    // The vendor's acknowledgement is the last answer.
    expect(stdout.trim().split("\n").at(-1)).toBe("printed");

    // The proof: both pages side by side.
    const proof = await sharp("out/proof.png").metadata();
    expect(proof.format).toBe("png");
    expect(proof.width).toBeGreaterThan(2 * 525);
    expect((await readFile("out/proof.pdf")).subarray(0, 5).toString()).toBe("%PDF-");
    const names = await zipEntryNames(await readFile("out/batch.zip"));
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\.pdf$/),
        expect.stringMatching(/\.csv$/),
        "SHA256SUMS",
      ]),
    );

    // Everything it made is in test mode: the key it used was a test key.
    const { rows } = await ctx.deps.pool.query<{ mode: string }>(
      "SELECT a.mode FROM campaigns c JOIN accounts a ON a.id = c.account_id",
    );
    expect(rows).toEqual([{ mode: "test" }]);
  }, 300_000);
});
