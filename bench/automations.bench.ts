/**
 * Automations at an enterprise account's scale: 100,000 contacts (inserted in SQL, so the setup is
 * quick), `upcoming` of a birthday automation over a year through the real API process, and a busy
 * day: exactly 5,000 birthday cards with the automation's photo (uploaded through the API, read
 * from storage by the workers), from the clock's tick at the account's send hour to the last batch
 * ready. The tick, the day's run and everything after it happen in `npm run worker` at its
 * defaults (built JavaScript, its node flags). Prints the stages, wall seconds against the target
 * and the CPU seconds of the whole worker tree (workers and their render processes).
 *
 *   BENCH_CONTACTS=100000 BENCH_DAY_CARDS=5000 npm run bench:automations
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { loadConfig } from "../src/config.ts";
import { createDeps } from "../src/deps.ts";
import { uploadBenchPhoto } from "./support/bench-photo.ts";
import {
  childPids,
  processTree,
  startBenchApi,
  startBenchWorkers,
  stop,
  treeCpuSeconds,
  treePeakRssMb,
} from "./support/processes.ts";

interface Stamps {
  id: string;
  status: string;
  created_at: Date;
  rendering_at: Date | null;
  batching_at: Date | null;
  ready_at: Date | null;
}

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

// The automation's photo, uploaded as a business would (1800 x 1200 px, 300 ppi over a 6x4 front).
const photoId = await uploadBenchPhoto(base, auth, {
  width: 1800,
  height: 1200,
  background: "#e9b44c",
  svg: '<svg width="1800" height="1200"><circle cx="600" cy="500" r="300" fill="#d1495b"/><rect y="900" width="1800" height="300" fill="#00798c"/></svg>',
  filename: "balloons.jpg",
});

const automation = (await json(
  await fetch(`${base}/v1/automations`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({
      occasion: "birthday",
      template: "birthday",
      format: "postcard_4x6",
      photo_id: photoId,
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

// DAY_CARDS contacts born on 14 March; the rest spread over the year's other days.
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
     CROSS JOIN LATERAL (SELECT date '2028-01-01' + (i % 366) AS d0) x
     CROSS JOIN LATERAL (SELECT CASE WHEN d0 = date '2028-03-14' THEN d0 + 1 ELSE d0 END AS d) y`,
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

// A busy day, as production has it: the clock's tick at the account's send hour enqueues the
// day's run, a worker process runs it (cards made in PostgreSQL), the workers render every card
// in their render processes, reading the automation's photo from storage, and assemble the batches.
const workers = startBenchWorkers({ ...env, AUTOMATION_TICK_SECONDS: "0" });
// The worker processes up and reconciled (their start is not the day's work).
let workerPids: number[] = [];
while (workerPids.length < config.worker.processes) {
  await new Promise((r) => setTimeout(r, 500));
  workerPids = childPids(workers.pid as number);
}
await new Promise((r) => setTimeout(r, 3000));
/** CPU seconds so far of the worker tree, by kind of process (render processes apart). */
const cpuByKind = () => {
  const out = { workers: 0, render: 0 };
  for (const pid of processTree(workers.pid as number)) {
    const seconds = ownCpuSeconds(pid);
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {}
    if (cmd.includes("render-process")) out.render += seconds;
    else out.workers += seconds;
  }
  return out;
};
const ownCpuSeconds = (pid: number) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
};
const kindsBefore = cpuByKind();
const cpuBefore = treeCpuSeconds(workers.pid as number);
const selfBefore = process.cpuUsage();
const load = loadavg()[0]?.toFixed(2);
const started = performance.now();
// 07:00 in New York (the account's zone, send hour 6): the due day is RUN_DAY.
const enqueued = await deps.automationsClock.tick(new Date(`${RUN_DAY}T12:00:00Z`));
if (enqueued.length !== 1 || enqueued[0]?.date !== RUN_DAY)
  throw new Error(`the tick enqueued ${JSON.stringify(enqueued)}`);
let campaign: Stamps | undefined;
while (campaign?.status !== "ready" && campaign?.status !== "failed") {
  await new Promise((r) => setTimeout(r, 250));
  const { rows } = await deps.pool.query<Stamps>(
    `SELECT id, status, created_at, rendering_at, batching_at, ready_at FROM campaigns
      WHERE automation_id = $1 AND send_date = $2`,
    [automation.id, RUN_DAY],
  );
  campaign = rows[0];
}
const wall = (performance.now() - started) / 1000;
const self = process.cpuUsage(selfBefore);
const cpuWorkers = treeCpuSeconds(workers.pid as number) - cpuBefore;
const kinds = cpuByKind();
const peaks = treePeakRssMb(workers.pid as number);
const { rows: counts } = await deps.pool.query<{
  cards: number;
  rendered: number;
  batches: number;
  batched: number;
  first_render: Date;
  last_render: Date;
  first_ready: Date;
  last_ready: Date;
}>(
  `SELECT (SELECT count(*)::int FROM cards WHERE campaign_id = $1) AS cards,
          (SELECT count(*)::int FROM cards WHERE campaign_id = $1 AND status = 'rendered') AS rendered,
          (SELECT count(*)::int FROM batches WHERE campaign_id = $1 AND status = 'ready') AS batches,
          (SELECT coalesce(sum(card_count), 0)::int FROM batches WHERE campaign_id = $1 AND status = 'ready') AS batched,
          (SELECT min(rendered_at) FROM cards WHERE campaign_id = $1) AS first_render,
          (SELECT max(rendered_at) FROM cards WHERE campaign_id = $1) AS last_render,
          (SELECT min(ready_at) FROM batches WHERE campaign_id = $1) AS first_ready,
          (SELECT max(ready_at) FROM batches WHERE campaign_id = $1) AS last_ready`,
  [campaign.id],
);
const c = counts[0] as (typeof counts)[number];
const at = (d: Date | null) =>
  d ? ((d.getTime() - campaign.created_at.getTime()) / 1000).toFixed(1) : "-";
console.log(
  `  daily run of ${RUN_DAY}: ${c.cards} cards made, ${c.rendered} rendered, ${c.batches} batches ready with ${c.batched} cards, status ${campaign.status}`,
);
console.log(
  `  stages, seconds after the day's cards were made: rendering from ${at(campaign.rendering_at)}, first card ${at(c.first_render)}, last card ${at(c.last_render)}, batches planned ${at(campaign.batching_at)}, first batch ready ${at(c.first_ready)}, last ${at(c.last_ready)}`,
);
console.log(
  `  clock → last batch ready: ${wall.toFixed(1)} s wall (target < 60 s: ${wall < 60 ? "met" : "NOT met"}), ${cpuWorkers.toFixed(1)} s CPU in the workers (${workerPids.length} worker processes and their render processes), ${((self.user + self.system) / 1e6).toFixed(1)} s in this process; load average ${load} at the start, ${loadavg()[0]?.toFixed(2)} at the end; peak RSS ${peaks.join(", ")} MB`,
);
console.log(
  `  CPU by process: ${(kinds.workers - kindsBefore.workers).toFixed(1)} s in the worker processes, ${(kinds.render - kindsBefore.render).toFixed(1)} s in the render processes still running`,
);
console.log(
  `  per card: ${((cpuWorkers * 1000) / Math.max(1, c.cards)).toFixed(1)} ms CPU, ${(c.cards / wall).toFixed(0)} cards/s`,
);

await deps.close();
await stop(workers);
await stop(api);
