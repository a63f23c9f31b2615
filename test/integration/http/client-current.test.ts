/**
 * The typed client in clients/typescript/ is generated from the API's document: when a route
 * changes and nobody regenerates, this fails (as it does in CI) and says how to fix it.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLIENT_DIR, clientFiles } from "../../../scripts/client-generate.ts";

describe("the generated TypeScript client", () => {
  it("is current with the API's OpenAPI document", async () => {
    const files = await clientFiles();
    expect(Object.keys(files).sort()).toEqual(["openapi.json", "schema.d.ts"]);
    for (const [name, contents] of Object.entries(files)) {
      const committed = await readFile(path.join(CLIENT_DIR, name), "utf8").catch(() => "");
      // toBe would print two 300 KB files; the first differing line is what helps.
      const at = committed.split("\n").findIndex((line, i) => line !== contents.split("\n")[i]);
      expect(
        committed === contents,
        `clients/typescript/${name} is out of date (line ${at + 1}): run npm run client:generate`,
      ).toBe(true);
    }
  }, 180_000);
});
