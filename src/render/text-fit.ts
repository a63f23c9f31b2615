/**
 * Fitting text into boxes: the name shrinks to its line down to a floor, then wraps;
 * blocks (message, signature, footer) shrink in small steps down to their floor, and
 * report an overflow instead of being cut.
 */
import type { LoadedFont } from "./fonts.ts";
import type { RectPt } from "./page-boxes.ts";
import { type Line, shapeLine, wrapText } from "./text-shape.ts";

export interface FitStyle {
  chain: readonly LoadedFont[];
  size: number;
  minSize: number;
  lineHeight: number;
  maxLines: number;
  /** Room kept free around the lines, in em of the size tried (a pen's strays: pen.ts). */
  reserveEm?: { w: number; h: number };
}

export interface FittedText {
  lines: Line[];
  size: number;
  leading: number;
  shrunk: boolean;
}

export type FitResult = { ok: true; fit: FittedText } | { ok: false; detail: string };

const EPS = 0.01;

/** Sizes to try from `max` down to `min`, in `step`s, always ending on `min`. */
function sizes(max: number, min: number, step: number): number[] {
  const out: number[] = [];
  for (let s = max; s > min + EPS; s = Math.round((s - step) * 100) / 100) out.push(s);
  out.push(min);
  return out;
}

/** The box less the room `style` keeps free at `size`. */
function room(style: FitStyle, box: RectPt, size: number): { w: number; h: number } {
  const r = style.reserveEm ?? { w: 0, h: 0 };
  return { w: box.w - r.w * size, h: box.h - r.h * size };
}

/** A name line: one line as large as fits, else up to `maxLines` lines. */
export function fitName(text: string, style: FitStyle, box: RectPt): FitResult {
  const single = shapeLine(text, style.chain);
  const steps = sizes(style.size, style.minSize, 0.5);
  for (const size of steps) {
    const { w, h } = room(style, box, size);
    if (single.width * size <= w + EPS && size * style.lineHeight <= h + EPS) {
      return {
        ok: true,
        fit: { lines: [single], size, leading: size * style.lineHeight, shrunk: size < style.size },
      };
    }
  }
  for (const size of steps) {
    const { w, h } = room(style, box, size);
    const lines = wrapText(text, style.chain, w / size);
    const leading = size * style.lineHeight;
    if (lines.length <= style.maxLines && lines.length * leading <= h + EPS) {
      return { ok: true, fit: { lines, size, leading, shrunk: true } };
    }
  }
  return {
    ok: false,
    detail: `the name "${text}" does not fit its ${round(box.w / 72)} x ${round(box.h / 72)} in box in ${style.maxLines} line(s) even at ${style.minSize} pt`,
  };
}

/** A wrapped block: the largest size from `size` down to `minSize` whose lines fit the box. */
export function fitBlock(text: string, style: FitStyle, box: RectPt, what: string): FitResult {
  let lines: Line[] = [];
  for (const size of sizes(style.size, style.minSize, 0.25)) {
    const { w, h } = room(style, box, size);
    lines = wrapText(text, style.chain, w / size);
    const leading = size * style.lineHeight;
    if (lines.length <= style.maxLines && lines.length * leading <= h + EPS) {
      return { ok: true, fit: { lines, size, leading, shrunk: size < style.size } };
    }
  }
  const fits = Math.floor(
    (room(style, box, style.minSize).h + EPS) / (style.minSize * style.lineHeight),
  );
  return {
    ok: false,
    detail: `the ${what} needs ${lines.length} lines at the floor size of ${style.minSize} pt but its ${round(box.w / 72)} x ${round(box.h / 72)} in box holds ${Math.min(fits, style.maxLines)}; shorten it by about ${Math.max(1, Math.ceil(((lines.length - fits) / lines.length) * 100))}%`,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
