/** The CMYK copy of a print master: separated with the press profile, deterministic, CMYK JPEG. */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { cmykCopy } from "../../../src/images/index.ts";
import { DEFAULT_PROFILE_FILES } from "../../../src/render/index.ts";

const press = DEFAULT_PROFILE_FILES.cmyk;

async function master(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** The copy's first pixel as CMYK percentages (sharp reads CMYK JPEGs' own values). */
async function inks(jpeg: Buffer): Promise<number[]> {
  const { data } = await sharp(jpeg)
    .toColourspace("cmyk")
    .raw()
    .toBuffer({ resolveWithObject: true });
  return [...data.subarray(0, 4)].map((v) => Math.round((v / 255) * 100));
}

describe("cmykCopy", () => {
  it("is a 4-channel CMYK JPEG of the same size, without an embedded profile", async () => {
    const copy = await cmykCopy(await master(200, 40, 40), press);
    const meta = await sharp(copy).metadata();
    expect(meta).toMatchObject({
      format: "jpeg",
      space: "cmyk",
      channels: 4,
      width: 64,
      height: 48,
    });
    expect(meta.icc).toBeUndefined();
  });

  it("separates through the profile: red takes magenta and yellow, not cyan", async () => {
    const [c, m, y] = await inks(await cmykCopy(await master(220, 30, 40), press));
    expect(m).toBeGreaterThan(70);
    expect(y).toBeGreaterThan(70);
    expect(c).toBeLessThan(15);
  });

  it("gives the same bytes for the same master (so it can be kept by content)", async () => {
    const m = await master(30, 120, 200);
    expect((await cmykCopy(m, press)).equals(await cmykCopy(m, press))).toBe(true);
  });

  it("depends on the profile: another CMYK profile separates differently", async () => {
    const m = await master(30, 120, 200);
    const other = "/usr/share/color/icc/ghostscript/ps_cmyk.icc";
    expect((await cmykCopy(m, press)).equals(await cmykCopy(m, other))).toBe(false);
  });
});
