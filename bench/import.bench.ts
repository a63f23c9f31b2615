/**
 * CSV import through the API, end to end: 100,000 rows POSTed as text/csv to a running API process
 * (real HTTP, real PostgreSQL). Prints rows/s (median of 3 after a warm-up) and the API's peak memory.
 */

import { readFile } from "node:fs/promises";
import { recipientsCsv } from "../test/support/campaign-fixtures.ts";
import { peakRssMb, startBenchApi, stop, treeCpuSeconds } from "./support/processes.ts";

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const { api, base, auth: headers } = await startBenchApi("import");

const csv = Buffer.from(recipientsCsv(ROWS));
console.log(`CSV: ${ROWS.toLocaleString("en-US")} rows, ${(csv.length / 1e6).toFixed(1)} MB`);

interface Run {
  rowsPerSecond: number;
  wall: number;
  apiCpu: number;
}

async function once(): Promise<Run> {
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
  const cpuBefore = treeCpuSeconds(api.pid as number);
  const res = await fetch(`${base}/v1/campaigns/${created.id}/recipients`, {
    method: "POST",
    headers: { ...headers, "content-type": "text/csv" },
    body: csv,
  });
  const body = (await res.json()) as { imported: number; rows: number };
  const seconds = (performance.now() - started) / 1000;
  if (body.imported !== ROWS)
    throw new Error(`imported ${body.imported} of ${ROWS}: ${JSON.stringify(body).slice(0, 300)}`);
  return {
    rowsPerSecond: ROWS / seconds,
    wall: seconds,
    apiCpu: treeCpuSeconds(api.pid as number) - cpuBefore,
  };
}

await once(); // warm-up
const runs = [await once(), await once(), await once()].sort(
  (a, b) => a.rowsPerSecond - b.rowsPerSecond,
);
const median = runs[1] as Run;
const load = (await readFile("/proc/loadavg", "utf8")).split(" ", 3).join(" ");
console.log(
  `import through the API: ${Math.round(median.rowsPerSecond).toLocaleString("en-US")} rows/s (target 25,000; median of 3, runs ${runs.map((r) => Math.round(r.rowsPerSecond)).join(", ")}); median run ${median.wall.toFixed(2)} s wall, API CPU ${median.apiCpu.toFixed(2)} s (load ${load})`,
);
console.log(`API peak RSS: ${peakRssMb(api.pid as number)} MB (target at most 250 MB)`);
await stop(api);
