/** The `cardmerge` command as a user runs it: a child process, its exit code and what it printed. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export function runCardmerge(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, ["bin/cardmerge.js", ...args], {
    env: { ...process.env, LOG_LEVEL: "silent", ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}
