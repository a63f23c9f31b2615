import { createHash } from "node:crypto";
import type { ImageInfo, ImageInput, ImageLimits } from "./inspect.ts";
import { DEFAULT_MAX_INPUT_PIXELS, inspectImage } from "./inspect.ts";
import { makePreview } from "./preview.ts";
import {
  DEFAULT_PRINT_MAX_LONG_EDGE_PX,
  hasTransparentPixels,
  makePrintMaster,
} from "./print-master.ts";
import type { PrintSlot } from "./resolution.ts";
import { resolutionWarning } from "./resolution.ts";

export const DEFAULT_PREVIEW_LONG_EDGE_PX = 800;

export interface PrepareOptions extends ImageLimits {
  /** Shrink the master to this many pixels on its long side when larger. Default 3375. */
  printMaxLongEdgePx?: number;
  /** Long side of the preview in pixels. Default 800. */
  previewLongEdgePx?: number;
  /** Slots the photo will fill (e.g. the campaign format's front), to warn about resolution. */
  slots?: PrintSlot[];
}

/** An accepted photo, ready to store: the print master, a preview, and what was learned. */
export interface PreparedPhoto {
  /** Baseline sRGB JPEG, upright, with no metadata. Same input → same bytes. */
  master: Buffer;
  masterWidth: number;
  masterHeight: number;
  /** Progressive JPEG for people, at most `previewLongEdgePx` on its long side. */
  preview: Buffer;
  previewWidth: number;
  previewHeight: number;
  /** The upload as it came in (dimensions already upright). */
  source: ImageInfo;
  /** Hex SHA-256 of `master`: a content address for storage and de-duplication. */
  sha256: string;
  /** Things the uploader should know; the photo is usable regardless. */
  warnings: string[];
}

/**
 * Check an uploaded photo and turn it into a print master and a preview (DESIGN.md §2 step 3).
 * Refuses, with an {@link ImageError} whose message tells the uploader what to do: empty files,
 * files over `maxBytes`, non-images, formats not decodable here (HEIC with the prebuilt sharp),
 * headers over `maxInputPixels` (checked before decoding, so a bomb costs about a millisecond), and
 * truncated or corrupt pixel data. Accepted photos that will print soft, lost transparency, or
 * had extra frames come back with `warnings`.
 */
export async function preparePhoto(
  input: ImageInput,
  opts: PrepareOptions = {},
): Promise<PreparedPhoto> {
  const maxInputPixels = opts.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const source = await inspectImage(input, { ...opts, maxInputPixels });
  const master = await makePrintMaster(input, source, {
    maxInputPixels,
    maxLongEdgePx: opts.printMaxLongEdgePx ?? DEFAULT_PRINT_MAX_LONG_EDGE_PX,
  });
  const preview = await makePreview(
    master.data,
    opts.previewLongEdgePx ?? DEFAULT_PREVIEW_LONG_EDGE_PX,
  );

  const warnings: string[] = [];
  for (const slot of opts.slots ?? []) {
    const issue = resolutionWarning(master.width, master.height, slot);
    if (issue) warnings.push(issue.message);
  }
  if (source.hasAlpha && (await hasTransparentPixels(input, { maxInputPixels }))) {
    warnings.push("transparent areas of the photo were filled with white");
  }
  if (source.pages > 1) {
    warnings.push(`the file holds ${source.pages} frames or pages; only the first is used`);
  }

  return {
    master: master.data,
    masterWidth: master.width,
    masterHeight: master.height,
    preview: preview.data,
    previewWidth: preview.width,
    previewHeight: preview.height,
    source,
    sha256: createHash("sha256").update(master.data).digest("hex"),
    warnings,
  };
}
