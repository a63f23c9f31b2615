/**
 * CSV import throughput: a realistic 100,000-row Excel-style list parsed end to end through
 * parseRecipients (decode, sniff, parse, map, validate, dedupe). Prints rows/s (median of 3 runs
 * after a warm-up) and the process's peak RSS. Run: node --import tsx bench/csv.bench.ts [rows]
 */
import { parseRecipients } from "../src/csv/index.ts";
import { generatedCsv } from "../test/support/csv-fixtures.ts";

const ROWS = Number(process.argv[2] ?? 100_000);

async function run(rows: number): Promise<{ seconds: number; recipients: number }> {
  const started = process.hrtime.bigint();
  const { rows: outcomes } = parseRecipients(generatedCsv(rows));
  let recipients = 0;
  for await (const outcome of outcomes) {
    if (outcome.kind === "recipient") recipients++;
    else
      throw new Error(
        `row ${outcome.row} was ${outcome.kind}: the generator should make valid rows`,
      );
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, recipients };
}

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);

await run(Math.min(ROWS, 10_000)); // warm-up: JIT, ICU tables
const times: number[] = [];
for (let i = 0; i < 3; i++) {
  const { seconds, recipients } = await run(ROWS);
  if (recipients !== ROWS) throw new Error(`expected ${ROWS} recipients, got ${recipients}`);
  times.push(seconds);
}
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());

times.sort((a, b) => a - b);
const median = times[1] ?? times[0] ?? Number.NaN;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
console.log(`csv import: ${ROWS.toLocaleString("en-US")} rows`);
console.log(`  runs: ${times.map((t) => `${t.toFixed(2)} s`).join(", ")}`);
console.log(`  median: ${Math.round(ROWS / median).toLocaleString("en-US")} rows/s`);
console.log(`  peak RSS: ${mb(peakRss)}`);
