/**
 * scripts/test-tools.sh (npm's pretest, and CI): installs the missing system tools with apt-get
 * when it can, and otherwise says what to install. Run with a PATH that lacks the tools.
 */
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
let bin: string;

beforeAll(async () => {
  // A PATH with a shell and `id`, but no pdfinfo, qpdf, apt-get or sudo.
  bin = await mkdtemp(path.join(tmpdir(), "cardmerge-tools-"));
  for (const tool of ["bash", "id", "cat"]) {
    const { stdout } = await run("bash", ["-c", `command -v ${tool}`]);
    await symlink(stdout.trim(), path.join(bin, tool));
  }
});
afterAll(() => rm(bin, { recursive: true, force: true }));

function tools(pathDirs: string[]) {
  return run(path.join(bin, "bash"), ["scripts/test-tools.sh"], {
    env: { PATH: pathDirs.join(":") },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

describe("npm test's system tools", () => {
  it("passes quietly when they are installed (this machine)", async () => {
    const { stdout, stderr } = await run("bash", ["scripts/test-tools.sh"]);
    expect(stdout + stderr).toBe("");
  });

  it("without apt-get, fails with the packages to install", async () => {
    const { code, stderr } = await tools([bin]);
    expect(code).toBe(1);
    expect(stderr).toContain("missing: poppler-utils qpdf");
    expect(stderr).toContain("sudo apt-get install -y poppler-utils qpdf");
  });

  it.runIf(process.getuid?.() === 0)(
    "as root with apt-get, installs just the missing packages",
    async () => {
      const fake = await mkdtemp(path.join(tmpdir(), "cardmerge-apt-"));
      const log = path.join(fake, "calls");
      await writeFile(
        path.join(fake, "apt-get"),
        `#!${path.join(bin, "bash")}\necho "$*" >> ${log}\n`,
      );
      await chmod(path.join(fake, "apt-get"), 0o755);
      try {
        const { code, stderr } = await tools([bin, fake]);
        expect(code, stderr).toBe(0);
        expect(stderr).toContain("installing poppler-utils qpdf");
        const calls = (await readFile(log, "utf8")).trim().split("\n");
        expect(calls[0]).toBe("update -qq");
        expect(calls[1]).toMatch(
          /^install -y -qq --no-install-recommends poppler-utils qpdf zbar-tools curl jq chromium$/,
        );
      } finally {
        await rm(fake, { recursive: true, force: true });
      }
    },
  );
});
