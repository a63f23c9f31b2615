/**
 * The API under load while the workers render a big campaign: 50 clients for 60 s (both
 * bounded; traffic to 127.0.0.1 only) mixing campaign and batch reads, proof renders and small
 * CSV imports, against the real API process and `npm run worker`. Prints each kind's latencies
 * and errors against the targets, then waits for the campaign and checks every card is in
 * exactly one batch.
 *
 *   BENCH_CARDS=10000 BENCH_SECONDS=60 BENCH_CLIENTS=50 npm run bench:load
 */
import { readFile } from "node:fs/promises";
import autocannon from "autocannon";
import { loadConfig } from "../src/config.ts";
import { createPool } from "../src/db/pool.ts";
import { recipientsCsv } from "../test/support/campaign-fixtures.ts";
import { startBenchApi, startBenchWorkers, stop, treeCpuSeconds } from "./support/processes.ts";

const CARDS = Math.min(Number(process.env.BENCH_CARDS ?? 10_000), 100_000);
const SECONDS = Math.min(Number(process.env.BENCH_SECONDS ?? 60), 600);
const CLIENTS = Math.min(Number(process.env.BENCH_CLIENTS ?? 50), 200);

// /metrics answers the bench from 127.0.0.1: the server's own view of each route's latency.
const { api, base, env, auth } = await startBenchApi("load", {
  METRICS_ALLOW_CIDRS: "127.0.0.1/32",
});
if (new URL(base).hostname !== "127.0.0.1") throw new Error("bench:load sends to 127.0.0.1 only");
const workers = startBenchWorkers(env);
const db = createPool(loadConfig({ ...process.env, ...env }), 2);

