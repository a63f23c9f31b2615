/**
 * Automations at an enterprise account's scale: 100,000 contacts (inserted in SQL, so the setup is
 * quick), `upcoming` of a birthday automation over a year through the real API process, and a busy
 * day: 5,000 birthday cards from the daily run (the call the clock makes) to the last batch ready,
 * rendered by `npm run worker` at its defaults. Prints ms, wall seconds and CPU seconds.
 */
import { readFileSync } from "node:fs";
import { loadConfig } from "../src/config.ts";
import { createDeps } from "../src/deps.ts";
import { childPids, startBenchApi, startBenchWorkers, stop } from "./support/processes.ts";

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const DAY_CARDS = Number(process.env.BENCH_DAY_CARDS ?? 5_000);
const RUN_DAY = "2027-03-04"; // birthdays on 14 March, lead 10 days

const { api, base, env, auth } = await startBenchApi("automations");
const config = loadConfig({ ...process.env, ...env, AUTOMATION_TICK_SECONDS: "0" });
const deps = createDeps(config, "bench");

const json = async (res: Response) => {
  const body = await res.json();
  if (!res.ok) throw new Error(JSON.stringify(body));
  return body as Record<string, unknown>;
};

const automation = (await json(
  await fetch(`${base}/v1/automations`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({
      occasion: "birthday",
      template: "birthday",
      format: "postcard_4x6",
      message:
        "Happy birthday, {{firstName}}! Everyone at {{businessName}} wishes you a wonderful day and a year full of good things.",
      sender: { business_name: "Acme Plumbing & Heating", signature: "Maria and the Acme team" },
    }),
  }),
)) as { id: string };
const { rows: owner } = await deps.pool.query<{ account_id: string }>(
  "SELECT account_id FROM automations WHERE id = $1",
  [automation.id],
);
const accountId = owner[0]?.account_id as string;
await deps.pool.query("UPDATE automations SET last_run_date = $2 WHERE id = $1", [
  automation.id,
  "2027-03-03",
]);

// DAY_CARDS contacts born on 14 March; the rest spread over the year's days.
let t = performance.now();
await deps.pool.query(
  `INSERT INTO contacts (id, account_id, data, birthday_year, birthday_month, birthday_day)
   SELECT 'ct_bench' || lpad(i::text, 9, '0'), $1,
          jsonb_build_object(
            'firstName', (ARRAY['Zoë','José','Anna','Ben','Chloe','David','Emma','Дмитрий'])[1 + i % 8],
            'lastName', 'Lee ' || i,
            'fullName', (ARRAY['Zoë','José','Anna','Ben','Chloe','David','Emma','Дмитрий'])[1 + i % 8] || ' Lee ' || i,
            'address', jsonb_build_object('line1', (100 + i) || ' Main Street', 'city', 'Springfield',
                                          'region', 'IL', 'postalCode', lpad((10000 + (i * 7919) % 89999)::text, 5, '0'),
                                          'country', 'US'),
            'custom', '{}'::jsonb),
          CASE WHEN i % 3 = 0 THEN NULL ELSE 1940 + i % 60 END,
          CASE WHEN i <= $3 THEN 3 ELSE extract(month FROM d)::int END,
          CASE WHEN i <= $3 THEN 14 ELSE extract(day FROM d)::int END
     FROM generate_series(1, $2::int) i
     CROSS JOIN LATERAL (SELECT date '2028-01-01' + (i % 366) AS d) x`,
  [accountId, CONTACTS, DAY_CARDS],
);
await deps.pool.query("ANALYZE contacts");
console.log(
  `automations: ${CONTACTS.toLocaleString("en-US")} contacts inserted in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

// upcoming over a year, through the API: the first call, then the median of five.
const year = `${base}/v1/automations/${automation.id}/upcoming?from=2027-03-04&to=2028-03-03&limit=100`;
const times: number[] = [];
let totals: unknown;
for (let i = 0; i < 6; i++) {
  t = performance.now();
  const body = await json(await fetch(year, { headers: auth }));
  times.push(performance.now() - t);
  totals = body.totals;
}
const [first, ...rest] = times;
rest.sort((a, b) => a - b);
console.log(
  `  upcoming over a year (365 days, first page of 100, totals ${JSON.stringify(totals)}): first ${first?.toFixed(0)} ms, median ${rest[2]?.toFixed(0)} ms`,
);

// A busy day: the daily run's call, then the workers, to the last batch ready.
const workers = startBenchWorkers({ ...env, AUTOMATION_TICK_SECONDS: "0" });
// The worker processes up (their start is not the day's work).
let workerPids: number[] = [];
while (workerPids.length < config.worker.processes) {
  await new Promise((r) => setTimeout(r, 500));
  workerPids = childPids(workers.pid as number);
}
await new Promise((r) => setTimeout(r, 2000));
const cpuSeconds = (pids: number[]) =>
  pids.reduce((s, pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      return s + (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return s;
    }
  }, 0);
const cpuBefore = cpuSeconds(workerPids);
const selfBefore = process.cpuUsage();
const started = performance.now();
const [day] = await deps.dailyRun.runDay({ date: RUN_DAY, accountId });
const runSeconds = (performance.now() - started) / 1000;
const campaignId = day?.campaign_id as string;
let status = "";
while (status !== "ready" && status !== "failed") {
  await new Promise((r) => setTimeout(r, 250));
  const { rows } = await deps.pool.query<{ status: string }>(
    "SELECT status FROM campaigns WHERE id = $1",
    [campaignId],
  );
  status = rows[0]?.status ?? "";
}
const wall = (performance.now() - started) / 1000;
const self = process.cpuUsage(selfBefore);
const cpu = cpuSeconds(workerPids) - cpuBefore + (self.user + self.system) / 1e6;
const { rows: batches } = await deps.pool.query<{ n: number; cards: number }>(
  "SELECT count(*)::int AS n, sum(card_count)::int AS cards FROM batches WHERE campaign_id = $1 AND status = 'ready'",
  [campaignId],
);
console.log(
  `  daily run of ${RUN_DAY}: ${day?.cards} cards (the run itself ${runSeconds.toFixed(1)} s), ${batches[0]?.n} batches ready with ${batches[0]?.cards} cards, status ${status}`,
);
console.log(
  `  clock → last batch ready: ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU (${workerPids.length} worker processes and the run)`,
);

await deps.close();
await stop(workers);
await stop(api);
