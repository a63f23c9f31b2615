import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ImageError, preparePhoto } from "../../../src/images/index.ts";
import {
  cmykJpeg,
  exifRotatedJpeg,
  jpegWithGps,
  noisyJpeg,
  png16WithAlpha,
} from "../../support/image-fixtures.ts";

/** RGB of the pixel at (x, y) of an encoded image. */
async function pixel(image: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at] ?? -1, data[at + 1] ?? -1, data[at + 2] ?? -1];
}

function isRed([r, g, b]: [number, number, number]): boolean {
  return r > 200 && g < 60 && b < 60;
}
function isBlue([r, g, b]: [number, number, number]): boolean {
  return r < 60 && g < 60 && b > 200;
}

describe("preparePhoto", () => {
  it("turns an EXIF-rotated photo upright and drops the orientation tag", async () => {
    // Stored 400x200 red|blue with orientation 6: upright it is 200x400, red on top.
    const photo = await preparePhoto(await exifRotatedJpeg());

    expect(photo.source).toMatchObject({ width: 200, height: 400, orientation: 6 });
    expect([photo.masterWidth, photo.masterHeight]).toEqual([200, 400]);
    expect(isRed(await pixel(photo.master, 100, 50))).toBe(true);
    expect(isBlue(await pixel(photo.master, 100, 350))).toBe(true);
    const meta = await sharp(photo.master).metadata();
    expect(meta.orientation).toBeUndefined();
    expect([meta.width, meta.height]).toEqual([200, 400]);
    expect(isRed(await pixel(photo.preview, photo.previewWidth / 2, 10))).toBe(true);
  });

  it("accepts a CMYK JPEG and writes an 8-bit sRGB master", async () => {
    const photo = await preparePhoto(await cmykJpeg());

    expect(photo.source.space).toBe("cmyk");
    expect(photo.source.channels).toBe(4);
    const meta = await sharp(photo.master).metadata();
    expect(meta).toMatchObject({ format: "jpeg", space: "srgb", channels: 3, depth: "uchar" });
    // #3366cc survives the round trip through CMYK within a few levels per channel.
    const [r, g, b] = await pixel(photo.master, 150, 100);
    expect(b).toBeGreaterThan(r + 80);
    expect(b).toBeGreaterThan(g + 40);
  });

  it("accepts a 16-bit PNG with alpha, flattened onto white as 8-bit RGB, and says so", async () => {
    const photo = await preparePhoto(await png16WithAlpha());

    expect(photo.source).toMatchObject({ format: "png", depth: "ushort", hasAlpha: true });
    const meta = await sharp(photo.master).metadata();
    expect(meta).toMatchObject({ space: "srgb", channels: 3, depth: "uchar", hasAlpha: false });
    // rgba(0,128,0,0.5) over white is about (128,191,128).
    const [r, g, b] = await pixel(photo.master, 10, 10);
    expect(r).toBeGreaterThan(110);
    expect(r).toBeLessThan(145);
    expect(g).toBeGreaterThan(175);
    expect(b).toBeGreaterThan(110);
    expect(photo.warnings).toContain("transparent areas of the photo were filled with white");
  });

  it("strips EXIF (GPS, camera) and every other metadata block from the master and preview", async () => {
    const input = await jpegWithGps();
    expect((await sharp(input).metadata()).exif).toBeDefined();

    const photo = await preparePhoto(input);

    for (const out of [photo.master, photo.preview]) {
      const meta = await sharp(out).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      expect(out.includes("FixtureCam")).toBe(false);
    }
    const masterMeta = await sharp(photo.master).metadata();
    expect(masterMeta.icc).toBeUndefined();
    expect(masterMeta.isProgressive).toBe(false);
    expect(masterMeta.chromaSubsampling).toBe("4:4:4");
  });

  it("warns about transparency only when a pixel is transparent, and about extra frames", async () => {
    const frame = (colour: string) =>
      sharp({ create: { width: 20, height: 10, channels: 3, background: colour } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame("#f00"), await frame("#00f")], {
      join: { animated: true },
    })
      .gif()
      .toBuffer();

    const photo = await preparePhoto(gif);

    expect(photo.source).toMatchObject({ format: "gif", pages: 2, hasAlpha: true });
    expect(photo.warnings).toEqual(["the file holds 2 frames or pages; only the first is used"]);
    expect(isRed(await pixel(photo.master, 10, 5))).toBe(true);
  });

  it("writes a greyscale photo as three-channel sRGB, like every other master", async () => {
    const grey = await sharp({ create: { width: 50, height: 40, channels: 3, background: "#777" } })
      .toColourspace("b-w")
      .jpeg()
      .toBuffer();
    const photo = await preparePhoto(grey);
    expect(photo.source.space).toBe("b-w");
    expect(await sharp(photo.master).metadata()).toMatchObject({ space: "srgb", channels: 3 });
  });

  it("converts a Display P3 photo to sRGB through its profile", async () => {
    // sRGB (200,60,30) written as P3 numbers with a P3 profile: the master must read sRGB again.
    const p3 = await sharp({
      create: { width: 64, height: 64, channels: 3, background: "#c83c1e" },
    })
      .withIccProfile("p3")
      .png()
      .toBuffer();
    const stored = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
    expect(stored[0]).toBeLessThan(195); // the stored numbers really are P3, not sRGB

    const photo = await preparePhoto(p3);
    const [r, g, b] = await pixel(photo.master, 32, 32);
    expect(Math.abs(r - 200)).toBeLessThanOrEqual(4);
    expect(Math.abs(g - 60)).toBeLessThanOrEqual(4);
    expect(Math.abs(b - 30)).toBeLessThanOrEqual(4);
  });

  it("gives the same master bytes and hash for the same input", async () => {
    const input = await noisyJpeg(1200, 900);
    const a = await preparePhoto(input);
    const b = await preparePhoto(Buffer.from(input));

    expect(a.master.equals(b.master)).toBe(true);
    expect(a.preview.equals(b.preview)).toBe(true);
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("shrinks only photos longer than printMaxLongEdgePx, and never enlarges", async () => {
    const big = await preparePhoto(await noisyJpeg(1600, 1200), { printMaxLongEdgePx: 1000 });
    expect([big.masterWidth, big.masterHeight]).toEqual([1000, 750]);
    expect([big.previewWidth, big.previewHeight]).toEqual([800, 600]);

    const small = await preparePhoto(await noisyJpeg(600, 400));
    expect([small.masterWidth, small.masterHeight]).toEqual([600, 400]);
    expect([small.previewWidth, small.previewHeight]).toEqual([600, 400]);
  });

  it("warns when the photo prints under 300 ppi in the given slot", async () => {
    const slot = { widthIn: 5.25, heightIn: 7.25, label: "the 5x7 card front" };
    const low = await preparePhoto(await noisyJpeg(600, 400), { slots: [slot] });
    expect(low.warnings).toEqual([
      "photo is 600x400 px: prints at 55 ppi on the 5x7 card front, below the 150 ppi minimum; " +
        "300 ppi needs 1575x2175 px",
    ]);

    const sharpEnough = await preparePhoto(await noisyJpeg(1600, 2200), { slots: [slot] });
    expect(sharpEnough.warnings).toEqual([]);
  });

  it("reads from a file path as well as a buffer", async () => {
    const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "cardmerge-images-"));
    try {
      const input = await noisyJpeg(640, 480);
      const file = join(dir, "photo.jpg");
      await writeFile(file, input);
      const fromPath = await preparePhoto(file);
      const fromBuffer = await preparePhoto(input);
      expect(fromPath.sha256).toBe(fromBuffer.sha256);
      expect(fromPath.source.bytes).toBe(input.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("throws ImageError, not a sharp error, for bad input", async () => {
    await expect(preparePhoto(Buffer.alloc(0))).rejects.toBeInstanceOf(ImageError);
  });
});
