/** Every `cardmerge` command answers --help with its usage (exit 0), as a newcomer tries it. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

function cardmerge(args: string[]) {
  // No database or Redis is needed to ask for help: point them nowhere to prove it.
  const env = { ...process.env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" };
  return run(process.execPath, ["bin/cardmerge.js", ...args], { env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

const COMMANDS = [
  ["setup"],
  ["migrate"],
  ["accounts"],
  ["accounts", "create"],
  ["accounts", "list"],
  ["keys"],
  ["keys", "create"],
  ["keys", "list"],
  ["keys", "revoke"],
  ["render"],
  ["automations"],
  ["automations", "run"],
];

describe("cardmerge --help", () => {
  it("lists every command and what the demo and the README use", async () => {
    const { code, stdout, stderr } = await cardmerge(["--help"]);
    expect(code, stderr).toBe(0);
    for (const text of [
      "render --campaign FILE --csv FILE",
      "--photo FILE",
      "--out DIR",
      "keys create --account ID [--mode live|test]",
      "--scopes batches",
      "automations run",
      "accounts create --name NAME",
    ])
      expect(stdout).toContain(text);
  });

  it.each(
    COMMANDS.flatMap((c) => [
      [...c, "--help"],
      [...c, "-h"],
    ]),
  )("cardmerge %s %s…: exit 0 with its usage, no stack trace", async (...args) => {
    const { code, stdout, stderr } = await cardmerge(args as string[]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Usage: cardmerge /);
    expect(stdout).toContain(String(args[0]));
    expect(`${stdout}${stderr}`).not.toMatch(/\n\s+at /);
  });

  it("answers an unknown option with usage advice and exit 64, not a stack trace", async () => {
    for (const args of [
      ["render", "--bogus"],
      ["keys", "create", "--account", "a", "--nope"],
    ]) {
      const { code, stderr } = await cardmerge(args);
      expect(code, args.join(" ")).toBe(64);
      expect(stderr).toContain("--help");
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });
});
