/**
 * The whole pipeline on the standard card (../shared/bench/SPEC.md): a 10,000-recipient campaign
 * from the CSV upload to the last batch ready, with the real API process and `npm run worker` at
 * its default settings. Prints wall and CPU seconds, cards/s, each process's peak memory and the
 * bytes written per card beyond the photos.
 *
 *   BENCH_CARDS=10000 BENCH_PHOTOS=shared|distinct npm run bench:campaign
 *
 * It also prints what one card costs the shared services (docs/scale.md is built on these):
 * PostgreSQL rows written per table (pg_stat_user_tables of the bench's schema) and Redis
 * commands (INFO commandstats of a redis-server of the bench's own, so no one else's count).
 *
 * shared (scenario S): one photo for every recipient, uploaded through the API. distinct
 * (scenario P): a photo per recipient; to keep the setup short, the uploaded photo's print master
 * is copied per recipient with a comment segment that makes each file's bytes its own, written to
 * storage and recorded in SQL as an upload would be; the workers read each from storage.
 */
import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../src/config.ts";
import { createPool } from "../src/db/pool.ts";
import { recipientsCsv } from "../test/support/campaign-fixtures.ts";
import { startRedisServer } from "../test/support/redis-server.ts";
import { uploadBenchPhoto } from "./support/bench-photo.ts";
import {
  childPids,
  peakRssMb,
  startBenchApi,
  startBenchWorkers,
  stop,
  treeCpuSeconds,
  treePeakRssMb,
} from "./support/processes.ts";

const CARDS = Number(process.env.BENCH_CARDS ?? 10_000);
const DISTINCT = process.env.BENCH_PHOTOS === "distinct";
const redis = await startRedisServer();
process.env.REDIS_URL = redis.url;
const { api, base, env, auth } = await startBenchApi(DISTINCT ? "campaign_p" : "campaign");
const workers = startBenchWorkers(env);
const db = createPool(loadConfig({ ...process.env, ...env }), 2);

const json = async (res: Response) => {
  const body = await res.json();
  if (!res.ok) throw new Error(JSON.stringify(body));
  return body as Record<string, unknown> & { id: string };
};

// The standard card's photo: 1575 x 2175 px, 300 ppi over the 5x7 bleed area.
const photoId = await uploadBenchPhoto(base, auth, {
  width: 1575,
  height: 2175,
  background: "#6b8fb8",
  svg: '<svg width="1575" height="2175"><circle cx="790" cy="900" r="420" fill="#f4d27a"/><rect y="1500" width="1575" height="675" fill="#4f7a3a"/></svg>',
  filename: "front.jpg",
});

let csv = recipientsCsv(CARDS);
if (DISTINCT) {
  const { rows } = await db.query("SELECT * FROM photos WHERE id = $1", [photoId]);
  const row = rows[0];
  const master = await readFile(path.join(env.STORAGE_DIR, row.master_key));
  const ids: string[] = [];
  for (let i = 0; i < CARDS; i++) {
    // A JPEG comment (FF FE) right after the start of image: same picture, bytes of its own.
    const note = Buffer.from(`cardmerge bench photo ${i}`);
    const segment = Buffer.concat([Buffer.from([0xff, 0xfe, 0, note.length + 2]), note]);
    const id = `${photoId}p${i}`;
    const key = row.master_key.replace(photoId, id);
    await mkdir(path.dirname(path.join(env.STORAGE_DIR, key)), { recursive: true });
    await writeFile(
      path.join(env.STORAGE_DIR, key),
      Buffer.concat([master.subarray(0, 2), segment, master.subarray(2)]),
    );
    ids.push(id);
  }
  await db.query(
    `INSERT INTO photos (id, account_id, filename, source_format, width, height, bytes, sha256, master_key, preview_key)
     SELECT n.id, $2, n.id || '.jpg', p.source_format, p.width, p.height, p.bytes, p.sha256,
            replace(p.master_key, $1, n.id), p.preview_key
       FROM photos p, unnest($3::text[]) AS n(id) WHERE p.id = $1`,
    [photoId, row.account_id, ids],
  );
  const lines = csv.split("\r\n");
  csv = [
    `${lines[0]},Photo`,
    ...lines.slice(1).map((line, i) => `${line},${photoId}p${i}.jpg`),
  ].join("\r\n");
}

const campaign = await json(
  await fetch(`${base}/v1/campaigns`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({
      name: "Standard card benchmark",
      occasion: "thank_you",
      template: "thank-you",
      format: "card_5x7",
      photo_id: photoId,
      merge_fields: ["lastPurchase"],
      message:
        "Dear {{firstName}},\n\nThank you for choosing {{businessName}} for your {{lastPurchase}}. It was a real pleasure to work with you, and we hope everything has been running smoothly since our visit. If anything at all needs a second look, just call and we will come right over. We are grateful for customers like you, and for every friend you send our way.",
      sender: { business_name: "Acme Plumbing & Heating", signature: "Maria and the Acme team" },
    }),
  }),
);

