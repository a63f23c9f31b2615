/**
 * CSV import through the API, end to end: 100,000 rows POSTed as text/csv to a running API process
 * (real HTTP, real PostgreSQL). Prints rows/s (median of 3 after a warm-up) and the API's peak memory.
 */

import { recipientsCsv } from "../test/support/campaign-fixtures.ts";
import { peakRssMb, startBenchApi, stop } from "./support/processes.ts";

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const { api, base, auth: headers } = await startBenchApi("import");

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
