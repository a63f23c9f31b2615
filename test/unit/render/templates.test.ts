import { describe, expect, it } from "vitest";
import {
  FORMATS,
  type FormatId,
  listBuiltinTemplates,
  loadBuiltinTemplate,
  renderCard,
} from "../../../src/render/index.ts";
import { boxSizeIn, preflight } from "../../support/preflight.ts";
import { cardData, photoFor, writeTemp } from "./fixtures.ts";

const summaries = await listBuiltinTemplates();
const cases = summaries.flatMap((t) => t.formats.map((format) => ({ id: t.id, format })));

describe("built-in templates", () => {
  it("ship thank-you, birthday and october-holiday, each with a postcard and a card format", () => {
    expect(summaries.map((s) => s.id)).toEqual(
      expect.arrayContaining(["thank-you", "birthday", "october-holiday"]),
    );
    for (const s of summaries) {
      expect(
        s.formats.some((f) => f.startsWith("postcard_")),
        s.id,
      ).toBe(true);
      expect(
        s.formats.some((f) => f === "card_5x7" || f === "a2_folded"),
        s.id,
      ).toBe(true);
    }
  });

  it.each(cases)("$id in $format renders and passes preflight", async ({ id, format }) => {
    const template = await loadBuiltinTemplate(id);
    const photo = await photoFor(format as FormatId);
    const { pdf, report } = await renderCard({
      template,
      format: format as FormatId,
      data: cardData(),
      photo,
    });
    const pf = await preflight(await writeTemp(`${id}-${format}.pdf`, pdf));
    const spec = FORMATS[format as FormatId];

    expect(pf.pages).toBe(spec.pages.length);
    expect(report.pages).toBe(spec.pages.length);
    for (let i = 0; i < pf.pages; i++) {
      const trim = boxSizeIn(pf.trimBoxes[i] ?? [0, 0, 0, 0]);
      expect(trim.w).toBeCloseTo(spec.sheet.w, 2);
      expect(trim.h).toBeCloseTo(spec.sheet.h, 2);
      const bleed = pf.bleedBoxes[i] ?? [0, 0, 0, 0];
      const t = pf.trimBoxes[i] ?? [0, 0, 0, 0];
      for (let k = 0; k < 2; k++) expect((t[k] ?? 0) - (bleed[k] ?? 0)).toBeCloseTo(9, 2);
      for (let k = 2; k < 4; k++) expect((bleed[k] ?? 0) - (t[k] ?? 0)).toBeCloseTo(9, 2);
      expect(pf.mediaBoxes[i]).toEqual(pf.bleedBoxes[i]);
    }
    expect(pf.fonts.length).toBeGreaterThanOrEqual(2);
    for (const font of pf.fonts) {
      expect(font, font.name).toMatchObject({ embedded: true, subset: true, unicode: true });
    }
    expect(pf.images.length).toBeGreaterThanOrEqual(1);
    for (const img of pf.images) {
      expect(img.encoding).toBe("jpeg");
      expect(Math.min(img.xppi, img.yppi)).toBeGreaterThanOrEqual(300);
    }
    expect(report.photo?.effectivePpi).toBeGreaterThanOrEqual(300);
    expect(report.warnings).toEqual([]);
    expect(pf.qpdfOk, pf.qpdfOutput).toBe(true);
  });

  it.each(cases)(
    "$id in $format keeps text inside the safe zone and postcards' postal areas clear",
    async ({ id, format }) => {
      const template = await loadBuiltinTemplate(id);
      const spec = FORMATS[format as FormatId];
      const faces = template.spec.formats[format as FormatId]?.faces ?? {};
      const inset = spec.safeInset;
      for (const [face, def] of Object.entries(faces)) {
        for (const layer of def?.layers ?? []) {
          if (
            !["name", "message", "signature", "footer", "text"].includes(layer.type) ||
            !("box" in layer)
          )
            continue;
          const [x = 0, y = 0, w = 0, h = 0] = layer.box as number[];
          const where = `${face} ${layer.type}`;
          expect(x, where).toBeGreaterThanOrEqual(inset - 1e-9);
          expect(y, where).toBeGreaterThanOrEqual(inset - 1e-9);
          expect((x ?? 0) + (w ?? 0), where).toBeLessThanOrEqual(spec.face.w - inset + 1e-9);
          expect((y ?? 0) + (h ?? 0), where).toBeLessThanOrEqual(spec.face.h - inset + 1e-9);
          if (spec.postal && face === spec.postal.face) {
            for (const [area, r] of Object.entries(spec.postal.areas)) {
              const overlap = x < r.x + r.w && x + w > r.x && y < r.y + r.h && y + h > r.y;
              expect(overlap, `${where} overlaps ${area}`).toBe(false);
            }
          }
        }
      }
    },
  );
});
