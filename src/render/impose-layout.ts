/**
 * Where cards sit on a press sheet: as many as fit with their bleed and a gutter between bleeds,
 * inside a margin that holds the crop marks and the slug line; the grid is centred so that the
 * back side, mirrored left to right, registers with the front when the sheet is turned over
 * (work-and-turn, same gripper edge). Cards stay upright (no rotation); the sheet runs portrait
 * or landscape, whichever holds more. All values in points, y down from the sheet's top-left.
 */
import { PT_PER_IN, type RectPt } from "./page-boxes.ts";
import type { SheetSpec } from "./sheet-sizes.ts";

/** Sheet margin kept free of cards: crop marks (3 pt off the bleed, 14 pt long) and the slug line. */
export const SHEET_MARGIN_IN = 0.5;
/** Space between two neighbouring cards' bleeds, so one cut never touches the next card's bleed. */
export const GUTTER_IN = 0.125;
export const MARK_GAP_PT = 3;
export const MARK_LEN_PT = 14;

export interface SheetLayout {
  widthPt: number;
  heightPt: number;
  landscape: boolean;
  cols: number;
  rows: number;
  perSheet: number;
  /** The card's trim and bleed size. */
  trimW: number;
  trimH: number;
  bleedPt: number;
  /** Bleed box of each front position, row-major from the top-left. */
  front: RectPt[];
  /** Bleed box of each position on the back (the front's cell mirrored left to right). */
  back: RectPt[];
}

function cellsAcross(avail: number, cell: number, gutter: number): number {
  return Math.max(0, Math.floor((avail + gutter + 1e-6) / (cell + gutter)));
}

/** Lays cards of trim `cardW` x `cardH` inches out on `sheet`. Throws when none fits. */
export function sheetLayout(
  sheet: SheetSpec,
  cardW: number,
  cardH: number,
  bleedIn: number,
): SheetLayout {
  const bw = cardW + 2 * bleedIn;
  const bh = cardH + 2 * bleedIn;
  const options = [false, true].map((landscape) => {
    const w = landscape ? sheet.h : sheet.w;
    const h = landscape ? sheet.w : sheet.h;
    const cols = cellsAcross(w - 2 * SHEET_MARGIN_IN, bw, GUTTER_IN);
    const rows = cellsAcross(h - 2 * SHEET_MARGIN_IN, bh, GUTTER_IN);
    return { landscape, w, h, cols, rows };
  });
  const best = options.reduce((a, b) => (b.cols * b.rows > a.cols * a.rows ? b : a));
  if (best.cols * best.rows === 0)
    throw new Error(`a ${cardW} x ${cardH} in card does not fit on a ${sheet.label} sheet`);
  const P = PT_PER_IN;
  const gridW = (best.cols * bw + (best.cols - 1) * GUTTER_IN) * P;
  const gridH = (best.rows * bh + (best.rows - 1) * GUTTER_IN) * P;
  const widthPt = best.w * P;
  const heightPt = best.h * P;
  const x0 = (widthPt - gridW) / 2;
  const y0 = (heightPt - gridH) / 2;
  const front: RectPt[] = [];
  const back: RectPt[] = [];
  for (let r = 0; r < best.rows; r++) {
    for (let c = 0; c < best.cols; c++) {
      const y = y0 + r * (bh + GUTTER_IN) * P;
      front.push({ x: x0 + c * (bw + GUTTER_IN) * P, y, w: bw * P, h: bh * P });
      const mc = best.cols - 1 - c;
      back.push({ x: x0 + mc * (bw + GUTTER_IN) * P, y, w: bw * P, h: bh * P });
    }
  }
  return {
    widthPt,
    heightPt,
    landscape: best.landscape,
    cols: best.cols,
    rows: best.rows,
    perSheet: best.cols * best.rows,
    trimW: cardW * P,
    trimH: cardH * P,
    bleedPt: bleedIn * P,
    front,
    back,
  };
}

/** Crop-mark segments [x1, y1, x2, y2]: every trim line, drawn only in the margin outside the grid. */
export function sheetCropMarks(l: SheetLayout): Array<[number, number, number, number]> {
  const cells = l.front;
  const first = cells[0] as RectPt;
  const last = cells[cells.length - 1] as RectPt;
  const top = first.y;
  const left = first.x;
  const right = last.x + last.w;
  const bottom = last.y + last.h;
  const b = l.bleedPt;
  const xs = new Set<number>();
  const ys = new Set<number>();
  for (const c of cells) {
    xs.add(c.x + b);
    xs.add(c.x + b + l.trimW);
    ys.add(c.y + b);
    ys.add(c.y + b + l.trimH);
  }
  const out: Array<[number, number, number, number]> = [];
  const g = MARK_GAP_PT;
  const n = MARK_LEN_PT;
  for (const x of xs) {
    out.push([x, top - g, x, top - g - n]);
    out.push([x, bottom + g, x, bottom + g + n]);
  }
  for (const y of ys) {
    out.push([left - g, y, left - g - n, y]);
    out.push([right + g, y, right + g + n, y]);
  }
  return out;
}
