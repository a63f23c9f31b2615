/**
 * A QR code as vector paths: the matrix comes from `qrcode` (the widely used encoder, kept up
 * for a decade, no native code; we only take its module matrix, not its raster output), each row's
 * dark runs become rectangles in one fill. A light square with the standard 4-module quiet zone
 * goes behind it, so the code scans on any design colour. Same text, same bytes.
 */
import QRCode from "qrcode";
import type { RectPt } from "./page-boxes.ts";
import { num, type Paint, RGB_PAINT, type Rgb } from "./pdf-ops.ts";

/** Modules of quiet zone on every side (ISO/IEC 18004 asks for 4). */
export const QR_QUIET_MODULES = 4;
/** A QR code's text limit here: our short URLs are ~60 characters; a design text may be longer. */
export const QR_MAX_CHARS = 512;

export interface QrMatrix {
  size: number;
  dark(row: number, col: number): boolean;
}

/** The module matrix of `text` at error correction M (15 %: survives a scuff or a fold line). */
export function qrMatrix(text: string): QrMatrix {
  if (text.length > QR_MAX_CHARS) throw new Error(`QR text over ${QR_MAX_CHARS} characters`);
  const code = QRCode.create(text, { errorCorrectionLevel: "M" });
  const m = code.modules;
  return { size: m.size, dark: (r, c) => m.get(r, c) === 1 || (m.get(r, c) as unknown) === true };
}

/** Operators drawing `text`'s code as large as fits, centred in `box` (pdfkit's y-down points). */
export function qrOps(
  text: string,
  box: RectPt,
  ink: Rgb,
  paint: Paint = RGB_PAINT,
  paper: Rgb = [1, 1, 1],
): string {
  const m = qrMatrix(text);
  const side = Math.min(box.w, box.h);
  const total = m.size + 2 * QR_QUIET_MODULES;
  const unit = side / total;
  const x0 = box.x + (box.w - side) / 2;
  const y0 = box.y + (box.h - side) / 2;
  const rects: string[] = [];
  for (let r = 0; r < m.size; r++) {
    let c = 0;
    while (c < m.size) {
      if (!m.dark(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < m.size && m.dark(r, c)) c++;
      const x = x0 + (QR_QUIET_MODULES + start) * unit;
      const y = y0 + (QR_QUIET_MODULES + r) * unit;
      rects.push(`${num(x)} ${num(y)} ${num((c - start) * unit)} ${num(unit)} re`);
    }
  }
  return `q ${paint.fill(paper)} ${num(x0)} ${num(y0)} ${num(side)} ${num(side)} re f ${paint.fill(ink)} ${rects.join(" ")} f Q`;
}
