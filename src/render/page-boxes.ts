/**
 * Page geometry: trim + bleed (+ a slug for crop marks) and the boxes a preflight reads.
 * pdfkit has no TrimBox/BleedBox API, so the boxes go straight into the page dictionary.
 */
import type { FacePlacement, FormatSpec } from "./formats.ts";
import { num } from "./pdf-ops.ts";

export const PT_PER_IN = 72;
/** Extra margin around the bleed that crop marks are drawn in. */
const SLUG_IN = 0.375;

/** Rectangle in points, y down from the page's top-left (pdfkit's user space). */
export interface RectPt {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PageGeometry {
  widthPt: number;
  heightPt: number;
  bleedPt: number;
  slugPt: number;
  /** Top-left of the sheet's trim in page points. */
  trimOrigin: { x: number; y: number };
  trimW: number;
  trimH: number;
}

export function pageGeometry(
  format: FormatSpec,
  bleedIn: number,
  cropMarks: boolean,
): PageGeometry {
  const bleedPt = bleedIn * PT_PER_IN;
  const slugPt = cropMarks ? SLUG_IN * PT_PER_IN : 0;
  const trimW = format.sheet.w * PT_PER_IN;
  const trimH = format.sheet.h * PT_PER_IN;
  const off = bleedPt + slugPt;
  return {
    widthPt: trimW + 2 * off,
    heightPt: trimH + 2 * off,
    bleedPt,
    slugPt,
    trimOrigin: { x: off, y: off },
    trimW,
    trimH,
  };
}

/** Face rectangles on the page: its trim, its bleed (only on sheet edges, never across a fold) and its safe zone. */
export interface FaceRects {
  trim: RectPt;
  bleed: RectPt;
  safe: RectPt;
}

export function faceRects(format: FormatSpec, place: FacePlacement, g: PageGeometry): FaceRects {
  const x = g.trimOrigin.x + place.x * PT_PER_IN;
  const y = g.trimOrigin.y + place.y * PT_PER_IN;
  const w = format.face.w * PT_PER_IN;
  const h = format.face.h * PT_PER_IN;
  const eps = 0.01;
  const b = g.bleedPt;
  const left = x - g.trimOrigin.x < eps ? b : 0;
  const top = y - g.trimOrigin.y < eps ? b : 0;
  const right = g.trimOrigin.x + g.trimW - (x + w) < eps ? b : 0;
  const bottom = g.trimOrigin.y + g.trimH - (y + h) < eps ? b : 0;
  const s = format.safeInset * PT_PER_IN;
  return {
    trim: { x, y, w, h },
    bleed: { x: x - left, y: y - top, w: w + left + right, h: h + top + bottom },
    safe: { x: x + s, y: y + s, w: w - 2 * s, h: h - 2 * s },
  };
}

/** Minimal view of a pdfkit page dictionary: enough to add the print boxes. */
interface PageDict {
  dictionary: { data: Record<string, unknown> };
}

/** Writes MediaBox, BleedBox and TrimBox (PDF space; the page is symmetric, so y flips are moot). */
export function writePageBoxes(page: unknown, g: PageGeometry): void {
  const data = (page as PageDict).dictionary.data;
  const s = g.slugPt;
  const o = g.slugPt + g.bleedPt;
  data.MediaBox = [0, 0, g.widthPt, g.heightPt];
  data.BleedBox = [s, s, g.widthPt - s, g.heightPt - s];
  data.TrimBox = [o, o, g.widthPt - o, g.heightPt - o];
}

/** Crop marks in the slug: short hairlines in registration black, kept clear of the bleed. */
export function cropMarkOps(g: PageGeometry): string {
  if (g.slugPt <= 0) return "";
  const gap = g.bleedPt + 3;
  const len = g.slugPt - 6;
  const x0 = g.trimOrigin.x;
  const y0 = g.trimOrigin.y;
  const x1 = x0 + g.trimW;
  const y1 = y0 + g.trimH;
  const lines: Array<[number, number, number, number]> = [];
  for (const [cx, dx] of [
    [x0, -1],
    [x1, 1],
  ] as const) {
    for (const [cy, dy] of [
      [y0, -1],
      [y1, 1],
    ] as const) {
      lines.push([cx + dx * gap, cy, cx + dx * (gap + len), cy]);
      lines.push([cx, cy + dy * gap, cx, cy + dy * (gap + len)]);
    }
  }
  const path = lines.map(([a, b, c, d]) => `${num(a)} ${num(b)} m ${num(c)} ${num(d)} l`).join(" ");
  return `q 0.25 w 1 1 1 1 k 1 1 1 1 K ${path} S Q\n`;
}
