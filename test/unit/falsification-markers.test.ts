/**
 * Proving a test can fail means breaking the code on purpose for a run. A break once stayed in
 * (the reconciler switched off, batch assembly made unrepeatable, both marked FALSIFY) and passed
 * review; this keeps any such marker out of what ships.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("shipped code", () => {
  it("holds no FALSIFY marker from a falsification run", () => {
    const found = spawnSync(
      "git",
      [
        "grep",
        "--untracked",
        "-n",
        "-I",
        "-e",
        "FALSIFY",
        "--",
        "src",
        "workers",
        "bin",
        "scripts",
      ],
      { encoding: "utf8" },
    );
    // git grep: 0 = found, 1 = nothing found, anything else = it could not look.
    expect(found.status, found.stderr).toBe(1);
    expect(found.stdout).toBe("");
  });
});
