/**
 * package.json's `engines` is the Node the README promises: every package npm would install on
 * this platform must accept the lowest version of each range we state (else `npm ci` prints
 * EBADENGINE warnings there), and the Node running the tests must be one we state.
 */
import { readFile } from "node:fs/promises";
import semver from "semver";
import { describe, expect, it } from "vitest";

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
  os?: string[];
  cpu?: string[];
}

const pkg = JSON.parse(await readFile("package.json", "utf8")) as { engines: { node: string } };
const lock = JSON.parse(await readFile("package-lock.json", "utf8")) as {
  packages: Record<string, LockPackage>;
};

// npm's os/cpu lists allow names, or refuse them with a leading "!".
const fits = (list: string[] | undefined, here: string) => {
  if (!list || list.includes(`!${here}`)) return !list;
  return list.every((v) => v.startsWith("!")) || list.includes(here);
};

const installedHere = Object.entries(lock.packages).filter(
  ([name, p]) => name !== "" && fits(p.os, process.platform) && fits(p.cpu, process.arch),
);

// The lowest version of each alternative of the stated range ("^20.19.0 || >=22.12.0" → 20.19.0, 22.12.0).
const lowestStated = new semver.Range(pkg.engines.node).set.map((comparators) => {
  const lowest = semver.minVersion(comparators.map((c) => c.value).join(" "));
  if (!lowest) throw new Error(`engines.node ${pkg.engines.node} has an empty alternative`);
  return lowest.version;
});

describe("the Node engine package.json states", () => {
  it("is the engine the test run uses", () => {
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it.each(lowestStated)("Node %s satisfies every package installed on this platform", (node) => {
    const refusing = installedHere
      .filter(([, p]) => {
        const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
        return range !== undefined && !semver.satisfies(node, range);
      })
      .map(
        ([name, p]) => `${name}@${p.version} wants node ${(p.engines as { node: string }).node}`,
      );
    expect(refusing).toEqual([]);
  });
});
