/**
 * CSV import through the API, end to end: 100,000 rows POSTed as text/csv to a running API process
 * (real HTTP, real PostgreSQL). Prints rows/s (median of 3 after a warm-up) and the API's peak memory.
 */

import { createPool } from "../src/db/pool.ts";
import { createAccountsService } from "../src/modules/accounts/accounts.service.ts";
import { recipientsCsv } from "../test/support/campaign-fixtures.ts";
import {
  benchEnvironment,
  freePort,
  peakRssMb,
  productionNode,
  startProcess,
  stop,
  waitForHttp,
} from "./support/processes.ts";

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const { config, env } = await benchEnvironment("import");
const port = await freePort();
// The API runs as `npm start` runs it (heap cap, malloc arenas), so its peak RSS is the deployed one.
const api = startProcess(
  "src/server.ts",
  {
    ...env,
    ...productionNode.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    RATE_LIMIT_MAX: "100000",
  },
  productionNode.args,
);
const base = `http://127.0.0.1:${port}`;
await waitForHttp(`${base}/healthz`);

const pool = createPool(config, 2);
const { secret } = await createAccountsService({ pool }).createAccount({ name: "Bench Co" });
await pool.end();
const headers = { authorization: `Bearer ${secret}` };
const csv = Buffer.from(recipientsCsv(ROWS));
console.log(`CSV: ${ROWS.toLocaleString("en-US")} rows, ${(csv.length / 1e6).toFixed(1)} MB`);

async function once(): Promise<number> {
  const created = await fetch(`${base}/v1/campaigns`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({
      name: "Bench",
      occasion: "thank_you",
      template: "thank-you",
      format: "card_5x7",
      message: "Dear {{firstName}}, thanks for the {{lastPurchase}}.",
      merge_fields: ["lastPurchase"],
      sender: { business_name: "Bench Co" },
    }),
  }).then((r) => r.json() as Promise<{ id: string }>);
  const started = performance.now();
  const res = await fetch(`${base}/v1/campaigns/${created.id}/recipients`, {
    method: "POST",
    headers: { ...headers, "content-type": "text/csv" },
    body: csv,
  });
  const body = (await res.json()) as { imported: number; rows: number };
  const seconds = (performance.now() - started) / 1000;
  if (body.imported !== ROWS)
    throw new Error(`imported ${body.imported} of ${ROWS}: ${JSON.stringify(body).slice(0, 300)}`);
  return ROWS / seconds;
}

await once(); // warm-up
const runs = [await once(), await once(), await once()].sort((a, b) => a - b);
const median = runs[1] as number;
console.log(
  `import through the API: ${Math.round(median).toLocaleString("en-US")} rows/s (median of 3; runs ${runs.map((r) => Math.round(r)).join(", ")})`,
);
console.log(`API peak RSS: ${peakRssMb(api.pid as number)} MB`);
await stop(api);
