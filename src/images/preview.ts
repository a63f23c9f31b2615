import sharp from "sharp";

/** A small picture for people (the web app, the API's photo resource), not for print. */
export interface Preview {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Shrink the print master to `longEdgePx` on its long side (never up). Made from the master, not the
 * upload: the master is already upright, sRGB and flattened, and JPEG shrink-on-load makes the
 * decode a fraction of the full one. Progressive JPEG at quality 80 with 4:2:0 chroma: every
 * browser and mail client shows it, and at this size it is tens of KB.
 */
export async function makePreview(master: Buffer, longEdgePx: number): Promise<Preview> {
  const { data, info } = await sharp(master)
    .resize({ width: longEdgePx, height: longEdgePx, fit: "inside", withoutEnlargement: true })
    .jpeg({ quality: 80, progressive: true, chromaSubsampling: "4:2:0" })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
