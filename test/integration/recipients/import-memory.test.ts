/**
 * Issue 4: a 100,000-row CSV imports with the API process's memory staying under 250 MB. Measured on
 * the real thing: `src/server.ts` as a child process in a schema of its own, the CSV POSTed as
 * text/csv over HTTP, and the child's peak resident memory (VmHWM) read from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../../src/config.ts";
import { migrate } from "../../../src/db/migrate.ts";
import { createPool } from "../../../src/db/pool.ts";
import { createAccountsService } from "../../../src/modules/accounts/accounts.service.ts";
import { recipientsCsv } from "../../support/campaign-fixtures.ts";
import { ENTRY, freePort, productionNode, waitForHttp } from "../../support/node-process.ts";
import { bearer, dropSchema, testConfig } from "../../support/test-context.ts";

const ROWS = 100_000;
const LIMIT_MB = 250;

let config: Config;
let api: ChildProcess;
let exited: Promise<unknown>;
let base: string;
let output = "";

beforeAll(async () => {
  config = testConfig();
  await migrate(config);
  const port = await freePort();
  // As `npm start` runs the API: V8 heap capped at HEAP_MB (default 256 MB), two malloc arenas.
  api = spawn(process.execPath, [...productionNode.args, ENTRY.api], {
    env: {
      ...process.env,
      ...productionNode.env,
      DATABASE_URL: config.databaseUrl,
      DATABASE_SCHEMA: config.databaseSchema,
      REDIS_URL: config.redisUrl,
      REDIS_PREFIX: config.redisPrefix,
      STORAGE_DIR: config.storageDir,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  api.stdout?.on("data", keep);
  api.stderr?.on("data", keep);
  exited = new Promise((resolve) => api.on("exit", resolve));
  base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`).catch((error: Error) => {
    throw new Error(`${error.message}: ${output}`);
  });
});

afterAll(async () => {
  if (api && api.exitCode === null && api.signalCode === null) api.kill("SIGTERM");
  await exited;
  const redis = new Redis(config.redisUrl, { lazyConnect: true });
  await redis.connect();
  const keys = await redis.keys(`${config.redisPrefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await dropSchema(config);
});

describe("recipient import memory", () => {
  it("imports 100,000 rows over HTTP with the API process under 250 MB", async () => {
    const pool = createPool(config, 1);
    const { secret } = await createAccountsService({ pool })
      .createAccount({ name: "Acme Plumbing" })
      .finally(() => pool.end());
    const created = await fetch(`${base}/v1/campaigns`, {
      method: "POST",
      headers: { ...bearer(secret), "content-type": "application/json" },
      body: JSON.stringify({
        name: "Everyone",
        occasion: "thank_you",
        template: "thank-you",
        format: "card_5x7",
        message: "Dear {{firstName}}, thank you for your {{lastPurchase}}.",
        merge_fields: ["lastPurchase"],
        sender: { business_name: "Acme Plumbing" },
      }),
    });
    expect(created.status, output).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const idle = memoryMb(api.pid as number);

    const res = await fetch(`${base}/v1/campaigns/${id}/recipients`, {
      method: "POST",
      headers: { ...bearer(secret), "content-type": "text/csv" },
      body: recipientsCsv(ROWS),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body).slice(0, 500)).toBe(201);
    expect(body).toMatchObject({ rows: ROWS, imported: ROWS, rejected: 0, duplicates: 0 });

    const after = memoryMb(api.pid as number);
    const report = `API process: ${idle.rss} MB before the import, peak ${after.peak} MB (limit ${LIMIT_MB} MB)`;
    console.log(report);
    expect(after.peak, "the peak was read from /proc").toBeGreaterThan(idle.rss);
    expect(after.peak, report).toBeLessThan(LIMIT_MB);
  }, 60_000);
});

/** Resident memory now and at its peak (VmRSS, VmHWM), in MB. */
function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const mb = (field: string) =>
    Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
  return { rss: mb("VmRSS"), peak: mb("VmHWM") };
}
