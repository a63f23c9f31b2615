/**
 * scripts/build-dist.sh (npm's prestart and preworker): a fresh checkout's compile says what it
 * is doing, a changed source says so too, and a current dist/ starts silently. Run in a scratch
 * project whose tsc records its calls and writes the build info, so no test waits for a compile.
 */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
let project: string;

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), "cardmerge-build-"));
  await mkdir(path.join(project, "scripts"));
  await mkdir(path.join(project, "node_modules/.bin"), { recursive: true });
  for (const dir of ["src", "workers"]) await mkdir(path.join(project, dir));
  await copyFile("scripts/build-dist.sh", path.join(project, "scripts/build-dist.sh"));
  for (const file of ["src/server.ts", "workers/main.ts", "tsconfig.json", "tsconfig.build.json"]) {
    await writeFile(path.join(project, file), "{}\n");
  }
  const tsc = path.join(project, "node_modules/.bin/tsc");
  await writeFile(
    tsc,
    '#!/usr/bin/env bash\necho "$*" >> tsc-calls\nmkdir -p dist && touch dist/.tsbuildinfo\n',
  );
  await chmod(tsc, 0o755);
});
afterAll(() => rm(project, { recursive: true, force: true }));

const build = () => run("bash", [path.join(project, "scripts/build-dist.sh")]);
const tscCalls = async () =>
  (await readFile(path.join(project, "tsc-calls"), "utf8")).trim().split("\n");

describe("build-dist.sh", () => {
  it("says it is compiling on a fresh checkout, and how long it took", async () => {
    const { stderr } = await build();
    expect(stderr).toContain("compiling TypeScript to dist/ (first start only, about a minute)");
    expect(stderr).toMatch(/compiled in \d+ s/);
    expect(await tscCalls()).toEqual(["-b tsconfig.build.json"]);
  });

  it("starts silently when dist/ is current, still letting tsc -b check it", async () => {
    const { stdout, stderr } = await build();
    expect(stdout + stderr).toBe("");
    expect(await tscCalls()).toHaveLength(2);
  });

  it("says so when a source changed since the last build", async () => {
    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(project, "workers/main.ts"), later, later);
    const { stderr } = await build();
    expect(stderr).toContain("compiling changed TypeScript to dist/");
    expect(await tscCalls()).toHaveLength(3);
  });
});
