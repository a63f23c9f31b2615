import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadAssets } from "../../../src/console/assets.ts";

describe("console assets", () => {
  const assets = loadAssets();

  it("are small: no script over 12 KB, the stylesheet under 24 KB (no framework, no bundle)", () => {
    const scripts = [...assets].filter(([name]) => name.endsWith(".js"));
    for (const [name, asset] of scripts) expect(asset.body.length, name).toBeLessThan(12 * 1024);
    expect(assets.get("console.css")?.body.length).toBeLessThan(24 * 1024);
  });

  it("are addressed by their content: a URL changes exactly when the file does", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "console-assets-"));
    try {
      writeFileSync(path.join(dir, "a.js"), "export const a = 1;");
      writeFileSync(path.join(dir, "b.css"), "p { color: red; }");
      writeFileSync(path.join(dir, "notes.txt"), "not served");
      const before = loadAssets(dir);
      expect([...before.keys()].sort()).toEqual(["a.js", "b.css"]);
      expect(before.get("a.js")?.url).toMatch(/^\/assets\/a\.js\?v=[0-9a-f]{12}$/);
      writeFileSync(path.join(dir, "a.js"), "export const a = 2;");
      const after = loadAssets(dir);
      expect(after.get("a.js")?.url).not.toBe(before.get("a.js")?.url);
      expect(after.get("b.css")?.url).toBe(before.get("b.css")?.url);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
