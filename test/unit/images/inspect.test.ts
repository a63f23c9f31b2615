import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { inspectImage } from "../../../src/images/index.ts";
import { sniffFormat } from "../../../src/images/sniff.ts";
import {
  cmykJpeg,
  exifRotatedJpeg,
  heicContainer,
  png16WithAlpha,
  pngBomb,
} from "../../support/image-fixtures.ts";

describe("inspectImage", () => {
  it("reports upright dimensions and the stored orientation", async () => {
    const input = await exifRotatedJpeg();
    expect(await inspectImage(input)).toEqual({
      format: "jpeg",
      width: 200,
      height: 400,
      orientation: 6,
      space: "srgb",
      channels: 3,
      depth: "uchar",
      hasAlpha: false,
      hasIccProfile: true,
      pages: 1,
      bytes: input.length,
    });
  });

  it("reports CMYK and 16-bit alpha sources as they are", async () => {
    expect(await inspectImage(await cmykJpeg())).toMatchObject({ space: "cmyk", channels: 4 });
    expect(await inspectImage(await png16WithAlpha())).toMatchObject({
      format: "png",
      space: "rgb16",
      channels: 4,
      depth: "ushort",
      hasAlpha: true,
    });
  });

  it("reads a bomb's header without decoding it when the limit allows", async () => {
    const info = await inspectImage(pngBomb(20_000), { maxInputPixels: 500_000_000 });
    expect(info).toMatchObject({ width: 20_000, height: 20_000, channels: 1 });
  });

  it("reads AVIF, which the installed sharp decodes", async () => {
    const avif = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#f00" } })
      .avif()
      .toBuffer();
    expect(await inspectImage(avif)).toMatchObject({ format: "avif", width: 64, height: 48 });
  });
});

describe("sniffFormat", () => {
  it.each([
    ["jpeg", Buffer.from([0xff, 0xd8, 0xff, 0xe0])],
    ["png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
    ["webp", Buffer.from("RIFF\0\0\0\0WEBPVP8 ", "latin1")],
    ["gif", Buffer.from("GIF89a", "latin1")],
    ["tiff", Buffer.from([0x49, 0x49, 0x2a, 0x00])],
    ["heic", heicContainer()],
    ["avif", Buffer.from("\0\0\0\x1cftypavif\0\0\0\0mif1miaf", "latin1")],
    ["jxl", Buffer.from([0xff, 0x0a, 0xfa])],
    ["pdf", Buffer.from("%PDF-1.7\n", "latin1")],
    ["svg", Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')],
  ])("recognises %s", (format, head) => {
    expect(sniffFormat(head)).toBe(format);
  });

  it("does not mistake text for an image", () => {
    expect(sniffFormat(Buffer.from("BMW service reminder, due March\n"))).toBeUndefined();
    expect(sniffFormat(Buffer.alloc(0))).toBeUndefined();
  });
});
