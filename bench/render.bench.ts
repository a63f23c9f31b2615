/**
 * Renderer benchmark on the standard card (see the shared bench SPEC): 5x7 flat card,
 * full-bleed 1575x2175 photo, name on top, ~60-word merged message, 500 recipients, for
 * S (one shared photo) and P (a photo per recipient), BATCH and PER-RECIPIENT, then a
 * 10,000-card S batch for the memory figure (skip with --quick).
 *
 * Timed the way a worker renders: each pass runs in a fresh process started as `npm run worker`
 * starts one (the built dist/, the same heap cap and malloc arenas: test/support/node-process.ts),
 * photos are print masters made at "upload" (preparePhoto) and read from a storage folder through
 * the workers' photo loader (card-input.ts; a P batch's into its PhotoBuffers, as batch assembly
 * reads them), batches carry the sequence number the workers print, and a per-recipient card is
 * streamed to its file as a render process streams it.
 * Passes of the four scenarios are interleaved; each figure is the median of 3. Prints wall and
 * CPU seconds (user + system of the process) beside cards/s.
 *
 *   node --import tsx bench/render.bench.ts [--quick] [--cards N]
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PhotoRow } from "../src/modules/photos/photos.repository.ts";
import type { BatchCardInput, CardData, PhotoBuffers } from "../src/render/index.ts";
import { build, productionWorkerNode as productionNode } from "../test/support/node-process.ts";
import { distinctCopy, makePhoto } from "./render-photos.ts";

const args = process.argv.slice(2);
const arg = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const QUICK = args.includes("--quick");
const CARDS = Number(arg("--cards") ?? 0) || 500;
const BIG = Number(process.env.BENCH_BIG ?? 10_000);
const ROUNDS = 3;

const MESSAGE = `Dear {{firstName}},

Thank you for choosing {{businessName}}. We loved building your {{lastPurchase}} and hope it brings you years of good meals and long conversations. Customers like you keep our small workshop going, and we are grateful for every project. If anything ever needs a touch-up, just call us and we will come by. Enjoy it!`;

const FIRST = [
  "Emma",
  "Liam",
  "Olivia",
  "Noah",
  "Ava",
  "James",
  "Sophia",
  "Lucas",
  "Mia",
  "Ethan",
  "Grace",
  "Henry",
];
const LAST = [
  "Smith",
  "Johnson",
  "Brown",
  "Miller",
  "Davis",
  "Wilson",
  "Taylor",
  "Clark",
  "Walker",
  "Young",
];
const INTL = [
  ["Zoë", "Ångström"],
  ["José", "Núñez"],
  ["Łukasz", "Żółć"],
  ["Nguyễn", "Thị Minh Khai"],
  ["Αθηνά", "Παπαδοπούλου"],
  ["Дмитрий", "Шостакович"],
  ["François", "Lefèvre"],
  ["Søren", "Kierkegård"],
] as const;
const PURCHASES = [
  "oak dining table",
  "walnut bookshelf",
  "cedar garden bench",
  "maple desk",
  "cherry rocking chair",
];

function recipient(i: number): CardData {
  const intl = i % 5 === 0 ? INTL[(i / 5) % INTL.length] : undefined;
  const firstName = intl?.[0] ?? FIRST[i % FIRST.length] ?? "Emma";
  const lastName = intl?.[1] ?? LAST[(i * 7) % LAST.length] ?? "Smith";
  return {
    recipient: {
      firstName,
      lastName,
      fullName: `${firstName} ${lastName}`,
      address: {
        line1: `${100 + i} Harbour Lane`,
        city: "Portland",
        region: "OR",
        postalCode: "97201",
        country: "US",
      },
      custom: { lastPurchase: PURCHASES[i % PURCHASES.length] ?? "table" },
    },
    sender: { businessName: "Maple & Pine Woodworks", signature: "Maria & the team" },
  };
}

const ACCOUNT = "acct_bench";
const SHARED_ID = "photo_shared";
/** The photos table as far as the loader reads it: id, size and where the master is stored. */
type PhotoIndex = Record<string, Pick<PhotoRow, "id" | "width" | "height" | "master_key">>;

/** One timed pass, in this (fresh) process. */
interface Pass {
  wall: number;
  cpu: number;
  bytes: number;
  photoBytes: number;
  rss: number;
}

