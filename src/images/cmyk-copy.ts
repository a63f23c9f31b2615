import sharp from "sharp";

/** JPEG quality of the CMYK copy: the master's own (one more generation, visually lossless). */
const CMYK_QUALITY = 90;

/**
 * A print master (8-bit sRGB JPEG, untagged) separated into CMYK through the press profile
 * `profileFile` (its rendering intent), for a CMYK batch: a CMYK JPEG without metadata or an
 * embedded profile (the batch's output intent names the profile once). Deterministic: the same
 * master and profile give the same bytes, so it can be cached by content.
 */
export async function cmykCopy(master: Buffer, profileFile: string): Promise<Buffer> {
  return sharp(master)
    .toColourspace("cmyk")
    .withIccProfile(profileFile, { attach: false })
    .jpeg({
      quality: CMYK_QUALITY,
      chromaSubsampling: "4:4:4",
      progressive: false,
      optimiseCoding: true,
    })
    .toBuffer();
}
