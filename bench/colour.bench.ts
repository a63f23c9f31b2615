/**
 * Print colour benchmark: what a CMYK batch costs next to an RGB one. The photo's separation
 * (sharp, through the press profile) is paid once per photo content, then kept in storage; the
 * card render itself differs only in its colour operators and the larger profile it embeds.
 * Prints CPU ms per photo separation, per card (renderCard, warm) and per batch card.
 *
 *   node --import tsx bench/colour.bench.ts [--cards N]
 */
import { PassThrough } from "node:stream";
import { cmykCopy } from "../src/images/index.ts";
import {
  type ColourMode,
  colourProfile,
  loadBuiltinTemplate,
  renderBatch,
  renderCard,
} from "../src/render/index.ts";
import { makePhoto } from "./render-photos.ts";

const args = process.argv.slice(2);
const CARDS = Number(args[args.indexOf("--cards") + 1] ?? 0) || 100;

const cpuMs = async (f: () => Promise<unknown>) => {
  const c = process.cpuUsage();
  const w = performance.now();
  await f();
  const u = process.cpuUsage(c);
  return { cpu: (u.user + u.system) / 1000, wall: performance.now() - w };
};

const template = await loadBuiltinTemplate("birthday");
// A 4x6 postcard's face with bleed at 300 ppi, and the largest master (3375 px long edge).
const rgbJpeg = await makePhoto(1875, 1275, 3);
const large = await makePhoto(3375, 2250, 4);
const press = colourProfile("cmyk").file;
let cmykJpeg: Buffer = Buffer.alloc(0);
const sep = await cpuMs(async () => {
  cmykJpeg = await cmykCopy(rgbJpeg, press);
});
const sepLarge = await cpuMs(() => cmykCopy(large, press));

const photos: Record<ColourMode, { id: string; jpeg: Buffer; widthPx: number; heightPx: number }> =
  {
    rgb: { id: "p1", jpeg: rgbJpeg, widthPx: 1875, heightPx: 1275 },
    cmyk: { id: "p1", jpeg: cmykJpeg, widthPx: 1875, heightPx: 1275 },
  };
const card = (i: number, mode: ColourMode) => ({
  template,
  format: "postcard_4x6" as const,
  photo: photos[mode],
  message:
    "Happy birthday, {{firstName}}! Everyone at {{businessName}} wishes you a wonderful year.",
  data: {
    recipient: {
      firstName: "Emma",
      lastName: `Smith ${i}`,
      fullName: `Emma Smith ${i}`,
      address: {
        line1: `${100 + i} Main Street`,
        city: "Springfield",
        region: "IL",
        postalCode: String(60000 + i),
        country: "US",
      },
      custom: {},
    },
    sender: { businessName: "Acme Plumbing", signature: "Maria" },
    campaign: { name: "Birthdays", occasion: "birthday" },
  },
  options: { colourMode: mode },
});

const rows: string[] = [];
for (const mode of ["rgb", "cmyk", "rgb", "cmyk"] as const) {
  for (let i = 0; i < 5; i++) await renderCard(card(i, mode)); // warm
  let bytes = 0;
  const one = await cpuMs(async () => {
    for (let i = 0; i < CARDS; i++) bytes += (await renderCard(card(i, mode))).pdf.length;
  });
  const out = new PassThrough();
  let batchBytes = 0;
  out.on("data", (c: Buffer) => {
    batchBytes += c.length;
  });
  const batch = await cpuMs(() =>
    renderBatch(
      Array.from({ length: CARDS }, (_, i) => card(i, mode)),
      out,
      { colourMode: mode, sequence: true },
    ),
  );
  rows.push(
    `${mode.padEnd(5)} per card ${(one.cpu / CARDS).toFixed(2)} ms CPU (${Math.round(bytes / CARDS / 1024)} KB)   batch of ${CARDS}: ${(batch.cpu / CARDS).toFixed(2)} ms CPU per card (${(batchBytes / 1024 / 1024).toFixed(1)} MB)`,
  );
}
console.log(
  `photo separation (sharp, ${colourProfile("cmyk").description}): 1875x1275 ${sep.cpu.toFixed(0)} ms CPU (${sep.wall.toFixed(0)} ms wall), 3375x2250 ${sepLarge.cpu.toFixed(0)} ms CPU (${sepLarge.wall.toFixed(0)} ms wall); once per photo content`,
);
for (const r of rows) console.log(r);
