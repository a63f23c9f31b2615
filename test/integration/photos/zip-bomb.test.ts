/**
 * Issue 8, finding 6: a ZIP upload inflated about 1000x in memory before its limit applied; six
 * 100 KB ZIPs at once took the API to 828 MB. Now entries are refused on what they declare before
 * anything inflates, what does inflate goes to disk while it is counted (never trusting the
 * header), and at most PHOTO_UPLOAD_CONCURRENCY uploads unzip and decode at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../../src/db/migrate.ts";
import { createPool } from "../../../src/db/pool.ts";
import { createAccountsService } from "../../../src/modules/accounts/accounts.service.ts";
import { type ApiProcess, startApi } from "../../support/api-process.ts";
import { bearer, dropSchema, testConfig } from "../../support/test-context.ts";
import { bombZip, deflatedZeros } from "../../support/zip-fixtures.ts";

const MB = 1_000_000;
const PEAK_LIMIT_MB = 300;

const config = testConfig({ RATE_LIMIT_MAX: "1000" });
let api: ApiProcess;
let secret: string;

beforeAll(async () => {
  await migrate(config);
  const pool = createPool(config, 1);
  secret = (
    await createAccountsService({ pool })
      .createAccount({ name: "Acme" })
      .finally(() => pool.end())
  ).secret;
  // Defaults: UPLOAD_LIMIT_BYTES 50 MiB per photo, ZIP_INFLATED_LIMIT_BYTES 100 MiB, 2 at once.
  api = await startApi(config, { LOG_LEVEL: "warn" });
});
afterAll(async () => {
  await api?.stop();
  await dropSchema(config);
});

async function postAll(zips: Buffer[]) {
  return Promise.all(
    zips.map(async (zip, i) => {
      const form = new FormData();
      form.append("file", new Blob([zip]), `bomb-${i}.zip`);
      const res = await fetch(`${api.base}/v1/photos`, {
        method: "POST",
        headers: bearer(secret),
        body: form,
      });
      return {
        status: res.status,
        body: (await res.json()) as { detail: string; errors?: unknown[] },
      };
    }),
  );
}

describe("ZIP bombs posted at once to the real API process", () => {
  it("six ~100 KB bombs inflating to hundreds of MB: each 413 naming its limit, memory flat", async () => {
    // 100 MB of zeros in one entry (over the 50 MiB photo limit): a 100 KB ZIP.
    const huge = bombZip([{ name: "job.jpg", entry: deflatedZeros(100 * MB) }]);
    // Three entries of 45 MB (each under the photo limit), 135 MB together: a 135 KB ZIP.
    const many45 = deflatedZeros(45 * MB);
    const many = bombZip(["a.jpg", "b.jpg", "c.jpg"].map((name) => ({ name, entry: many45 })));
    expect(huge.length).toBeLessThan(150_000);
    expect(many.length).toBeLessThan(150_000);

    const idle = api.memoryMb();
    const started = Date.now();
    const answers = await postAll([huge, many, huge, many, huge, many]);
    const seconds = (Date.now() - started) / 1000;
    const { peak } = api.memoryMb();
    console.log(
      `six bombs: 413s after ${seconds.toFixed(2)} s; API ${idle.rss} MB idle, peak ${peak} MB`,
    );

    answers.forEach(({ status, body }, i) => {
      expect(status, JSON.stringify(body)).toBe(413);
      expect(body.detail).toMatch(
        i % 2 === 0
          ? /job\.jpg unzips to 95 MiB; a photo may be at most 50 MiB \(UPLOAD_LIMIT_BYTES\)/
          : /c\.jpg takes what the upload unzips to past 100 MiB \(ZIP_INFLATED_LIMIT_BYTES\)/,
      );
    });
    expect(peak).toBeLessThan(PEAK_LIMIT_MB);
    expect((await fetch(`${api.base}/healthz`)).status).toBe(200);
    expect(api.alive()).toBe(true);
  });

  it("bombs within the limits, or with forged sizes, inflate to disk a few at a time: memory flat", async () => {
    // Two 45 MB entries, 90 MB in all: within every limit, so it really inflates (then is no image).
    const within = bombZip(
      ["a.jpg", "b.jpg"].map((name) => ({ name, entry: deflatedZeros(45 * MB) })),
    );
    // Declares 1 MB, inflates to 100 MB: stopped where it passes what it declared.
    const forged = bombZip([
      { name: "job.jpg", entry: deflatedZeros(100 * MB), declaredSize: 1 * MB },
    ]);
    const idle = api.memoryMb();
    const started = Date.now();
    const answers = await postAll([within, forged, within, forged, within, forged]);
    const seconds = (Date.now() - started) / 1000;
    const { peak } = api.memoryMb();
    console.log(
      `six inflating bombs: answered after ${seconds.toFixed(2)} s; API ${idle.rss} MB idle, peak ${peak} MB`,
    );
    answers.forEach(({ status, body }, i) => {
      expect(status, JSON.stringify(body)).toBe(422);
      expect(body.detail).toMatch(
        i % 2 === 0
          ? /2 of 2 files were refused/
          : /job\.jpg inflates past the size its header declares/,
      );
    });
    expect(peak).toBeLessThan(PEAK_LIMIT_MB);
    expect((await fetch(`${api.base}/healthz`)).status).toBe(200);
    expect(api.alive()).toBe(true);
  }, 60_000);
});
