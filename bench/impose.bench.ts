/**
 * Imposition benchmark: a 500-card 4x6 postcard batch (birthday design, a full-bleed photo
 * shared by every card, a merged message per card) imposed on 12x18 press sheets, as the API's
 * first GET /v1/batches/:id/imposed.pdf does it: in a fresh process running the compiled
 * renderer (dist/, as `npm start`), fonts and design loaded cold. Prints wall and CPU seconds,
 * then a second, warm run in the same process.
 *
 *   node --import tsx bench/impose.bench.ts [--cards N] [--sheet 12x18]
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build, productionWorkerNode as productionNode } from "../test/support/node-process.ts";
import { makePhoto } from "./render-photos.ts";

const args = process.argv.slice(2);
const CARDS = Number(args[args.indexOf("--cards") + 1] ?? 0) || 500;
const SHEET = args.includes("--sheet") ? (args[args.indexOf("--sheet") + 1] as string) : "12x18";

build();
const dir = await mkdtemp(join(tmpdir(), "cardmerge-bench-impose-"));
// A 4x6 postcard's face with bleed at 300 ppi.
const photoPath = join(dir, "photo.jpg");
await writeFile(photoPath, await makePhoto(1875, 1275, 3));
const renderUrl = pathToFileURL(resolve("dist/src/render/index.js")).href;

const child = `
import { createWriteStream, readFileSync, statSync } from "node:fs";
import { finished } from "node:stream/promises";
const wall0 = performance.now();
const cpu0 = process.cpuUsage();
const r = await import(${JSON.stringify(renderUrl)});
const template = await r.loadBuiltinTemplate("birthday");
const photo = { id: "p1", jpeg: readFileSync(${JSON.stringify(photoPath)}), widthPx: 1875, heightPx: 1275 };
const FIRST = ["Emma", "Liam", "Zoë", "Noah", "José", "Αθηνά", "Łukasz", "Mia"];
const card = (i) => ({
  template, format: "postcard_4x6", photo,
  message: "Happy birthday, {{firstName}}! Everyone at {{businessName}} wishes you a wonderful year.",
  data: {
    recipient: { firstName: FIRST[i % 8], lastName: "Smith " + i, fullName: FIRST[i % 8] + " Smith " + i,
      address: { line1: (100 + i) + " Main Street", city: "Springfield", region: "IL", postalCode: String(60000 + i), country: "US" },
      custom: {} },
    sender: { businessName: "Acme Plumbing", signature: "Maria" },
    campaign: { name: "Birthdays", occasion: "birthday" },
  },
});
async function once(name) {
  const w = performance.now(); const c = process.cpuUsage();
  const out = createWriteStream(${JSON.stringify(join(dir, "imposed-"))} + name + ".pdf");
  const rep = await r.imposeBatch(${CARDS}, card, out, { format: "postcard_4x6", sheet: ${JSON.stringify(SHEET)}, batchId: "batch_bench" });
  await finished(out).catch(() => {});
  const cu = process.cpuUsage(c);
  return { ...rep, wall: (performance.now() - w) / 1000, cpu: (cu.user + cu.system) / 1e6,
    bytes: statSync(${JSON.stringify(join(dir, "imposed-"))} + name + ".pdf").size };
}
const cold = await once("cold");
const total = process.cpuUsage(cpu0);
cold.processWall = (performance.now() - wall0) / 1000;
cold.processCpu = (total.user + total.system) / 1e6;
const warm = await once("warm");
console.log(JSON.stringify({ cold, warm, rssMb: Math.round(process.memoryUsage().rss / 1048576) }));
`;

try {
  const out = execFileSync(
    process.execPath,
    [...productionNode.args, "--input-type=module", "-e", child],
    {
      env: { ...process.env, ...productionNode.env },
      encoding: "utf8",
    },
  );
  const { cold, warm, rssMb } = JSON.parse(out.trim().split("\n").pop() as string);
  console.log(
    `impose ${CARDS} postcard_4x6 cards on ${SHEET}: ${cold.sheets} sheets (${cold.perSheet}-up), ${cold.pages} pages, ${(cold.bytes / 1e6).toFixed(1)} MB`,
  );
  console.log(
    `  fresh process (import, fonts, design, imposition): ${cold.processWall.toFixed(2)} s wall, ${cold.processCpu.toFixed(2)} s CPU; the imposition alone ${cold.wall.toFixed(2)} s wall, ${cold.cpu.toFixed(2)} s CPU`,
  );
  console.log(
    `  second run, warm: ${warm.wall.toFixed(2)} s wall, ${warm.cpu.toFixed(2)} s CPU; peak RSS ${rssMb} MB (target: under 5 s)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
