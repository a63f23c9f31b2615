/**
 * What the render sandbox costs per card: the standard card (5x7, full-bleed 1575x2175 photo, name
 * on top, ~60-word message) rendered one PDF per recipient, in-process (`renderCard`, as before the
 * sandbox) and through the render pool (one render process), each in a fresh process started like
 * `npm run worker` (compiled JS from dist/, V8 heap capped at HEAP_MB, two malloc arenas), the
 * photo read from a file as the worker reads its print master. Prints cards/s, CPU seconds per
 * card and peak RSS (the process plus its render process); the modes alternate, median of the
 * passes.
 *
 *   node --import tsx bench/render-sandbox.bench.ts [--cards N] [--passes N]
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, productionWorkerNode as productionNode } from "../test/support/node-process.ts";
import { makePhoto } from "./render-photos.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) =>
  args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback;
const CARDS = arg("--cards", 300);
const PASSES = arg("--passes", 3);
const WARM_UP = 20;

interface Pass {
  mode: string;
  seconds: number;
  cpuSeconds: number;
  bytes: number;
  rssMb: number;
}

/** User + system CPU seconds a process has used (from /proc, in clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMbOf(pid: number): number {
  const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "0";
  return Math.round(Number(hwm) / 1024);
}

/** The child: renders WARM_UP + CARDS cards from dist/ and prints one Pass as JSON. */
async function child(mode: "in-process" | "sandbox", photoPath: string): Promise<void> {
  const dist = (p: string) => import(pathToFileURL(join(process.cwd(), "dist/src", p)).href);
  const render = await dist("render/index.js");
  const { createRenderPool } = await dist("render-sandbox/render-pool.js");
  const template = await render.loadBuiltinTemplate("thank-you");
  const photo = { id: "shared", jpeg: readFileSync(photoPath), widthPx: 1575, heightPx: 2175 };
  const pool =
    mode === "sandbox"
      ? createRenderPool({ processes: 1, heapMb: 128, timeoutMs: 10_000, maxPdfBytes: 16 << 20 })
      : undefined;
  const message =
    "Dear {{firstName}},\n\nThank you for choosing {{businessName}}. We loved building your {{lastPurchase}} and hope it brings you years of good meals and long conversations. Customers like you keep our small workshop going, and we are grateful for every project. If anything ever needs a touch-up, just call us and we will come by. Enjoy it!";
  const input = (i: number) => ({
    template,
    format: "card_5x7",
    message,
    photo,
    data: {
      recipient: {
        firstName: i % 5 ? "Emma" : "Zoë",
        lastName: `Ångström ${i}`,
        fullName: `${i % 5 ? "Emma" : "Zoë"} Ångström ${i}`,
        address: { line1: `${i} Harbour Lane`, city: "Portland", region: "OR", country: "US" },
        custom: { lastPurchase: "oak dining table" },
      },
      sender: { businessName: "Maple & Pine Woodworks", signature: "Maria & the team" },
    },
  });
  const one = (i: number) => (pool ? pool.render(input(i)) : render.renderCard(input(i)));
  for (let i = 0; i < WARM_UP; i++) await one(i);
  const renderPid: number | undefined = pool?.stats().pids[0];
  const cpu0 = process.cpuUsage();
  const childCpu0 = renderPid ? cpuSecondsOf(renderPid) : 0;
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < CARDS; i++) bytes += (await one(WARM_UP + i)).pdf.length;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const childCpu = renderPid ? cpuSecondsOf(renderPid) - childCpu0 : 0;
  const childRss = renderPid ? peakRssMbOf(renderPid) : 0;
  await pool?.close();
  const pass: Pass = {
    mode,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6 + childCpu,
    bytes,
    rssMb: peakRssMbOf(process.pid) + childRss,
  };
  console.log(JSON.stringify(pass));
}

async function main(): Promise<void> {
  const childMode = args[args.indexOf("--child") + 1];
  if (args.includes("--child")) {
    await child(childMode as "in-process" | "sandbox", args[args.indexOf("--photo") + 1] as string);
    return;
  }
  build();
  const dir = await mkdtemp(join(tmpdir(), "cardmerge-bench-sandbox-"));
  const photoPath = join(dir, "photo.jpg");
  await writeFile(photoPath, await makePhoto(1575, 2175, 1, 88, 0.2));
  const passes: Pass[] = [];
  for (let p = 0; p < PASSES; p++) {
    for (const mode of ["in-process", "sandbox"]) {
      const out = execFileSync(
        process.execPath,
        [
          ...productionNode.args,
          "--import",
          "tsx",
          process.argv[1] ?? "",
          "--child",
          mode,
          "--photo",
          photoPath,
          "--cards",
          String(CARDS),
        ],
        { encoding: "utf8", env: { ...process.env, ...productionNode.env } },
      );
      passes.push(JSON.parse(out.trim().split("\n").pop() ?? "{}") as Pass);
    }
  }
  await rm(dir, { recursive: true, force: true });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(
    `${CARDS} per-recipient cards per pass, ${PASSES} passes per mode, fresh process each`,
  );
  for (const mode of ["in-process", "sandbox"]) {
    const mine = passes.filter((p) => p.mode === mode);
    const rate = median(mine.map((p) => CARDS / p.seconds));
    const cpuMs = median(mine.map((p) => (p.cpuSeconds / CARDS) * 1000));
    const rss = median(mine.map((p) => p.rssMb));
    const each = mine.map((p) => (CARDS / p.seconds).toFixed(0)).join(", ");
    console.log(
      `${mode.padEnd(10)}  ${rate.toFixed(1)} cards/s (passes: ${each})  ${cpuMs.toFixed(1)} CPU ms/card  peak RSS ${rss} MB (both processes)`,
    );
  }
}

await main();
