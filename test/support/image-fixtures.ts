/**
 * Image fixtures built in code with sharp (and, where sharp cannot write the format, by hand),
 * so no binary files are committed and each fixture says how it was made.
 */
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";

/** A noisy photo-like JPEG: noise compresses like a real photo, flat colour does not. */
export async function noisyJpeg(width: number, height: number, quality = 90): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: "#000000", // required by the typings, unused with noise
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality })
    .toBuffer();
}

/**
 * A JPEG stored 400x200 (red left half, blue right half) with EXIF orientation 6: a viewer
 * rotates it 90° clockwise, so upright it is 200x400 with the red half on top.
 */
export async function exifRotatedJpeg(): Promise<Buffer> {
  const half = { width: 200, height: 200, channels: 3 as const };
  const red = await sharp({ create: { ...half, background: "#ff0000" } })
    .raw()
    .toBuffer();
  const blue = await sharp({ create: { ...half, background: "#0000ff" } })
    .raw()
    .toBuffer();
  return sharp({ create: { width: 400, height: 200, channels: 3, background: "#000000" } })
    .composite([
      { input: red, raw: half, left: 0, top: 0 },
      { input: blue, raw: half, left: 200, top: 0 },
    ])
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** A CMYK JPEG (sharp converts through its built-in CMYK profile). */
export async function cmykJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 300, height: 200, channels: 3, background: "#3366cc" } })
    .toColourspace("cmyk")
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A 16-bit RGBA PNG, half transparent: must come out flattened, 8-bit, 3 channels. */
export async function png16WithAlpha(): Promise<Buffer> {
  return sharp({
    create: {
      width: 240,
      height: 160,
      channels: 4,
      background: { r: 0, g: 128, b: 0, alpha: 0.5 },
    },
  })
    .toColourspace("rgb16")
    .png()
    .toBuffer();
}

/** A JPEG carrying EXIF with GPS coordinates and a camera make, to check the master strips it. */
export async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 320, height: 240, channels: 3, background: "#888888" } })
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: "FixtureCam", Model: "Secret Location 1" },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "51/1 30/1 0/1",
        GPSLongitudeRef: "W",
        GPSLongitude: "0/1 7/1 0/1",
      },
    })
    .toBuffer();
}

/** The first `fraction` of a noisy JPEG: the decoder hits the end of data mid-scan. */
export async function truncatedJpeg(fraction = 0.6): Promise<Buffer> {
  const whole = await noisyJpeg(800, 600);
  return whole.subarray(0, Math.floor(whole.length * fraction));
}

/** Plain text, as if someone renamed notes.txt to photo.jpg. */
export function textNamedJpeg(): Buffer {
  return Buffer.from("Dear Sam,\nthank you for the lovely evening.\n", "utf8");
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid 1-bit greyscale PNG of `size`x`size` black pixels: 400 megapixels that decode to 400 MB
 * (1.2 GB as RGB) from a file of a few dozen KB. Built by hand because 1 bit per pixel keeps the
 * deflate input at size*(size/8+1) bytes (50 MB for 20000), which zlib crunches in ~0.2 s.
 */
export function pngBomb(size = 20_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.writeUInt8(1, 8); // bit depth
  ihdr.writeUInt8(0, 9); // colour type: greyscale
  // bytes 10-12: compression, filter, interlace = 0
  const rowBytes = Math.ceil(size / 8) + 1; // +1 filter byte per row
  const idat = deflateSync(Buffer.alloc(rowBytes * size), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", idat),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

// --- HEIC, by hand: the prebuilt sharp has no HEVC encoder (nor decoder), so it cannot make one.

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, "latin1");
  return Buffer.concat([head, body]);
}

function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, vf, ...parts);
}

function u8(...values: number[]): Buffer {
  return Buffer.from(values);
}
function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value, 0);
  return b;
}
function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value, 0);
  return b;
}
function ascii(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

/**
 * A structurally valid HEIC container as an iPhone writes it (ftyp `heic`, one `hvc1` primary item
 * with `hvcC` and `ispe` properties), whose coded data is a placeholder: enough for libheif to read
 * the header and report HEVC, which the prebuilt sharp cannot decode.
 */
export function heicContainer(width = 4032, height = 3024): Buffer {
  const ftyp = box("ftyp", ascii("heic"), u32(0), ascii("mif1"), ascii("heic"));
  // HEVCDecoderConfigurationRecord with no parameter-set arrays (23 bytes).
  const hvcC = box(
    "hvcC",
    u8(1, 0x01),
    u32(0x60000000),
    Buffer.alloc(6),
    u8(90),
    u16(0xf000),
    u8(0xfc, 0xfd, 0xf8, 0xf8),
    u16(0),
    u8(0x0f, 0),
  );
  const ispe = fullBox("ispe", 0, 0, u32(width), u32(height));
  const iprp = box(
    "iprp",
    box("ipco", hvcC, ispe),
    fullBox("ipma", 0, 0, u32(1), u16(1), u8(2, 0x81, 0x02)),
  );
  const hdlr = fullBox("hdlr", 0, 0, u32(0), ascii("pict"), Buffer.alloc(12), u8(0));
  const pitm = fullBox("pitm", 0, 0, u16(1));
  const iinf = fullBox(
    "iinf",
    0,
    0,
    u16(1),
    fullBox("infe", 2, 0, u16(1), u16(0), ascii("hvc1"), u8(0)),
  );
  const payload = Buffer.from([0, 0, 0, 4, 0x26, 0x01, 0xaf, 0x00]);
  const iloc = (offset: number) =>
    fullBox(
      "iloc",
      0,
      0,
      u8(0x44, 0x00),
      u16(1),
      u16(1),
      u16(0),
      u16(1),
      u32(offset),
      u32(payload.length),
    );
  // The extent offset points into mdat, whose position depends on the meta box's own size.
  const metaFor = (offset: number) => fullBox("meta", 0, 0, hdlr, pitm, iloc(offset), iinf, iprp);
  const mdatOffset = ftyp.length + metaFor(0).length + 8;
  return Buffer.concat([ftyp, metaFor(mdatOffset), box("mdat", payload)]);
}
