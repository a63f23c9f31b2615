import sharp from "sharp";
import { tooManyPixels, truncated, unsupportedFormat } from "./errors.ts";
import type { ImageInfo, ImageInput } from "./inspect.ts";

/**
 * Long edge of the largest photo slot at 300 ppi: the 6x11 postcard front with 0.125 in bleed is
 * 11.25 in long, and 11.25 x 300 = 3375 px. Larger uploads are shrunk to this; smaller never grown.
 */
export const DEFAULT_PRINT_MAX_LONG_EDGE_PX = 3375;

/** JPEG quality of the master: visually lossless at print size, one generation from the upload. */
const MASTER_QUALITY = 90;

export interface PrintMaster {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Decode `input` fully and write the print master: upright (EXIF orientation applied, tag gone),
 * shrunk to `maxLongEdgePx` if larger, transparency flattened onto white, 8-bit sRGB (CMYK and
 * wide-gamut profiles such as Display P3 converted through their embedded ICC profile), baseline
 * JPEG with no metadata at all (no EXIF, so no GPS or camera serials reach the printer; no ICC, as
 * untagged RGB means sRGB to browsers, pdfkit's DeviceRGB and print RIPs alike — and attaching one
 * with sharp's withIccProfile shifts the colours of 16-bit input, measured with sharp 0.35).
 *
 * Chroma is kept at full resolution (4:4:4): this is the copy every later generation is made from,
 * and 4:2:0 halves colour resolution, which shows on saturated edges (red lettering, a red dress
 * against green) at 300 ppi. It costs about a quarter more bytes (12 MP phone photo: 2.4 MB
 * master instead of 1.9 MB).
 *
 * @throws {ImageError} `truncated` when the pixel data is cut short or corrupt (`failOn: "error"`
 *   rejects truncation and decode errors but tolerates libjpeg's recoverable warnings, such as
 *   stray bytes between markers, that real cameras produce), `too_many_pixels` as a backstop.
 */
export async function makePrintMaster(
  input: ImageInput,
  source: ImageInfo,
  opts: { maxInputPixels: number; maxLongEdgePx: number },
): Promise<PrintMaster> {
  let pipeline = sharp(input, {
    failOn: "error",
    limitInputPixels: opts.maxInputPixels,
    autoOrient: true,
  });
  if (Math.max(source.width, source.height) > opts.maxLongEdgePx) {
    pipeline = pipeline.resize({
      width: opts.maxLongEdgePx,
      height: opts.maxLongEdgePx,
      fit: "inside",
      withoutEnlargement: true,
    });
  }
  if (source.hasAlpha) pipeline = pipeline.flatten({ background: "#ffffff" });
  pipeline = pipeline.toColourspace("srgb").jpeg({
    quality: MASTER_QUALITY,
    chromaSubsampling: "4:4:4",
    progressive: false,
    optimiseCoding: true,
  });
  try {
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (err) {
    const text = String(err);
    if (/pixel limit/i.test(text)) {
      throw tooManyPixels(source.width, source.height, opts.maxInputPixels);
    }
    if (/not been built in/i.test(text)) throw unsupportedFormat(source.format, err);
    throw truncated(source.format, err);
  }
}

/**
 * Whether any pixel is less than fully opaque, so the "filled with white" warning is only given
 * when it changes something: PNG, WebP and GIF often carry an alpha channel that is all opaque.
 * A second decode, paid only by inputs with an alpha channel.
 */
export async function hasTransparentPixels(
  input: ImageInput,
  opts: { maxInputPixels: number },
): Promise<boolean> {
  const stats = await sharp(input, {
    failOn: "error",
    limitInputPixels: opts.maxInputPixels,
  }).stats();
  return !stats.isOpaque;
}
