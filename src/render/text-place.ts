/**
 * Placing one text block of a card: style it, refuse characters no font has, fit it in its box
 * (shrink, then wrap; overflow fails the card), align it, and note fonts and sizes in the report.
 */
import { boxToPt } from "./art.ts";
import { cjkFont } from "./fonts.ts";
import type { FaceRects, RectPt } from "./page-boxes.ts";
import type { Rgb } from "./pdf-ops.ts";
import { hash32, INKS, PEN_RESERVE_EM } from "./pen.ts";
import { CardRenderError, type CardReport, type FailureReason } from "./report.ts";
import type { Layer, TextStyleJson } from "./template-schema.ts";
import { type FitResult, type FitStyle, type FittedText, fitBlock, fitName } from "./text-fit.ts";
import { fallbackUse, unprintable, unprintableAdvice } from "./text-shape.ts";

export interface PlacedText extends FittedText {
  box: RectPt;
  firstBaseline: number;
  color: Rgb;
  align: "left" | "center" | "right";
  /** The text as merged, before line breaking (extracted text of script lines). */
  source: string;
  /** Written by pen (a style with an ink): the seed of its strays; `box` then excludes their room. */
  pen?: { seed: number };
}

export type TextStyle = TextStyleJson & { chain: FitStyle["chain"] };

export function fail(reason: FailureReason, detail: string, report: CardReport): never {
  throw new CardRenderError(reason, detail, report);
}

function intersect(a: RectPt, b: RectPt): RectPt {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  return {
    x,
    y,
    w: Math.max(0, Math.min(a.x + a.w, b.x + b.w) - x),
    h: Math.max(0, Math.min(a.y + a.h, b.y + b.h) - y),
  };
}

/**
 * A placer for one card's texts: `styleOf` resolves a style name, `report` collects what fitting
 * did, `seed` (pen.ts cardSeed) varies the card's handwriting, text by text in placing order.
 */
export function textPlacer(card: {
  styleOf: (name: string, over?: Partial<TextStyleJson>) => TextStyle;
  color: (c: string) => Rgb;
  report: CardReport;
  seed: string;
}) {
  const { styleOf, color, report } = card;
  let placed = 0;
  return function placeText(
    kind: string,
    text: string,
    layer: Layer & { box: readonly number[] },
    rects: FaceRects,
    over?: Partial<TextStyleJson>,
  ): { kind: "text"; text: PlacedText } | undefined {
    if (!text) return undefined;
    const l = layer as {
      size?: number;
      minSize?: number;
      align?: "left" | "center" | "right";
      valign?: string;
    };
    const style = styleOf(kind, {
      ...over,
      ...(l.size ? { size: l.size } : {}),
      ...(l.minSize ? { minSize: l.minSize } : {}),
      ...(l.align ? { align: l.align } : {}),
    });
    const box = intersect(
      boxToPt(layer.box as [number, number, number, number], rects),
      rects.safe,
    );
    let chain = style.chain;
    let missing = unprintable(text, chain);
    const cjk = missing ? cjkFont() : null;
    if (cjk) {
      chain = [...chain, cjk];
      missing = unprintable(text, chain);
    }
    if (missing) {
      const advice = unprintableAdvice(missing, chain);
      fail(
        "unprintable_characters",
        `The ${kind} has characters no font has (${missing}): ${advice}.`,
        report,
      );
    }
    const pen = style.ink !== undefined;
    const fit: FitStyle = {
      chain,
      size: style.size,
      minSize: Math.min(style.size, style.minSize ?? style.size),
      lineHeight: style.lineHeight ?? 1.25,
      maxLines: style.maxLines ?? (kind === "name" ? 2 : 999),
      ...(pen ? { reserveEm: PEN_RESERVE_EM } : {}),
    };
    const result: FitResult =
      kind === "name" ? fitName(text, fit, box) : fitBlock(text, fit, box, kind);
    if (!result.ok) {
      const reason: FailureReason =
        kind === "name"
          ? "name_overflow"
          : kind === "message"
            ? "message_overflow"
            : kind === "address"
              ? "address_overflow"
              : "text_overflow";
      fail(reason, result.detail, report);
    }
    const { fit: f } = result;
    // A pen's lines are laid in the box less the room its strays may take.
    const r = pen ? PEN_RESERVE_EM : { w: 0, h: 0 };
    const inner: RectPt = {
      x: box.x,
      y: box.y + (r.h * f.size) / 2,
      w: box.w - r.w * f.size,
      h: box.h - r.h * f.size,
    };
    const head = fit.chain[0];
    const asc = head ? head.ascent / head.unitsPerEm : 0.9;
    const desc = head ? head.descent / head.unitsPerEm : -0.25;
    const blockH = f.lines.length * f.leading;
    const valign =
      l.valign ??
      (kind === "message" || kind === "signature" || kind === "address" ? "top" : "middle");
    const top =
      valign === "top"
        ? inner.y
        : valign === "bottom"
          ? inner.y + inner.h - blockH
          : inner.y + (inner.h - blockH) / 2;
    const firstBaseline = top + (f.leading - (asc - desc) * f.size) / 2 + asc * f.size;
    for (const [font, chars] of fallbackUse(f.lines, fit.chain))
      report.fallbacks.push({ part: kind, font, chars });
    if (kind === "name") {
      report.nameFontSize = f.size;
      report.nameShrunk = f.shrunk;
      report.nameLines = f.lines.length;
      const fonts = new Set<string>();
      for (const line of f.lines)
        for (const s of line.segments) if (s.text.trim()) fonts.add(s.font.name);
      report.nameFonts = [...fonts];
    } else if (kind === "message") {
      report.messageFontSize = f.size;
      report.messageShrunk = f.shrunk;
      report.messageLines = f.lines.length;
    }
    placed++;
    return {
      kind: "text",
      text: {
        ...f,
        box: inner,
        firstBaseline,
        color: style.ink ? INKS[style.ink] : color(style.color ?? "#000000"),
        align: style.align ?? "left",
        source: text,
        ...(pen ? { pen: { seed: hash32(`${card.seed}\u0000${placed}`) } } : {}),
      },
    };
  };
}
