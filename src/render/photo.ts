/**
 * Photo placement: fill a slot (cover, cropping around a focal point) or fit inside it
 * (contain), and the effective resolution that results.
 */
import type { RectPt } from "./page-boxes.ts";
import { PHOTO_ERROR_PPI, PHOTO_WARN_PPI, type PhotoReport } from "./report.ts";

/** A print-ready photo: an sRGB JPEG and its pixel size (prepared by the images module). */
export interface Photo {
  id: string;
  jpeg: Buffer;
  widthPx: number;
  heightPx: number;
}

export interface PhotoPlacement {
  /** Where the whole image is drawn, in page points (may extend past the slot). */
  image: RectPt;
  /** The slot it is clipped to. */
  clip: RectPt;
  report: PhotoReport;
}

export function placePhoto(
  photo: Photo,
  slot: RectPt,
  fit: "cover" | "contain",
  focal: readonly [number, number],
): PhotoPlacement {
  const sx = slot.w / photo.widthPx;
  const sy = slot.h / photo.heightPx;
  const scale = fit === "cover" ? Math.max(sx, sy) : Math.min(sx, sy);
  const w = photo.widthPx * scale;
  const h = photo.heightPx * scale;
  let x: number;
  let y: number;
  if (fit === "cover") {
    // Put the focal point at the slot's centre, then clamp so the slot stays covered.
    x = Math.min(slot.x, Math.max(slot.x + slot.w - w, slot.x + slot.w / 2 - focal[0] * w));
    y = Math.min(slot.y, Math.max(slot.y + slot.h - h, slot.y + slot.h / 2 - focal[1] * h));
  } else {
    x = slot.x + (slot.w - w) / 2;
    y = slot.y + (slot.h - h) / 2;
  }
  const ppi = Math.round(Math.min(photo.widthPx / w, photo.heightPx / h) * 72 * 10) / 10;
  const report: PhotoReport = {
    id: photo.id,
    widthPx: photo.widthPx,
    heightPx: photo.heightPx,
    placedIn: { w: Math.round((w / 72) * 1000) / 1000, h: Math.round((h / 72) * 1000) / 1000 },
    effectivePpi: ppi,
  };
  if (ppi < PHOTO_WARN_PPI) {
    report.warning = `photo ${photo.id} prints at ${ppi} ppi (under ${PHOTO_WARN_PPI}): it may look soft; upload at least ${Math.ceil((w / 72) * PHOTO_WARN_PPI)} x ${Math.ceil((h / 72) * PHOTO_WARN_PPI)} px`;
  }
  if (ppi < PHOTO_ERROR_PPI) {
    report.error = `photo ${photo.id} prints at ${ppi} ppi (under ${PHOTO_ERROR_PPI}): it will look pixelated`;
  }
  return { image: { x, y, w, h }, clip: slot, report };
}
