/**
 * The pen: what makes a handwritten style look written rather than typeset. Each glyph strays a
 * little from its baseline, size and angle, and each line starts a little off the margin, all
 * drawn from a seed of the card, so one card always draws the same (byte-identical re-renders)
 * while two cards with the same message differ. How far the pen may stray is bounded here, and
 * the fit keeps that much room free (text-fit.ts), so no stray letter leaves its box.
 */
import type { CardData } from "./card-data.ts";
import { parseHex, type Rgb, seededRandom } from "./pdf-ops.ts";

export type Ink = "blue" | "black";

/** Inks as printed (sRGB): a ballpoint's blue and a fine liner's black, never pure 000. */
export const INKS: Record<Ink, Rgb> = {
  blue: parseHex("#1e3a8c"),
  black: parseHex("#1f1f24"),
};

/** The largest strays, in em of the text's size (angles in degrees, size as a ratio). */
export const PEN_BOUNDS = {
  /** A line starts up to this far right of the margin. */
  indentEm: 0.3,
  /** A glyph sits up to this far above or below its line. */
  baselineEm: 0.035,
  /** A line rises or falls up to this much from its start to its end. */
  driftEm: 0.05,
  /**
   * A glyph is drawn up to this much larger or smaller. Text extractors (poppler's pdftotext)
   * split a word where two letters' sizes differ by 5% or more, so two strays must stay under it.
   */
  sizeRatio: 0.02,
  /** A glyph leans up to this far either way. */
  angleDeg: 2.5,
} as const;

/**
 * Room the fit keeps free for the pen, in em: the indent plus what a glyph grown and leaned at
 * the line's end overhangs (its advance of under an em times the size ratio, its height of about
 * an em times the sine of the lean); vertically the strays of baseline, drift, size and lean.
 */
export const PEN_RESERVE_EM = {
  w: PEN_BOUNDS.indentEm + PEN_BOUNDS.sizeRatio + Math.sin((PEN_BOUNDS.angleDeg * Math.PI) / 180),
  h:
    2 *
    (PEN_BOUNDS.baselineEm +
      PEN_BOUNDS.driftEm +
      PEN_BOUNDS.sizeRatio +
      Math.sin((PEN_BOUNDS.angleDeg * Math.PI) / 180)),
} as const;

/** FNV-1a, 32 bits: a stable number from a string, the same on every machine and version. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * What varies one card's hand from another's: the card's own seed (cardInput gives the campaign
 * and recipient ids), else the recipient as merged (name and address), which is as stable.
 */
export function cardSeed(data: CardData): string {
  if (data.seed) return data.seed;
  const r = data.recipient;
  const a = r.address;
  return [r.fullName, r.firstName, r.lastName, a.line1, a.line2, a.postalCode, a.country]
    .map((v) => v ?? "")
    .join("\u0000");
}

/** How one line is written: its start offset and its drift, in pt. */
export interface PenLine {
  indent: number;
  drift: number;
}

/** How one glyph is written: its baseline shift (pt, y down), scale and lean (radians). */
export interface PenGlyph {
  dy: number;
  scale: number;
  angle: number;
}

/**
 * The strays of one text block: call line() at each line start and glyph() for each glyph, in
 * drawing order. A glyph that repeats the glyph before it is leaned the other way, so two
 * adjacent identical letters are never drawn alike even where the font has no alternate.
 */
export function penStrays(seed: number, size: number) {
  const rnd = seededRandom(seed);
  const between = (max: number) => (rnd() * 2 - 1) * max;
  const maxAngle = (PEN_BOUNDS.angleDeg * Math.PI) / 180;
  let previous: { key: string; angle: number } | undefined;
  return {
    line(): PenLine {
      previous = undefined;
      return {
        indent: rnd() * PEN_BOUNDS.indentEm * size,
        drift: between(PEN_BOUNDS.driftEm * size),
      };
    },
    /** `key` names the glyph drawn (font and glyph id). */
    glyph(key: string): PenGlyph {
      const dy = between(PEN_BOUNDS.baselineEm * size);
      const scale = 1 + between(PEN_BOUNDS.sizeRatio);
      let angle = between(maxAngle);
      if (previous?.key === key && Math.abs(angle - previous.angle) < maxAngle / 2) {
        angle =
          previous.angle >= 0 ? previous.angle - maxAngle * 0.75 : previous.angle + maxAngle * 0.75;
      }
      previous = { key, angle };
      return { dy, scale, angle };
    },
  };
}
