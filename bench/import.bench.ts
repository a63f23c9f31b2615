/**
 * CSV import through the API, end to end: 100,000 rows POSTed as text/csv to a running API process
 * (real HTTP, real PostgreSQL). Prints rows/s (median of 3 after a warm-up) and the API's peak memory,
 * then the same with household=true on a file of couples (every second row joins the one before).
 */

import { readFile } from "node:fs/promises";
import { recipientsCsv } from "../test/support/campaign-fixtures.ts";
import {
  peakRssMb,
  pgBackendCpu,
  pgCpuBetween,
  startBenchApi,
  stop,
  treeCpuSeconds,
} from "./support/processes.ts";

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const { api, base, auth: headers } = await startBenchApi("import");

const csv = Buffer.from(recipientsCsv(ROWS));
/** Couples: rows 2k and 2k+1 share a last name and an address (and differ in first name). */
const couples = Buffer.from(
  [
    "First Name,Last Name,Street,City,State,Zip,Last Purchase",
    ...Array.from({ length: ROWS }, (_, i) => {
      const home = Math.floor(i / 2);
      const zip = String(10000 + ((home * 7919) % 89999)).padStart(5, "0");
      return `${i % 2 ? "Ben" : "Anna"},Smith ${home},${100 + home} Main Street,Springfield,IL,${zip},boiler service`;
    }),
  ].join("\r\n"),
);

interface Run {
  rowsPerSecond: number;
  wall: number;
  apiCpu: number;
  /** CPU of the PostgreSQL backends serving the API, when this machine shows them. */
  pgCpu: number | undefined;
}

async function once(household = false): Promise<Run> {
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
  const pgBefore = pgBackendCpu(api.pid as number);
  const res = await fetch(
    `${base}/v1/campaigns/${created.id}/recipients${household ? "?household=true" : ""}`,
    {
      method: "POST",
      headers: { ...headers, "content-type": "text/csv" },
      body: household ? couples : csv,
    },
  );
  const body = (await res.json()) as { imported: number; rows: number; merged: number };
  const seconds = (performance.now() - started) / 1000;
  if (body.imported !== ROWS)
    throw new Error(`imported ${body.imported} of ${ROWS}: ${JSON.stringify(body).slice(0, 300)}`);
  if (household && body.merged !== Math.floor(ROWS / 2))
    throw new Error(`merged ${body.merged} of ${ROWS} rows into couples`);
  return {
    rowsPerSecond: ROWS / seconds,
    wall: seconds,
    apiCpu: treeCpuSeconds(api.pid as number) - cpuBefore,
    pgCpu: pgCpuBetween(pgBefore, pgBackendCpu(api.pid as number)),
  };
}

const byRate = (a: Run, b: Run) => a.rowsPerSecond - b.rowsPerSecond;
const line = (runs: Run[]) => {
  const median = runs[1] as Run;
  return `${Math.round(median.rowsPerSecond).toLocaleString("en-US")} rows/s (median of 3, runs ${runs.map((r) => Math.round(r.rowsPerSecond)).join(", ")}); median run ${median.wall.toFixed(2)} s wall, API CPU ${median.apiCpu.toFixed(2)} s${median.pgCpu === undefined ? "" : `, PostgreSQL CPU ${median.pgCpu.toFixed(2)} s`}`;
};

await once(); // warm-up
const runs = [await once(), await once(), await once()].sort(byRate);
const load = (await readFile("/proc/loadavg", "utf8")).split(" ", 3).join(" ");
console.log(`import through the API: ${line(runs)} (target 25,000 rows/s; load ${load})`);
console.log(`API peak RSS: ${peakRssMb(api.pid as number)} MB (target at most 250 MB)`);
const households = [await once(true), await once(true), await once(true)].sort(byRate);
console.log(
  `household import (${Math.floor(ROWS / 2).toLocaleString("en-US")} couples merged): ${line(households)}`,
);
console.log(`API peak RSS after the household imports: ${peakRssMb(api.pid as number)} MB`);
await stop(api);
