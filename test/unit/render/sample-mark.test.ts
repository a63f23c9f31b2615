import { execFile } from "node:child_process";
import { promisify } from "node:util";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  FORMATS,
  type FormatId,
  listBuiltinTemplates,
  loadBuiltinTemplate,
  renderBatch,
  renderCard,
} from "../../../src/render/index.ts";
import { SAMPLE_MARK_TEXT } from "../../../src/render/sample-mark.ts";
import { preflight } from "../../support/preflight.ts";
import { cardData, photoFor, writeTemp } from "./fixtures.ts";

const run = promisify(execFile);
const summaries = await listBuiltinTemplates();
const cases = summaries.flatMap((t) => t.formats.map((format) => ({ id: t.id, format })));

/** The text of one page, spaces folded. */
async function pageText(path: string, page: number): Promise<string> {
  const { stdout } = await run("pdftotext", [
    "-enc",
    "UTF-8",
    "-f",
    String(page),
    "-l",
    String(page),
    path,
    "-",
  ]);
  return stdout.replace(/\s+/g, " ");
}

const DPI = 36;

/** One page as raw RGB pixels (poppler draws it, sharp decodes it). */
async function pagePixels(path: string, page: number) {
  const { stdout } = await run(
    "pdftoppm",
    ["-r", String(DPI), "-png", "-f", String(page), "-l", String(page), "-singlefile", path],
    { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
  );
  const { data, info } = await sharp(stdout)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The box (points, y down) of the pixels where two renders of a page differ. */
async function changedBox(a: string, b: string, page: number) {
  const [pa, pb] = await Promise.all([pagePixels(a, page), pagePixels(b, page)]);
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < pa.height; y++) {
    for (let x = 0; x < pa.width; x++) {
      const i = (y * pa.width + x) * 3;
      const d =
        Math.abs((pa.data[i] ?? 0) - (pb.data[i] ?? 0)) +
        Math.abs((pa.data[i + 1] ?? 0) - (pb.data[i + 1] ?? 0)) +
        Math.abs((pa.data[i + 2] ?? 0) - (pb.data[i + 2] ?? 0));
      if (d < 24) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
    }
  }
  const k = 72 / DPI;
  return { x0: x0 * k, y0: y0 * k, x1: x1 * k, y1: y1 * k };
}

describe("the test-mode SAMPLE mark", () => {
  it.each(cases)(
    "$id in $format: on every page, inside the trim, preflight passes",
    async ({ id, format }) => {
      const template = await loadBuiltinTemplate(id);
      const spec = FORMATS[format as FormatId];
      const input = {
        template,
        format: format as FormatId,
        data: cardData(),
        photo: await photoFor(format as FormatId),
      };
      const sample = await writeTemp(
        `sample-${id}-${format}.pdf`,
        (await renderCard({ ...input, options: { sample: true } })).pdf,
      );
      const live = await writeTemp(`live-${id}-${format}.pdf`, (await renderCard(input)).pdf);

      const pf = await preflight(sample);
      expect(pf.pages).toBe(spec.pages.length);
      expect(pf.qpdfOk, pf.qpdfOutput).toBe(true);
      for (const font of pf.fonts) {
        expect(font, font.name).toMatchObject({ embedded: true, subset: true, unicode: true });
      }
      const trim = pf.trimBoxes[0] ?? [0, 0, 0, 0];
      const pageH = (pf.mediaBoxes[0] ?? [0, 0, 0, 0])[3] ?? 0;
      for (let page = 1; page <= pf.pages; page++) {
        expect(await pageText(sample, page), `page ${page}`).toContain(SAMPLE_MARK_TEXT);
        expect(await pageText(live, page), `page ${page}`).not.toContain("SAMPLE");
        // Large: it changes pixels across most of the trim; inside: none outside it.
        const box = await changedBox(sample, live, page);
        const [tx0, ty0, tx1, ty1] = [trim[0], pageH - trim[3], trim[2], pageH - trim[1]];
        const px = 72 / DPI;
        expect(box.x0, "left").toBeGreaterThanOrEqual(tx0 - px);
        expect(box.y0, "top").toBeGreaterThanOrEqual(ty0 - px);
        expect(box.x1, "right").toBeLessThanOrEqual(tx1 + px);
        expect(box.y1, "bottom").toBeLessThanOrEqual(ty1 + px);
        expect(box.x1 - box.x0, "width").toBeGreaterThan((tx1 - tx0) * 0.8);
        expect(box.y1 - box.y0, "height").toBeGreaterThan((ty1 - ty0) * 0.8);
      }
    },
  );

  it("marks each card of a batch that asks for it, and only those", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const base = { template, format: "card_5x7" as const, data: cardData() };
    const { PassThrough } = await import("node:stream");
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (c: Buffer) => chunks.push(c));
    await renderBatch([{ ...base, options: { sample: true } }, base], out);
    const path = await writeTemp("sample-batch.pdf", Buffer.concat(chunks));
    expect(await pageText(path, 1)).toContain(SAMPLE_MARK_TEXT);
    expect(await pageText(path, 2)).toContain(SAMPLE_MARK_TEXT);
    expect(await pageText(path, 3)).not.toContain("SAMPLE");
    expect(await pageText(path, 4)).not.toContain("SAMPLE");
  });
});
