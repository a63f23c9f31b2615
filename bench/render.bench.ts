/**
 * Renderer benchmark on the standard card (see the shared bench SPEC): 5x7 flat card,
 * full-bleed 1575x2175 photo, name on top, ~60-word merged message, 500 recipients.
 * Prints cards/s (median of 3 after a warm-up), peak RSS and output bytes for
 * S (one shared photo) and P (a photo per recipient), BATCH and PER-RECIPIENT, then a
 * 10,000-card S batch for the memory figure (skip with --quick).
 *
 *   node --import tsx bench/render.bench.ts [--quick] [--cards N]
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BatchCardInput,
  type CardData,
  loadBuiltinTemplate,
  type Photo,
  renderBatch,
  renderCard,
  type Template,
} from "../src/render/index.ts";
import { distinctCopy, makePhoto } from "./render-photos.ts";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
/** Child mode: only the 10,000-card batch, so its peak RSS is not the parent's (sharp, P photos). */
const BIG_ONLY = args.includes("--big-only");
const CARDS = Number(args[args.indexOf("--cards") + 1] ?? 0) || 500;
const BIG = Number(process.env.BENCH_BIG ?? 10_000);

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

interface Setup {
  template: Template;
  shared: Photo;
  bases: Buffer[];
}

function* cards(setup: Setup, n: number, perRecipientPhoto: boolean): Generator<BatchCardInput> {
  for (let i = 0; i < n; i++) {
    const photo: Photo = perRecipientPhoto
      ? {
          id: `p${i}`,
          jpeg: distinctCopy(setup.bases[i % setup.bases.length] ?? setup.shared.jpeg, String(i)),
          widthPx: 1575,
          heightPx: 2175,
        }
      : setup.shared;
    yield {
      template: setup.template,
      format: "card_5x7",
      data: recipient(i),
      message: MESSAGE,
      photo,
    };
  }
}

interface Result {
  seconds: number;
  bytes: number;
  failed: number;
}

async function batch(setup: Setup, n: number, p: boolean, dir: string): Promise<Result> {
  const path = join(dir, "batch.pdf");
  const t0 = performance.now();
  const report = await renderBatch(cards(setup, n, p), createWriteStream(path));
  const seconds = (performance.now() - t0) / 1000;
  const { size } = await stat(path);
  await rm(path);
  return { seconds, bytes: size, failed: report.failed };
}

async function perRecipient(setup: Setup, n: number, p: boolean, dir: string): Promise<Result> {
  const out = join(dir, "cards");
  await rm(out, { recursive: true, force: true });
  const { mkdir } = await import("node:fs/promises");
  await mkdir(out);
  let bytes = 0;
  let i = 0;
  const t0 = performance.now();
  for (const card of cards(setup, n, p)) {
    const { pdf } = await renderCard(card);
    await writeFile(join(out, `card-${i++}.pdf`), pdf);
    bytes += pdf.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  if ((await readdir(out)).length !== n) throw new Error("missing per-recipient files");
  await rm(out, { recursive: true });
  return { seconds, bytes, failed: 0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
/**
 * Peak RSS of this process. VmHWM, not getrusage's maxRSS: after fork+exec Linux carries the
 * parent's high-water mark into the child's maxRSS, so a child of a big parent would report the
 * parent's memory as its own.
 */
const rssMb = () => {
  const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  return Math.round((hwm ? Number(hwm) : process.resourceUsage().maxRSS) / 1024);
};

async function main(): Promise<void> {
  const t0 = performance.now();
  const template = await loadBuiltinTemplate("thank-you");
  const sharedPath = args[args.indexOf("--photo") + 1];
  // The child reads the parent's photo: no sharp in its process, so its RSS is the renderer's.
  const shared = {
    id: "shared",
    jpeg:
      BIG_ONLY && sharedPath ? await readFile(sharedPath) : await makePhoto(1575, 2175, 1, 88, 0.2),
    widthPx: 1575,
    heightPx: 2175,
  };
  const bases = BIG_ONLY
    ? []
    : await Promise.all([2, 3, 4, 5, 6, 7, 8, 9].map((s) => makePhoto(1575, 2175, s, 88, 0.2)));
  const setup: Setup = { template, shared, bases };
  const dir = await mkdtemp(join(tmpdir(), "cardmerge-bench-"));
  const avgPhoto = Math.round(bases.reduce((a, b) => a + b.length, 0) / bases.length);
  if (!BIG_ONLY)
    console.log(
      `setup ${((performance.now() - t0) / 1000).toFixed(1)} s; photo 1575x2175, ~${Math.round(avgPhoto / 1024)} KB; ${CARDS} recipients, 1 in 5 with diacritics or non-Latin script\n`,
    );

  const scenarios: Array<[string, (n: number) => Promise<Result>, boolean]> = [
    ["S batch", (n) => batch(setup, n, false, dir), false],
    ["P batch", (n) => batch(setup, n, true, dir), true],
    ["S per-recipient", (n) => perRecipient(setup, n, false, dir), false],
    ["P per-recipient", (n) => perRecipient(setup, n, true, dir), true],
  ];
  if (BIG_ONLY) {
    await batch(setup, 50, false, dir);
    const r = await batch(setup, BIG, false, dir);
    await rm(dir, { recursive: true, force: true });
    console.log(JSON.stringify({ ...r, rss: rssMb() }));
    return;
  }
  const rows: string[][] = [];
  for (const [name, run, p] of scenarios) {
    await run(50); // warm-up: JIT, font parsing, layout caches
    const results: Result[] = [];
    for (let k = 0; k < 3; k++) results.push(await run(CARDS));
    const rate = median(results.map((r) => CARDS / r.seconds));
    const bytes = results[0]?.bytes ?? 0;
    const photoBytes = name.includes("batch") ? (p ? avgPhoto * CARDS : shared.jpeg.length) : 0;
    const perCard = name.includes("batch")
      ? `${((bytes - photoBytes) / CARDS / 1024).toFixed(1)} KB`
      : "-";
    rows.push([
      name,
      rate.toFixed(0),
      `${rssMb()} MB`,
      `${(bytes / 1024 / 1024).toFixed(1)} MB`,
      perCard,
      String(results[0]?.failed ?? 0),
    ]);
  }
  if (!QUICK) {
    const photoPath = join(dir, "shared.jpg");
    await writeFile(photoPath, shared.jpeg);
    const script = process.argv[1] ?? "";
    const child = execFileSync(
      process.execPath,
      // The heap cap npm start / npm run worker use: V8 otherwise lets garbage pile up on a big machine.
      ["--max-old-space-size=256", ...process.execArgv, script, "--big-only", "--photo", photoPath],
      {
        encoding: "utf8",
      },
    );
    const r = JSON.parse(child.trim().split("\n").pop() ?? "{}") as Result & { rss: number };
    rows.push([
      `S batch x${BIG} (own process)`,
      (BIG / r.seconds).toFixed(0),
      `${r.rss} MB`,
      `${(r.bytes / 1024 / 1024).toFixed(1)} MB`,
      `${((r.bytes - shared.jpeg.length) / BIG / 1024).toFixed(1)} KB`,
      String(r.failed),
    ]);
  }
  await rm(dir, { recursive: true, force: true });
  const head = ["scenario", "cards/s", "peak RSS", "output", "over photos/card", "failed"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const r of rows) console.log(line(r));
  console.log(
    "\ncards/s: median of 3 passes after a 50-card warm-up, one core. Peak RSS is the process maximum so far\n(it includes generating the photos with sharp); the 10,000-card row runs in a process of its own.",
  );
}

await main();
