/**
 * CMYK cards: every design colour (art, text, photo placeholder, QR code, SAMPLE mark, addresses)
 * written with CMYK operators, black as 0 0 0 100, and the CMYK output intent; RGB cards unchanged.
 */
import { describe, expect, it } from "vitest";
import {
  listBuiltinTemplates,
  loadBuiltinTemplate,
  renderCard,
} from "../../../src/render/index.ts";
import { CMYK_PAINT, RGB_PAINT, rgbToCmyk } from "../../../src/render/pdf-ops.ts";
import { colourPreflight } from "../../support/preflight.ts";
import { cardData, writeTemp } from "./fixtures.ts";

describe("RGB to CMYK for design colours", () => {
  it.each([
    [
      [0, 0, 0],
      [0, 0, 0, 1],
    ],
    [
      [1, 1, 1],
      [0, 0, 0, 0],
    ],
    [
      [0.5, 0.5, 0.5],
      [0, 0, 0, 0.5],
    ],
    [
      [1, 0, 0],
      [0, 1, 1, 0],
    ],
    [
      [0, 0.5, 1],
      [1, 0.5, 0, 0],
    ],
  ])("%j is %j (greys on black alone)", (rgb, cmyk) => {
    const got = rgbToCmyk(rgb as [number, number, number]);
    expect(got.map((v) => Math.round(v * 1e6) / 1e6)).toEqual(cmyk);
  });

  it("writes k and K in CMYK, rg and RG in RGB", () => {
    expect(CMYK_PAINT.fill([0, 0, 0])).toBe("0 0 0 1 k");
    expect(CMYK_PAINT.stroke([0.85, 0.1, 0.1])).toBe("0 0.882 0.882 0.15 K");
    expect(RGB_PAINT.fill([0.85, 0.1, 0.1])).toBe("0.85 0.1 0.1 rg");
  });
});

const designs = (await listBuiltinTemplates()).flatMap((t) =>
  t.formats.map((format) => ({ id: t.id, format })),
);

describe("a CMYK card", () => {
  it.each(designs)(
    "$id $format: no RGB operator, with QR code, SAMPLE mark and addresses",
    async ({ id, format }) => {
      const template = await loadBuiltinTemplate(id);
      const { pdf } = await renderCard({
        template,
        format,
        data: { ...cardData("Zoë Ångström"), qrUrl: "https://cm.example/q/abc" },
        options: { colourMode: "cmyk", sample: true, sequence: 7 },
      });
      const colour = await colourPreflight(await writeTemp(`cmyk-${id}-${format}.pdf`, pdf));
      expect(colour.rgbOperators).toEqual([]);
      expect(colour.rgbColourSpaces).toEqual([]);
      expect(colour.outputIntents.map((i) => i.profileComponents)).toEqual([4]);
    },
  );

  it("the same card in RGB still writes RGB (the check above can fail)", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const { pdf } = await renderCard({ template, format: "card_5x7", data: cardData() });
    const colour = await colourPreflight(await writeTemp("rgb-check.pdf", pdf));
    expect(colour.rgbOperators.length).toBeGreaterThan(0);
  });
});
