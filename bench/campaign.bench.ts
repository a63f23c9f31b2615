/**
 * The whole pipeline on the standard card (../shared/bench/SPEC.md): a 10,000-recipient campaign
 * with one shared photo, from the CSV upload to the last batch ready, with the real API process and
 * `npm run worker` at its default settings. Prints seconds, cards/s and each process's peak memory.
 */
import sharp from "sharp";
import { recipientsCsv } from "../test/support/campaign-fixtures.ts";
import {
  childPids,
  peakRssMb,
  startBenchApi,
  startBenchWorkers,
  stop,
} from "./support/processes.ts";

const CARDS = Number(process.env.BENCH_CARDS ?? 10_000);
const { api, base, env, auth } = await startBenchApi("campaign");
const workers = startBenchWorkers(env);

const json = async (res: Response) => {
  const body = await res.json();
  if (!res.ok) throw new Error(JSON.stringify(body));
  return body as Record<string, unknown> & { id: string };
};

// The standard card's photo: 1575 x 2175 px, 300 ppi over the 5x7 bleed area.
const photoJpeg = await sharp({
  create: { width: 1575, height: 2175, channels: 3, background: "#6b8fb8" },
})
  .composite([
    {
      input: Buffer.from(
        '<svg width="1575" height="2175"><circle cx="790" cy="900" r="420" fill="#f4d27a"/><rect y="1500" width="1575" height="675" fill="#4f7a3a"/></svg>',
      ),
    },
  ])
  .jpeg({ quality: 88 })
  .toBuffer();
const form = new FormData();
form.append("file", new Blob([photoJpeg], { type: "image/jpeg" }), "front.jpg");
const photo = (await json(
  await fetch(`${base}/v1/photos`, { method: "POST", headers: auth, body: form }),
)) as unknown as {
  data: { id: string }[];
};

const campaign = await json(
  await fetch(`${base}/v1/campaigns`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({
      name: "Standard card benchmark",
      occasion: "thank_you",
      template: "thank-you",
      format: "card_5x7",
      photo_id: photo.data[0]?.id,
      merge_fields: ["lastPurchase"],
      message:
        "Dear {{firstName}},\n\nThank you for choosing {{businessName}} for your {{lastPurchase}}. It was a real pleasure to work with you, and we hope everything has been running smoothly since our visit. If anything at all needs a second look, just call and we will come right over. We are grateful for customers like you, and for every friend you send our way.",
      sender: { business_name: "Acme Plumbing & Heating", signature: "Maria and the Acme team" },
    }),
  }),
);
const csv = recipientsCsv(CARDS);

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

const workerPids = childPids(workers.pid as number);
console.log(
  `standard card campaign: ${CARDS.toLocaleString("en-US")} recipients, shared photo, ${workerPids.length} worker processes`,
);
console.log(`  import ${imported.imported} rows in ${importSeconds.toFixed(1)} s`);
console.log(
  `  upload → last batch ready: ${seconds.toFixed(1)} s, ${(CARDS / seconds).toFixed(0)} cards/s (status ${state.status}, ${JSON.stringify(state.cards)})`,
);
console.log(
  `  peak RSS: API ${peakRssMb(api.pid as number)} MB; workers ${workerPids.map((p) => `${peakRssMb(p)} MB`).join(", ")}`,
);
await stop(workers);
await stop(api);