async function call(method: string, url: string, body?: string, type = "application/json") {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...auth, ...(body ? { "content-type": type } : {}) },
    body,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${url}: ${JSON.stringify(json)}`);
  return json as Record<string, unknown> & { id: string; data: { id: string }[] };
}

const campaignBody = (name: string) =>
  JSON.stringify({
    name,
    occasion: "thank_you",
    template: "thank-you",
    format: "card_5x7",
    merge_fields: ["lastPurchase"],
    message:
      "Dear {{firstName}}, thank you for choosing {{businessName}} for your {{lastPurchase}}.",
    sender: { business_name: "Acme Plumbing & Heating", signature: "Maria" },
  });

// The campaign the workers render during the load.
const big = await call("POST", "/v1/campaigns", campaignBody("Rendered under load"));
await call("POST", `/v1/campaigns/${big.id}/recipients`, recipientsCsv(CARDS), "text/csv");
// A draft the clients proof and import into.
const draft = await call("POST", "/v1/campaigns", campaignBody("Proofed under load"));
await call("POST", `/v1/campaigns/${draft.id}/recipients`, recipientsCsv(40), "text/csv");
const proofIds = (await call("GET", `/v1/campaigns/${draft.id}/recipients?limit=40`)).data.map(
  (r) => r.id,
);

await call("POST", `/v1/campaigns/${big.id}/submit`);
const renderStarted = performance.now();
const cpuBefore = treeCpuSeconds(api.pid as number);

let importNo = 0;
/** Ten fresh rows per import (their own names, so each is imported, not a duplicate). */
const smallCsv = () => {
  const n = importNo++;
  return recipientsCsv(10).replace(/\r\n([^,\r\n]+),/g, (_m, last) => `\r\n${last}${n},`);
};

type Kind = "reads" | "proofs" | "imports";
const share: Record<Kind, number> = {
  reads: Math.max(1, Math.round(CLIENTS * 0.7)),
  proofs: Math.max(1, Math.round(CLIENTS * 0.2)),
  imports: Math.max(1, CLIENTS - Math.round(CLIENTS * 0.7) - Math.round(CLIENTS * 0.2)),
};
const headers = { ...auth };
const requests: Record<Kind, autocannon.Request[]> = {
  reads: [
    { method: "GET", path: `/v1/campaigns/${big.id}`, headers },
    { method: "GET", path: "/v1/batches?limit=20", headers },
    { method: "GET", path: "/v1/campaigns?limit=10", headers },
    { method: "GET", path: `/v1/campaigns/${draft.id}/recipients?limit=20`, headers },
  ],
  proofs: [
    {
      method: "GET",
      headers,
      setupRequest: (req) => ({
        ...req,
        path: `/v1/campaigns/${draft.id}/recipients/${proofIds[Math.floor(Math.random() * proofIds.length)]}/proof.png`,
      }),
    },
  ],
  imports: [
    {
      method: "POST",
      path: `/v1/campaigns/${draft.id}/recipients`,
      headers: { ...headers, "content-type": "text/csv" },
      setupRequest: (req) => ({ ...req, body: smallCsv() }),
    },
  ],
};

const runs = await Promise.all(
  (Object.keys(share) as Kind[]).map(async (kind) => {
    const result = await autocannon({
      url: base,
      connections: share[kind],
      duration: SECONDS,
      timeout: 30,
      requests: requests[kind],
    });
    return [kind, result] as const;
  }),
);
const apiCpu = treeCpuSeconds(api.pid as number) - cpuBefore;
const metricsText = await (await fetch(`${base}/metrics`)).text();

let state = { status: "", cards: {} as Record<string, number> };
const deadline = Date.now() + 30 * 60_000;
while (state.status !== "ready" && state.status !== "failed" && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 500));
  state = (await call("GET", `/v1/campaigns/${big.id}`)) as unknown as typeof state;
}
const renderSeconds = (performance.now() - renderStarted) / 1000;
// Every card rendered, each in one batch, and the batches' counts adding up to the cards.
const { rows: placed } = await db.query<{ cards: string; placed: string; counted: string }>(
  `SELECT count(*) FILTER (WHERE status = 'rendered') AS cards, count(batch_id) AS placed,
          (SELECT coalesce(sum(card_count), 0) FROM batches WHERE campaign_id = $1) AS counted
     FROM cards WHERE campaign_id = $1`,
  [big.id],
);

const target: Record<Kind, number | undefined> = { reads: 200, proofs: 2000, imports: undefined };
const load = (await readFile("/proc/loadavg", "utf8")).split(" ", 3).join(" ");
console.log(
  `API under load: ${CLIENTS} clients for ${SECONDS} s while the workers render ${CARDS.toLocaleString("en-US")} cards (load ${load})`,
);
for (const [kind, r] of runs) {
  const codes = r.statusCodeStats as unknown as Record<string, { count: number }>;
  const fiveXx = Object.entries(codes)
    .filter(([code]) => code.startsWith("5"))
    .reduce((n, [, s]) => n + s.count, 0);
  const goal = target[kind];
  console.log(
    `  ${kind.padEnd(7)} ${String(share[kind]).padStart(3)} clients: ${r.requests.total} requests, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms${goal ? ` (target < ${goal} ms: ${r.latency.p99 < goal ? "met" : "NOT met"})` : ""}, max ${r.latency.max} ms; 5xx ${fiveXx}, other non-2xx ${r.non2xx - fiveXx}, errors ${r.errors}, timeouts ${r.timeouts}; status codes ${Object.entries(
      codes,
    )
      .map(([code, st]) => `${code}×${st.count}`)
      .join(" ")}`,
  );
}
console.log(`  API CPU during the load: ${apiCpu.toFixed(1)} s`);
console.log(serverView(metricsText));
const p = placed[0];
console.log(
  `  campaign ${state.status} after ${renderSeconds.toFixed(1)} s: ${p?.cards} cards rendered, ${p?.placed} in a batch, batches count ${p?.counted} (${[p?.cards, p?.placed, p?.counted].every((n) => Number(n) === CARDS) ? "every card once" : "NOT every card once"})`,
);
await db.end();
await stop(workers);
await stop(api);

/**
 * The API's own timing of each route (its request histogram, from the first hook to the reply),
 * beside the clients' figures: a gap between the two is time spent before the server looked at
 * a request (the event loop busy, or the process waiting for a CPU).
 */
function serverView(text: string): string {
  const buckets = new Map<string, Map<number, number>>();
  for (const m of text.matchAll(
    /^cardmerge_http_request_duration_seconds_bucket\{le="([^"]+)",method="(\w+)",route="([^"]+)",status_code="\d+"\} (\d+)/gm,
  )) {
    const [, le, method, route, count] = m as unknown as string[];
    const key = `${method} ${route}`;
    const perLe = buckets.get(key) ?? new Map<number, number>();
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    perLe.set(bound, (perLe.get(bound) ?? 0) + Number(count));
    buckets.set(key, perLe);
  }
  /** A series' value ("name" or "name{labels}"), NaN when absent. */
  const value = (series: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
  };
  const ms = (series: string) => (value(series) * 1000).toFixed(0);
  // Pauses of the API's event loop for its own garbage collection, since it started.
  const gc = (["major", "minor", "incremental"] as const)
    .map(
      (kind) =>
        `${value(`nodejs_gc_duration_seconds_count{kind="${kind}"}`)} ${kind} (${ms(`nodejs_gc_duration_seconds_sum{kind="${kind}"}`)} ms)`,
    )
    .join(", ");
  const lines = [
    `  server side (the API's request histogram): event loop lag p99 ${ms("nodejs_eventloop_lag_p99_seconds")} ms, max ${ms("nodejs_eventloop_lag_max_seconds")} ms; proof cache ${value('cardmerge_proof_cache_lookups{outcome="hit"}')} hits, ${value('cardmerge_proof_cache_lookups{outcome="miss"}')} misses, holding ${(value("cardmerge_proof_cache_bytes") / 1024 / 1024).toFixed(1)} MB`,
    `  the API's garbage collections since it started: ${gc}`,
  ];
  for (const [route, perLe] of [...buckets].sort()) {
    const bounds = [...perLe.keys()].sort((a, b) => a - b);
    const total = perLe.get(Number.POSITIVE_INFINITY) ?? 0;
    if (total < 50) continue;
    const p99 = bounds.find((b) => (perLe.get(b) ?? 0) >= total * 0.99);
    const over200 = total - (perLe.get(0.2) ?? 0);
    lines.push(
      `    ${route}: ${total} requests, p99 within ${p99 === Number.POSITIVE_INFINITY ? "> 10 s" : `${(p99 ?? 0) * 1000} ms`}, ${((over200 / total) * 100).toFixed(1)}% over 200 ms`,
    );
  }
  return lines.join("\n");
}
