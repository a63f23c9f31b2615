import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { ImageErrorCode } from "../../../src/images/index.ts";
import { ImageError, inspectImage, preparePhoto } from "../../../src/images/index.ts";
import {
  heicContainer,
  noisyJpeg,
  pngBomb,
  textNamedJpeg,
  truncatedJpeg,
} from "../../support/image-fixtures.ts";

async function refusal(promise: Promise<unknown>): Promise<ImageError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ImageError) return err;
    throw err;
  }
  throw new Error("expected an ImageError, but the photo was accepted");
}

async function expectRefused(input: Buffer, code: ImageErrorCode, opts = {}): Promise<ImageError> {
  const err = await refusal(preparePhoto(input, opts));
  expect(err.code).toBe(code);
  expect(err.message.length).toBeGreaterThan(20);
  return err;
}

describe("photos refused", () => {
  it("a zero-byte file is empty", async () => {
    const err = await expectRefused(Buffer.alloc(0), "empty");
    expect(err.message).toMatch(/empty/);
  });

  it("a text file named .jpg is not an image", async () => {
    const err = await expectRefused(textNamedJpeg(), "not_an_image");
    expect(err.message).toMatch(/JPEG, PNG or WebP/);
  });

  it("a truncated JPEG is rejected, not printed half grey", async () => {
    for (const fraction of [0.3, 0.6, 0.99]) {
      const err = await expectRefused(await truncatedJpeg(fraction), "truncated");
      expect(err.format).toBe("jpeg");
      expect(err.message).toMatch(/incomplete or damaged/);
    }
    // Cut inside the header too: sharp cannot even read the size.
    const whole = await noisyJpeg(200, 100);
    await expectRefused(whole.subarray(0, 30), "truncated");
  });

  it("a truncated PNG is rejected", async () => {
    const png = await sharp({
      create: {
        width: 300,
        height: 200,
        channels: 3,
        background: "#000",
        noise: { type: "gaussian", mean: 128, sigma: 30 },
      },
    })
      .png()
      .toBuffer();
    await expectRefused(png.subarray(0, png.length / 2), "truncated");
  });

  it("a 20000x20000 PNG bomb is rejected from its header, quickly", async () => {
    const bomb = pngBomb(20_000);
    expect(bomb.length).toBeLessThan(100_000);

    const started = performance.now();
    const err = await expectRefused(bomb, "too_many_pixels");
    // Decoding would take seconds and over 400 MB; the header check takes about a millisecond.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err.message).toMatch(/20000x20000 px \(400 megapixels\)/);
  });

  it("the pixel limit can be lowered", async () => {
    await expectRefused(await noisyJpeg(400, 300), "too_many_pixels", { maxInputPixels: 100_000 });
  });

  it("a file over maxBytes is too large", async () => {
    const err = await expectRefused(await noisyJpeg(400, 300), "too_large", { maxBytes: 1000 });
    expect(err.message).toMatch(/more than the/);
  });

  it("an iPhone HEIC says it cannot be read here and how to export JPEG", async () => {
    // The prebuilt sharp reads HEIC headers but has no HEVC decoder (DESIGN.md §8).
    const err = await expectRefused(heicContainer(), "unsupported_format");
    expect(err.format).toBe("heic");
    expect(err.message).toBe(
      "HEIC photos cannot be read here; export as JPEG (iPhone: Settings → Camera → Formats → " +
        "Most Compatible) and upload again",
    );
    // Learned once per process; the second answer is the same.
    expect((await refusal(inspectImage(heicContainer()))).code).toBe("unsupported_format");
  });

  it("an SVG is refused as a format, even though sharp could render it", async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    const err = await expectRefused(svg, "unsupported_format");
    expect(err.format).toBe("svg");
  });

  it("a BMP or PSD is named in the refusal", async () => {
    const bmp = Buffer.alloc(64);
    bmp.write("BM", 0, "latin1");
    bmp.writeUInt32LE(40, 14);
    expect((await expectRefused(bmp, "unsupported_format")).message).toMatch(/^BMP images/);
    const psd = Buffer.concat([Buffer.from("8BPS", "latin1"), Buffer.alloc(60)]);
    expect((await expectRefused(psd, "unsupported_format")).message).toMatch(/Photoshop/);
  });
});
