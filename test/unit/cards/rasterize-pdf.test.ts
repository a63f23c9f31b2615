/**
 * Proof pictures are drawn from a copy of the card's PDF whose output intent poppler does not see
 * (forScreen): the picture must stay exactly what the PDF itself rasterizes to, in both colour modes.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { forScreen, rasterizePdf } from "../../../src/modules/cards/rasterize-pdf.ts";
import { loadBuiltinTemplate, renderCard } from "../../../src/render/index.ts";
import { colourPreflight, preflight } from "../../support/preflight.ts";
import { cardData, photoFor, writeTemp } from "../render/fixtures.ts";

const run = promisify(execFile);

/** pdftoppm on the PDF exactly as written, both pages as raw pixels. */
async function pixelsOfOriginal(name: string, pdf: Buffer): Promise<Buffer[]> {
  const path = await writeTemp(name, pdf);
  const out = path.replace(/\.pdf$/, "");
  await run("pdftoppm", ["-r", "100", "-f", "1", "-l", "2", path, out]);
  return Promise.all([1, 2].map((p) => readFile(`${out}-${p}.ppm`)));
}

describe("proof pictures", () => {
  it.each(["rgb", "cmyk"] as const)(
    "of a %s card are the pixels of its PDF, drawn without its output intent",
    async (colourMode) => {
      const { pdf } = await renderCard({
        template: await loadBuiltinTemplate("thank-you"),
        format: "card_5x7",
        data: cardData("Zoë Ångström"),
        photo: await photoFor("card_5x7"),
        options: { colourMode },
      });
      const screen = forScreen(pdf);
      expect(screen.equals(pdf)).toBe(false);
      expect(screen.length).toBe(pdf.length);
      // The copy is a sound PDF (every offset still right) whose catalog names no output intent;
      // the original keeps its own.
      const copy = await writeTemp(`screen-${colourMode}.pdf`, screen);
      expect((await preflight(copy)).qpdfOk).toBe(true);
      expect(screen.includes("/OutputIntents")).toBe(false);
      const original = await writeTemp(`screen-original-${colourMode}.pdf`, pdf);
      expect((await colourPreflight(original)).outputIntents).toHaveLength(1);

      const drawn = await rasterizePdf(pdf, { first: 1, last: 2, dpi: 100, as: "ppm" });
      const expected = await pixelsOfOriginal(`screen-pixels-${colourMode}.pdf`, pdf);
      expect(drawn).toHaveLength(2);
      expect(drawn.map((page, i) => page.equals(expected[i] as Buffer))).toEqual([true, true]);
    },
  );

  it("leaves a PDF without an output intent as it is", () => {
    const pdf = Buffer.from("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\n");
    expect(forScreen(pdf)).toBe(pdf);
  });
});
