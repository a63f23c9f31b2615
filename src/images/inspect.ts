import { open, stat } from "node:fs/promises";
import type { Metadata } from "sharp";
import sharp from "sharp";
import {
  emptyFile,
  notAnImage,
  tooLarge,
  tooManyPixels,
  truncated,
  unsupportedFormat,
} from "./errors.ts";
import { SNIFF_BYTES, sniffFormat } from "./sniff.ts";

/** A photo as bytes in memory or as a path to a file on local disk. */
export type ImageInput = Buffer | string;

/** Bounds applied before any pixel is decoded (DESIGN.md §5: every input is bounded). */
export interface ImageLimits {
  /** Largest width x height accepted, from the header (decompression-bomb guard). Default 100 MP. */
  maxInputPixels?: number;
  /** Largest file accepted, in bytes. Default 50 MiB. */
  maxBytes?: number;
}

export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

/** What a photo's header says, oriented as a person would see it. */
export interface ImageInfo {
  /** "jpeg", "png", "webp", "gif", "tiff", "avif" or "heic" (the latter only if decodable here). */
  format: string;
  /** Width in pixels after EXIF orientation is applied. */
  width: number;
  /** Height in pixels after EXIF orientation is applied. */
  height: number;
  /** EXIF orientation 1–8 as stored; 1 when absent. */
  orientation: number;
  /** Colour space as libvips names it: "srgb", "cmyk", "b-w", "rgb16", "grey16"… */
  space: string;
  channels: number;
  /** Sample format as libvips names it: "uchar" (8-bit), "ushort" (16-bit)… */
  depth: string;
  hasAlpha: boolean;
  /** Whether the file embeds an ICC colour profile. */
  hasIccProfile: boolean;
  /** Frames or pages in the file; only the first is used. */
  pages: number;
  /** File size in bytes. */
  bytes: number;
}

/** Formats this service decodes, as sharp names them; anything else it reads (SVG, .v) is refused. */
const ACCEPTED = new Set(["jpeg", "png", "webp", "gif", "tiff", "heif"]);
/** The same, as `sniffFormat` names them: a file sniffed as anything else never reaches sharp. */
const SNIFFED_ACCEPTED = new Set(["jpeg", "png", "webp", "gif", "tiff", "heic", "avif"]);

/**
 * Whether the installed libheif can decode HEVC (HEIC): the prebuilt sharp cannot, but a build
 * against a system libvips may. Learned from the first HEIC seen, since sharp does not expose it.
 */
let hevcDecodable: boolean | undefined;

async function sizeAndHead(input: ImageInput): Promise<{ bytes: number; head: Buffer }> {
  if (Buffer.isBuffer(input)) return { bytes: input.length, head: input.subarray(0, SNIFF_BYTES) };
  const { size } = await stat(input);
  const file = await open(input, "r");
  try {
    const head = Buffer.alloc(Math.min(size, SNIFF_BYTES));
    await file.read(head, 0, head.length, 0);
    return { bytes: size, head };
  } finally {
    await file.close();
  }
}

async function ensureHevcDecodable(input: ImageInput): Promise<void> {
  if (hevcDecodable === true) return;
  if (hevcDecodable === false) throw unsupportedFormat("heic");
  try {
    await sharp(input, { failOn: "error" }).resize(8, 8).raw().toBuffer();
    hevcDecodable = true;
  } catch (err) {
    if (/not been built in|unsupported codec|no decoder/i.test(String(err))) {
      hevcDecodable = false;
      throw unsupportedFormat("heic", err);
    }
    throw truncated("heic", err);
  }
}

/**
 * Read a photo's header and check it is one we can use: not empty, not too big in bytes or pixels,
 * and in a format this service decodes. Decodes no pixel data (except, once per process, a HEIC to
 * learn whether HEVC is available), so it is fast and cheap on a decompression bomb. A file damaged
 * after its header is only caught by decoding: `preparePhoto` does that.
 *
 * @throws {ImageError} `empty`, `too_large`, `not_an_image`, `unsupported_format`, `truncated`
 *   (header itself damaged) or `too_many_pixels`.
 */
export async function inspectImage(
  input: ImageInput,
  limits: ImageLimits = {},
): Promise<ImageInfo> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxPixels = limits.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;

  const { bytes, head } = await sizeAndHead(input);
  if (bytes === 0) throw emptyFile();
  if (bytes > maxBytes) throw tooLarge(bytes, maxBytes);
  const sniffed = sniffFormat(head);
  // Refused by its magic bytes alone: no parser (librsvg for SVG, say) ever sees it.
  if (sniffed !== undefined && !SNIFFED_ACCEPTED.has(sniffed)) throw unsupportedFormat(sniffed);

  let meta: Metadata;
  try {
    // Header only; the pixel limit is checked below so the refusal can name the dimensions.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    // A known image whose header will not parse is a damaged one.
    throw sniffed === undefined ? notAnImage(err) : truncated(sniffed, err);
  }

  if (!ACCEPTED.has(meta.format)) throw unsupportedFormat(sniffed ?? meta.format);
  let format: string = meta.format;
  if (format === "heif") format = meta.compression === "hevc" ? "heic" : "avif";

  const { width, height } = meta.autoOrient;
  if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
  if (format === "heic") await ensureHevcDecodable(input);

  return {
    format,
    width,
    height,
    orientation: meta.orientation ?? 1,
    space: meta.space,
    channels: meta.channels,
    depth: meta.depth,
    hasAlpha: meta.hasAlpha,
    hasIccProfile: meta.hasProfile === true,
    pages: meta.pages ?? 1,
    bytes,
  };
}
