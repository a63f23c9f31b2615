/**
 * The console's pages as a signed-in person opens them, against the real API process (built
 * dist/, as `npm start` runs it): an account with a campaign of 2,000 recipients, 2,000 contacts
 * and an automation; each page fetched 30 times after one warm-up, one at a time. Prints, per
 * page, the server's own time (its Server-Timing header: handler to last byte handed to Node)
 * at the median and the 95th percentile, the wall time seen by the client, and the target
 * (issue 13): every page under 100 ms on the server. Then the largest script and the stylesheet.
 *
 *   npm run bench:console
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { recipientsCsv } from "../test/support/campaign-fixtures.ts";
import { benchConsoleCookie } from "./support/console-session.ts";
import { startBenchApi, stop, treeCpuSeconds } from "./support/processes.ts";

const ROUNDS = 30;
const { api, base, env, auth } = await startBenchApi("console");
if (new URL(base).hostname !== "127.0.0.1")
  throw new Error("bench:console sends to 127.0.0.1 only");
const pid = api.pid as number;

async function call(method: string, url: string, body?: string, type = "application/json") {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...auth, ...(body ? { "content-type": type } : {}) },
    body,
  });
  const json = (await res.json()) as { id: string };
  if (!res.ok) throw new Error(`${method} ${url}: ${JSON.stringify(json)}`);
  return json;
}

const campaign = await call(
  "POST",
  "/v1/campaigns",
  JSON.stringify({
    name: "Spring thank-yous",
    occasion: "thank_you",
    template: "thank-you",
    format: "card_5x7",
    merge_fields: ["lastPurchase"],
    message: "Dear {{firstName}}, thank you for your {{lastPurchase}}.",
    sender: { business_name: "Acme Plumbing & Heating", signature: "Maria" },
  }),
);
await call("POST", `/v1/campaigns/${campaign.id}/recipients`, recipientsCsv(2000), "text/csv");
await call("POST", "/v1/contacts/import", recipientsCsv(2000), "text/csv");
await call(
  "POST",
  "/v1/automations",
  JSON.stringify({
    occasion: "birthday",
    template: "birthday",
    format: "postcard_4x6",
    sender: { business_name: "Acme Plumbing & Heating" },
  }),
).catch((error: Error) => console.error(`(no automation: ${error.message.slice(0, 200)})`));

const cookie = await benchConsoleCookie(env, "bench-console@example.com");

const PAGES = [
  "/campaigns",
  "/campaigns/new",
  `/campaigns/${campaign.id}`,
  `/campaigns/${campaign.id}/recipients`,
  "/contacts",
  "/contacts?q=Smith",
  "/automations",
  "/settings",
  "/settings/keys",
  "/settings/webhooks",
  "/settings/users",
];

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};

console.log(
  `\nbench:console (API process as npm start runs it; ${ROUNDS} requests a page after a warm-up)`,
);
console.log(`${"page".padEnd(40)} server p50   p95    wall p50   CPU s   target`);
let worst = 0;
for (const url of PAGES) {
  const get = async () => {
    const t0 = performance.now();
    const res = await fetch(`${base}${url}`, { headers: cookie, redirect: "manual" });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    const server = Number(/app;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1]);
    return { server, wall: performance.now() - t0 };
  };
  await get();
  const cpu0 = treeCpuSeconds(pid);
  const samples = [];
  for (let i = 0; i < ROUNDS; i++) samples.push(await get());
  const cpu = treeCpuSeconds(pid) - cpu0;
  const p95 = quantile(
    samples.map((s) => s.server),
    0.95,
  );
  worst = Math.max(worst, p95);
  console.log(
    `${url.replace(campaign.id, ":id").padEnd(40)} ${quantile(
      samples.map((s) => s.server),
      0.5,
    )
      .toFixed(1)
      .padStart(6)} ms ${p95.toFixed(1).padStart(6)} ms ${quantile(
      samples.map((s) => s.wall),
      0.5,
    )
      .toFixed(1)
      .padStart(7)} ms ${cpu.toFixed(2).padStart(6)}   < 100 ms ${p95 < 100 ? "ok" : "SLOW"}`,
  );
}
const assets = path.join(import.meta.dirname, "../src/console/assets");
const sizes = readdirSync(assets).map((f) => [f, statSync(path.join(assets, f)).size] as const);
const [bigName, bigSize] = sizes
  .filter(([f]) => f.endsWith(".js"))
  .sort((a, b) => b[1] - a[1])[0] ?? ["none", 0];
console.log(
  `slowest page p95 ${worst.toFixed(1)} ms (target < 100 ms); largest script ${bigName} ${(bigSize / 1024).toFixed(1)} KB, stylesheet ${((sizes.find(([f]) => f === "console.css")?.[1] ?? 0) / 1024).toFixed(1)} KB (bundle: none)`,
);
await stop(api);
