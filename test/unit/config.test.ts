import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { ENTRY } from "../support/node-process.ts";

const run = promisify(execFile);

describe("configuration", () => {
  it("works with no setting at all", () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe("postgres://postgres@127.0.0.1:5432/cardmerge");
    expect(config.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(config.port).toBe(3000);
    expect(config.render).toEqual({
      processes: 1,
      proofProcesses: Math.min(availableParallelism(), 4),
      heapMb: 256,
      timeoutMs: 10_000,
      maxPdfBytes: 16 * 1024 * 1024,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [
      "DATABASE_URL",
      "mysql://root@localhost/cardmerge",
      /DATABASE_URL: expected a postgres: or postgresql: URL/,
    ],
    ["DATABASE_URL", "not a url", /DATABASE_URL: expected a URL/],
    ["REDIS_URL", "http://localhost", /REDIS_URL/],
    ["PORT", "eighty", /PORT: expected a whole number/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL: expected one of/],
    ["AUTOMATION_TICK_SECONDS", "soon", /AUTOMATION_TICK_SECONDS: expected a whole number/],
    ["CJK_FONT", "/no/such/font.ttc#NotoSansCJKjp-Regular", /CJK_FONT: expected a font file/],
    ["RENDER_TIMEOUT_MS", "10s", /RENDER_TIMEOUT_MS: expected a whole number from 1 to 600000/],
    ["RENDER_HEAP_MB", "4", /RENDER_HEAP_MB: expected a whole number from 16 to 4096/],
    ["RENDER_MAX_PDF_BYTES", "1e3", /RENDER_MAX_PDF_BYTES: expected a whole number/],
    ["RENDER_PROCESSES", "0", /RENDER_PROCESSES: expected a whole number from 1 to 32/],
    ["PROOF_PROCESSES", "0", /PROOF_PROCESSES: expected a whole number from 1 to 32/],
    ["COLOR_PROFILE_CMYK", "/no/such/press.icc", /COLOR_PROFILE_CMYK: expected an ICC profile/],
    ["COLOR_PROFILE_RGB", "/no/such/srgb.icc", /COLOR_PROFILE_RGB: expected an ICC profile/],
  ])("rejects %s=%s naming the variable", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it("takes CJK_FONT=none as no CJK font, and leaves it to the renderer when unset", () => {
    expect(loadConfig({ CJK_FONT: "none" }).cjkFont).toBeNull();
    expect(loadConfig({}).cjkFont).toBeUndefined();
  });

  it("stops the API at start when CJK_FONT names a file that is not a font", async () => {
    const failure = await run(process.execPath, [ENTRY.api], {
      env: { ...process.env, CJK_FONT: "package.json" },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 78 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /configuration error: CJK_FONT: CJK font package.json cannot be used/,
    );
  });

  it("stops the API at start when COLOR_PROFILE_CMYK is not a CMYK profile, not mid-batch", async () => {
    const failure = await run(process.execPath, [ENTRY.api], {
      env: { ...process.env, COLOR_PROFILE_CMYK: "/usr/share/color/icc/ghostscript/srgb.icc" },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 78 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /configuration error: COLOR_PROFILE_CMYK: .*srgb\.icc is a "RGB" profile, not CMYK/,
    );
  });

  it("hides a password in the message", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://u:hunter2@h/db" })).toThrow(/u:\*\*\*@h/);
  });

  it("stops the API at start with a message naming DATABASE_URL", async () => {
    const failure = await run(process.execPath, [ENTRY.api], {
      env: { ...process.env, DATABASE_URL: "mysql://localhost/x" },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 78 });
    expect((failure as { stderr: string }).stderr).toMatch(/configuration error: DATABASE_URL/);
  });
});
