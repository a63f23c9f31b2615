/**
 * Renders cards in a process of its own, with every cache empty, and prints their SHA-256 as JSON:
 * the reference the cache tests compare a warm process against.
 *   node --import tsx test/unit/render/render-alone.ts <photo.jpg> <name>...
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PassThrough } from "node:stream";
import { loadBuiltinTemplate, renderBatch, renderCard } from "../../../src/render/index.ts";
import { cardData } from "./fixtures.ts";

const [photoPath, ...names] = process.argv.slice(2);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
// TEMPLATE picks another built-in (the handwritten note's test uses it).
const template = await loadBuiltinTemplate(process.env.TEMPLATE ?? "thank-you");
const photo = {
  id: "photo-alone",
  jpeg: await readFile(photoPath as string),
  widthPx: Number(process.env.PHOTO_W),
  heightPx: Number(process.env.PHOTO_H),
};
const inputs = names.map((name) => ({
  template,
  format: "card_5x7" as const,
  data: cardData(name),
  photo,
}));
const mode = process.env.RENDER_ALONE;
if (mode === "batch") {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await renderBatch(inputs, out, { sequence: true });
  console.log(JSON.stringify([sha(Buffer.concat(chunks))]));
} else {
  // One card only: the first name, rendered by a process that has rendered nothing else.
  const first = inputs[0];
  if (!first) throw new Error("no name given");
  console.log(JSON.stringify([sha((await renderCard(first)).pdf)]));
}