const cpuBefore = {
  api: treeCpuSeconds(api.pid as number),
  workers: treeCpuSeconds(workers.pid as number),
};
const started = performance.now();
const imported = await json(
  await fetch(`${base}/v1/campaigns/${campaign.id}/recipients`, {
    method: "POST",
    headers: { ...auth, "content-type": "text/csv" },
    body: csv,
  }),
);
const importSeconds = (performance.now() - started) / 1000;
await json(
  await fetch(`${base}/v1/campaigns/${campaign.id}/submit`, { method: "POST", headers: auth }),
);
let state: { status: string; cards: Record<string, number> } = { status: "", cards: {} };
while (state.status !== "ready" && state.status !== "failed") {
  await new Promise((r) => setTimeout(r, 250));
  state = (await json(
    await fetch(`${base}/v1/campaigns/${campaign.id}`, { headers: auth }),
  )) as unknown as typeof state;
}
const seconds = (performance.now() - started) / 1000;
const cpu = {
  api: treeCpuSeconds(api.pid as number) - cpuBefore.api,
  workers: treeCpuSeconds(workers.pid as number) - cpuBefore.workers,
};

/** Bytes of every file under a folder of the bench's storage. */
async function bytesUnder(folder: string): Promise<{ files: number; bytes: number }> {
  const total = { files: 0, bytes: 0 };
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        total.files++;
        total.bytes += (await stat(full)).size;
      }
    }
  };
  await walk(path.join(env.STORAGE_DIR, folder));
  return total;
}
const { rows: owner } = await db.query("SELECT account_id FROM campaigns WHERE id = $1", [
  campaign.id,
]);
const campaignDir = `accounts/${owner[0]?.account_id}/campaigns/${campaign.id}`;
const cards = await bytesUnder(`${campaignDir}/cards`);
const pieces = await bytesUnder(`${campaignDir}/pieces`);
const batches = await bytesUnder(`${campaignDir}/batches`);
const perCard = (b: number) => `${(b / CARDS / 1024).toFixed(1)} KB`;

const workerPids = childPids(workers.pid as number);
const load = (await readFile("/proc/loadavg", "utf8")).split(" ", 3);
console.log(
  `standard card campaign: ${CARDS.toLocaleString("en-US")} recipients, ${DISTINCT ? "a distinct photo per recipient" : "shared photo"}, ${workerPids.length} worker processes (load ${load.join(" ")})`,
);
console.log(`  import ${imported.imported} rows in ${importSeconds.toFixed(1)} s`);
console.log(
  `  upload → last batch ready: ${seconds.toFixed(1)} s wall (target < 45 s), ${(CARDS / seconds).toFixed(0)} cards/s (status ${state.status}, ${JSON.stringify(state.cards)})`,
);
console.log(
  `  CPU: ${(cpu.api + cpu.workers).toFixed(1)} s (API ${cpu.api.toFixed(1)} s, workers and their render processes ${cpu.workers.toFixed(1)} s)`,
);
console.log(
  `  peak RSS: API ${peakRssMb(api.pid as number)} MB; workers ${workerPids.map((p) => `${peakRssMb(p)} MB`).join(", ")}; largest worker-side process ${treePeakRssMb(workers.pid as number)[0]} MB (target < 400 MB)`,
);
console.log(
  `  written per card beyond the photos: ${perCard(cards.bytes + pieces.bytes + batches.bytes)} (target < 50 KB): card objects ${perCard(cards.bytes)}, shared pieces ${perCard(pieces.bytes)} (${pieces.files} files), batch PDF+CSV+ZIP ${perCard(batches.bytes)}`,
);

// What the card cost the shared services. Table statistics reach pg_stat a moment after commit.
await new Promise((r) => setTimeout(r, 1500));
const { rows: tables } = await db.query<{
  relname: string;
  ins: string;
  upd: string;
  del: string;
  bytes: string;
}>(
  `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del,
          pg_total_relation_size(relid) AS bytes
     FROM pg_stat_user_tables WHERE schemaname = $1 ORDER BY n_tup_ins + n_tup_upd DESC`,
  [env.DATABASE_SCHEMA],
);
const sum = (k: "ins" | "upd" | "del") => tables.reduce((n, t) => n + Number(t[k]), 0);
const per = (n: number) => (n / CARDS).toFixed(2);
console.log(
  `  PostgreSQL per card: ${per(sum("ins"))} rows inserted, ${per(sum("upd"))} updated, ${per(sum("del"))} deleted; by table: ${tables
    .filter((t) => Number(t.ins) + Number(t.upd) > 0)
    .slice(0, 8)
    .map((t) => `${t.relname} ${per(Number(t.ins))}+${per(Number(t.upd))}u`)
    .join(
      ", ",
    )}; on disk (tables and indexes) ${perCard(tables.reduce((n, t) => n + Number(t.bytes), 0))}`,
);
const info = execFileSync("redis-cli", ["-u", redis.url, "info", "all"]).toString();
const commands = [...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)]
  .map(([, name, calls]) => ({ name, calls: Number(calls) }))
  .sort((a, b) => b.calls - a.calls);
const calls = commands.reduce((n, c) => n + c.calls, 0);
const peakMemory = /^used_memory_peak_human:(\S+)/m.exec(info)?.[1];
console.log(
  `  Redis per card: ${per(calls)} commands (${commands
    .slice(0, 6)
    .map((c) => `${c.name} ${per(c.calls)}`)
    .join(", ")}); peak memory ${peakMemory}`,
);
await db.end();
await stop(workers);
await stop(api);
await redis.stop();
