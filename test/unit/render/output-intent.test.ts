/**
 * Every PDF the renderer writes declares its colour intent: an /OutputIntents entry (GTS_PDFX)
 * with the embedded ICC profile of its colour mode, read back by a preflight.
 */
import { describe, expect, it } from "vitest";
import { iccDescription, readColourProfile } from "../../../src/render/colour-profiles.ts";
import {
  colourProfile,
  loadBuiltinTemplate,
  renderBatch,
  renderCard,
} from "../../../src/render/index.ts";
import { colourPreflight, preflight } from "../../support/preflight.ts";
import { cardData, photoFor, writeTemp } from "./fixtures.ts";

async function batchPdf(): Promise<Buffer> {
  const template = await loadBuiltinTemplate("thank-you");
  const photo = await photoFor("card_5x7");
  const chunks: Buffer[] = [];
  const out = new (await import("node:stream")).PassThrough();
  out.on("data", (c: Buffer) => chunks.push(c));
  await renderBatch(
    ["Ada Lovelace", "Zoë Ångström"].map((name) => ({
      template,
      format: "card_5x7" as const,
      data: cardData(name),
      photo,
    })),
    out,
  );
  return Buffer.concat(chunks);
}

describe("output intent", () => {
  it("an RGB batch declares sRGB, with the profile embedded once", async () => {
    const path = await writeTemp("intent-rgb-batch.pdf", await batchPdf());
    const colour = await colourPreflight(path);
    expect(colour.outputIntents).toEqual([
      {
        subtype: "GTS_PDFX",
        identifier: "Artifex Software sRGB ICC Profile",
        info: "Artifex Software sRGB ICC Profile",
        profileComponents: 3,
      },
    ]);
    expect((await preflight(path)).qpdfOk).toBe(true);
  });

  it("a card's PDF carries it too, and renders to the same bytes twice", async () => {
    const template = await loadBuiltinTemplate("birthday");
    const input = { template, format: "postcard_4x6" as const, data: cardData("Ada") };
    const a = await renderCard(input);
    const b = await renderCard(input);
    expect(a.pdf.equals(b.pdf)).toBe(true);
    // The deflated profile is one chunk of the PDF, as it is: what card storage shares per campaign.
    expect(a.pdf.includes(colourProfile("rgb").deflated)).toBe(true);
    const colour = await colourPreflight(await writeTemp("intent-card.pdf", a.pdf));
    expect(colour.outputIntents.map((i) => i.profileComponents)).toEqual([3]);
  });

  it("reads a profile's description and refuses a file of the wrong colour space", () => {
    const cmyk = readColourProfile("cmyk", "/usr/share/color/icc/ghostscript/default_cmyk.icc");
    expect(cmyk.components).toBe(4);
    expect(iccDescription(cmyk.icc)).toBe("Artifex CMYK SWOP Profile");
    expect(() => readColourProfile("cmyk", "/usr/share/color/icc/ghostscript/srgb.icc")).toThrow(
      /is a "RGB" profile, not CMYK/,
    );
    expect(() => readColourProfile("rgb", "/no/such.icc")).toThrow(/cannot be read \(ENOENT\)/);
    expect(() => readColourProfile("rgb", "package.json")).toThrow(/not an ICC profile/);
  });
});
