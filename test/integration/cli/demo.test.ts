/**
 * `npm run demo`, as a newcomer runs it: with no PostgreSQL or Redis anywhere (rendering needs no
 * server), and every card named after its recipient with the letters of the name kept.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-demo-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("npm run demo", () => {
  it("renders the example campaign with no database or Redis to reach", async () => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as {
      scripts: Record<string, string>;
    };
    const script = pkg.scripts.demo ?? "";
    expect(script).toContain("--out out/demo");
    // The script as written, into a temporary folder instead of out/demo.
    const { stderr } = await run("bash", ["-c", script.replace("--out out/demo", `--out ${dir}`)], {
      env: {
        ...process.env,
        DATABASE_URL: "postgres://nobody@127.0.0.1:1/nowhere",
        REDIS_URL: "redis://127.0.0.1:1",
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    const cards = await readdir(path.join(dir, "cards"));
    expect(cards, stderr).toHaveLength(30);
    expect(cards).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\d{4}-дмитрий-шостакович\.pdf$/),
        expect.stringMatching(/^\d{4}-łukasz-żółć\.pdf$/),
        expect.stringMatching(/^\d{4}-zoë-ångström\.pdf$/),
      ]),
    );
    expect(cards.filter((c) => /^\d{4}-card\.pdf$/.test(c))).toEqual([]);
  }, 120_000);
});