/** Peak RSS (VmHWM: getrusage's maxRSS carries a parent's mark into a forked child). */
const rssMb = () => {
  const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  return Math.round((hwm ? Number(hwm) : process.resourceUsage().maxRSS) / 1024);
};

/** Child: renders one scenario as a worker would, warm-up first, and prints one JSON line. */
async function child(scenario: string, dir: string, n: number): Promise<void> {
  const dist = new URL("../dist/src/", import.meta.url);
  const R = (await import(
    new URL("render/index.js", dist).href
  )) as typeof import("../src/render/index.ts");
  const { createPhotoLoader } = (await import(
    new URL("modules/cards/card-input.js", dist).href
  )) as typeof import("../src/modules/cards/card-input.ts");
  const { createLocalStorage } = (await import(
    new URL("storage/local-storage.js", dist).href
  )) as typeof import("../src/storage/local-storage.ts");
  const index = JSON.parse(readFileSync(join(dir, "photos.json"), "utf8")) as PhotoIndex;
  const photos = createPhotoLoader({
    storage: createLocalStorage(join(dir, "storage")),
    findPhoto: async (_account, id) => index[id] as PhotoRow | undefined,
  });
  const template = await R.loadBuiltinTemplate("thank-you");
  const perRecipientPhoto = scenario.startsWith("P");
  const photoBytes = new Map<string, number>();
  async function* cards(
    count: number,
    offset: number,
    p: boolean,
    lend?: PhotoBuffers,
  ): AsyncGenerator<BatchCardInput> {
    for (let i = 0; i < count; i++) {
      // As batch assembly: a photo only one card shows is read into the batch's buffers.
      const photo = await photos(
        ACCOUNT,
        p ? `photo_${i}` : SHARED_ID,
        "rgb",
        p ? lend : undefined,
      );
      if (photo) photoBytes.set(photo.id, photo.jpeg.length);
      const data = recipient(i + offset);
      if (offset) {
        // warm-up names: no layout of the timed pass is cached by it
        data.recipient.firstName += "x";
        data.recipient.fullName = `${data.recipient.firstName} ${data.recipient.lastName}`;
      }
      yield { template, format: "card_5x7", data, message: MESSAGE, ...(photo ? { photo } : {}) };
    }
  }
  const out = join(dir, `out-${process.pid}`);
  await mkdir(out, { recursive: true });
  const run = async (count: number, offset: number, p: boolean): Promise<number> => {
    if (scenario.includes("batch")) {
      const file = join(out, "batch.pdf");
      const stream = createWriteStream(file);
      const lend = R.canLendPhotos(stream) ? new R.PhotoBuffers() : undefined;
      const report = await R.renderBatch(cards(count, offset, p, lend), stream, {
        sequence: true,
        ...(lend ? { photoBuffers: lend } : {}),
      });
      if (report.failed) throw new Error(`${report.failed} cards failed`);
      return (await stat(file)).size;
    }
    let bytes = 0;
    let i = 0;
    for await (const card of cards(count, offset, p)) {
      // Streamed to its file as it is drawn, as a render process streams it to its pipe.
      const file = createWriteStream(join(out, `card-${i++}.pdf`));
      const written = once(file, "finish");
      await R.renderCardTo(card, file);
      file.end();
      await written;
      bytes += file.bytesWritten;
    }
    if ((await readdir(out)).length < count) throw new Error("missing per-recipient files");
    return bytes;
  };
  await run(20, 100_000, false); // warm-up: JIT, font parsing, subsets (shared photo)
  await rm(out, { recursive: true });
  await mkdir(out);
  photoBytes.clear();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const bytes = await run(n, 0, perRecipientPhoto);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  await rm(out, { recursive: true, force: true });
  const pass: Pass = {
    wall,
    cpu: (c.user + c.system) / 1e6,
    bytes,
    photoBytes: [...photoBytes.values()].reduce((a, b) => a + b, 0),
    rss: rssMb(),
  };
  console.log(JSON.stringify(pass));
}

/** Upload step, not timed: a print master per photo (as photos.service makes), in a storage folder. */
async function prepare(dir: string): Promise<{ avgMaster: number }> {
  const { preparePhoto } = await import("../src/images/index.ts");
  const { createLocalStorage } = await import("../src/storage/local-storage.ts");
  const storage = createLocalStorage(join(dir, "storage"));
  const slots = [{ widthIn: 5.25, heightIn: 7.25, label: "the 5 x 7 front" }];
  const master = async (seed: number) =>
    preparePhoto(await makePhoto(1575, 2175, seed, 88, 0.2), { slots });
  const index: PhotoIndex = {};
  const put = async (id: string, jpeg: Buffer, width: number, height: number) => {
    const key = `${ACCOUNT}/${id}/master.jpg`;
    await storage.put(key, jpeg, { contentType: "image/jpeg" });
    index[id] = { id, width, height, master_key: key };
  };
  const shared = await master(1);
  await put(SHARED_ID, shared.master, shared.masterWidth, shared.masterHeight);
  // Eight distinct pictures; each recipient's master a copy with its own bytes (same pixels).
  const bases = await Promise.all([2, 3, 4, 5, 6, 7, 8, 9].map(master));
  let total = 0;
  for (let i = 0; i < Math.max(CARDS, 20); i++) {
    const b = bases[i % bases.length] as (typeof bases)[number];
    const jpeg = distinctCopy(b.master, String(i));
    total += jpeg.length;
    await put(`photo_${i}`, jpeg, b.masterWidth, b.masterHeight);
  }
  await writeFile(join(dir, "photos.json"), JSON.stringify(index));
  return { avgMaster: Math.round(total / Math.max(CARDS, 20)) };
}

/** One pass in a fresh process started as `npm run worker` starts one. */
function pass(scenario: string, dir: string, n: number): Pass {
  const script = process.argv[1] ?? "";
  const outText = execFileSync(
    process.execPath,
    [
      ...productionNode.args,
      ...process.execArgv,
      script,
      "--child",
      scenario,
      "--dir",
      dir,
      "--cards",
      String(n),
    ],
    { encoding: "utf8", env: { ...process.env, ...productionNode.env } },
  );
  return JSON.parse(outText.trim().split("\n").pop() ?? "{}") as Pass;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const childScenario = arg("--child");
  if (childScenario) return child(childScenario, arg("--dir") ?? "", CARDS);
  build();
  const t0 = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "cardmerge-bench-"));
  const { avgMaster } = await prepare(dir);
  console.log(
    `setup ${((performance.now() - t0) / 1000).toFixed(1)} s: print masters ~${Math.round(avgMaster / 1024)} KB in a storage folder; ${CARDS} recipients, 1 in 5 non-ASCII; fresh process per pass (${productionNode.args.join(" ")}), median of ${ROUNDS}\n`,
  );
  const scenarios = ["S batch", "P batch", "S per-recipient", "P per-recipient"];
  const passes = new Map<string, Pass[]>(scenarios.map((s) => [s, []]));
  for (let k = 0; k < ROUNDS; k++)
    for (const s of scenarios) passes.get(s)?.push(pass(s, dir, CARDS));
  const rows: string[][] = [];
  const row = (name: string, n: number, ps: Pass[]) => {
    const m = (f: (p: Pass) => number) => median(ps.map(f));
    const bytes = m((p) => p.bytes);
    const batch = name.includes("batch");
    rows.push([
      name,
      m((p) => n / p.wall).toFixed(0),
      m((p) => p.wall).toFixed(2),
      m((p) => p.cpu).toFixed(2),
      m((p) => n / p.cpu).toFixed(0),
      `${m((p) => p.rss)} MB`,
      `${(bytes / 1024 / 1024).toFixed(1)} MB`,
      batch ? `${((bytes - m((p) => p.photoBytes)) / n / 1024).toFixed(1)} KB` : "-",
    ]);
  };
  for (const s of scenarios) row(s, CARDS, passes.get(s) ?? []);
  if (!QUICK) row(`S batch x${BIG}`, BIG, [pass("S batch", dir, BIG)]);
  await rm(dir, { recursive: true, force: true });
  const head = [
    "scenario",
    "cards/s",
    "wall s",
    "CPU s",
    "cards/CPU-s",
    "peak RSS",
    "output",
    "over photos/card",
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const r of rows) console.log(line(r));
  console.log(
    "\nCPU s: user + system of the pass's process (a second core running GC shows here, not in wall).",
  );
}

await main();
