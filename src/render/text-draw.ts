/**
 * Writes shaped text into a pdfkit document as raw operators. pdfkit still owns the fonts
 * (subset, widths, ToUnicode are written by its EmbeddedFont at the end); we fill them the
 * way its encode() does, but from process-wide shaped runs and with a per-document cache of
 * encoded words, because pdfkit draws one font per call and we draw fallback runs.
 */
import { type SubsetFont, useStableSubset } from "./font-subset-cache.ts";
import type { FkGlyph, LoadedFont } from "./fonts.ts";
import { num } from "./pdf-ops.ts";
import type { Line, Segment } from "./text-shape.ts";

/** pdfkit's per-document EmbeddedFont (not in its public types). */
interface PdfkitFont {
  id: string;
  subset: { includeGlyph(glyphId: number): number };
  widths: number[];
  unicode: number[][];
  ref(): unknown;
}

interface DocInternals {
  _font: PdfkitFont;
  page: { fonts: Record<string, unknown> };
}

/** One word encoded for one document: TJ operand text and its advance (1/1000 em). */
interface EncodedWord {
  tj: string;
  advance: number;
  /** Glyphs positioned off the baseline (mark stacking): drawn glyph by glyph instead. */
  offsets: boolean;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}

/**
 * Wraps text in a marked-content span carrying its exact text: script faces kern so wide
 * (a swash K is followed by +0.12 em) that extractors read a gap as a space ("K hai").
 */
export function withActualText(text: string, ops: string): string {
  const utf16 = Buffer.from(text, "utf16le").swap16().toString("hex");
  return `/Span <</ActualText <FEFF${utf16}>>> BDC\n${ops}\nEMC`;
}

interface DocFont {
  pdf: PdfkitFont;
  font: LoadedFont;
  scale: number;
  words: Map<string, EncodedWord>;
}

/** The fonts registered in one document: each parsed font is added once, on first use. */
export class DocFonts {
  private readonly byKey = new Map<string, DocFont>();
  /** Fonts referenced from the current page's resources. */
  private pageFonts = new Set<string>();

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  /** Call when a page is added: resources are per page. */
  newPage(): void {
    this.pageFonts = new Set();
  }

  private get(font: LoadedFont): DocFont {
    let f = this.byKey.get(font.key);
    if (!f) {
      // The family name is pdfkit's cache key: one EmbeddedFont per document and key.
      this.doc.font(font.fk as unknown as PDFKit.Mixins.PDFFontSource, font.key);
      const pdf = (this.doc as unknown as DocInternals)._font;
      useStableSubset(pdf as unknown as SubsetFont, font);
      f = { pdf, font, scale: 1000 / font.unitsPerEm, words: new Map() };
      this.byKey.set(font.key, f);
    }
    if (!this.pageFonts.has(f.pdf.id)) {
      (this.doc as unknown as DocInternals).page.fonts[f.pdf.id] = f.pdf.ref();
      this.pageFonts.add(f.pdf.id);
    }
    return f;
  }

  /** The font's resource name in this document (registered on first use, and on the page). */
  resourceName(font: LoadedFont): string {
    return this.get(font).pdf.id;
  }

  /** A shaped glyph's code in the font's subset, as hex; its width and text are noted for embedding. */
  glyphHex(font: LoadedFont, glyph: FkGlyph): string {
    const { pdf, scale } = this.get(font);
    const gid = pdf.subset.includeGlyph(glyph.id);
    pdf.widths[gid] ??= glyph.advanceWidth * scale;
    pdf.unicode[gid] ??= glyph.codePoints;
    return hex4(gid);
  }

  /** Encodes a word as pdfkit's EmbeddedFont.encode would, cached per document. */
  private word(f: DocFont, text: string): EncodedWord {
    let w = f.words.get(text);
    if (w) return w;
    const run = f.font.run(text);
    const { pdf, scale } = f;
    const parts: string[] = [];
    let hex = "";
    let advance = 0;
    let offsets = false;
    for (let i = 0; i < run.glyphs.length; i++) {
      const g = run.glyphs[i];
      const p = run.positions[i];
      if (!g || !p) continue;
      const gid = pdf.subset.includeGlyph(g.id);
      pdf.widths[gid] ??= g.advanceWidth * scale;
      pdf.unicode[gid] ??= g.codePoints;
      if (p.xOffset || p.yOffset) offsets = true;
      hex += hex4(gid);
      const adj = (p.xAdvance - g.advanceWidth) * scale;
      if (adj !== 0) {
        parts.push(`<${hex}> ${num(-adj)}`);
        hex = "";
      }
      advance += p.xAdvance * scale;
    }
    if (hex) parts.push(`<${hex}>`);
    w = { tj: parts.join(" "), advance, offsets };
    f.words.set(text, w);
    return w;
  }

  /** Draws a word glyph by glyph (only for runs with mark offsets, e.g. stacked diacritics). */
  private offsetWordOps(
    f: DocFont,
    text: string,
    x: number,
    baseline: number,
    size: number,
  ): string {
    const run = f.font.run(text);
    const k = size / f.font.unitsPerEm;
    const out: string[] = [];
    let cx = x;
    for (let i = 0; i < run.glyphs.length; i++) {
      const g = run.glyphs[i];
      const p = run.positions[i];
      if (!g || !p) continue;
      const gid = f.pdf.subset.includeGlyph(g.id);
      out.push(
        `1 0 0 -1 ${num(cx + p.xOffset * k)} ${num(baseline - p.yOffset * k)} Tm <${hex4(gid)}> Tj`,
      );
      cx += p.xAdvance * k;
    }
    return out.join("\n");
  }

  /** Operators drawing `segments` from (x, baseline) at `size` pt, in pdfkit's y-down space. */
  segmentOps(segments: readonly Segment[], x: number, baseline: number, size: number): string {
    const out: string[] = ["BT"];
    let cx = x;
    for (const seg of segments) {
      const f = this.get(seg.font);
      // The text matrix flips y back so glyphs stand upright in the y-down page space.
      out.push(`/${f.pdf.id} ${num(size)} Tf 1 0 0 -1 ${num(cx)} ${num(baseline)} Tm`);
      const tj: string[] = [];
      const text = seg.text;
      let last = 0;
      // Words split after spaces, as pdfkit lays them out (no kerning across a space).
      for (let i = 0; i <= text.length; i++) {
        if (i < text.length && text.charCodeAt(i) !== 32) continue;
        const piece = text.slice(last, Math.min(i + 1, text.length));
        last = i + 1;
        if (!piece) continue;
        const w = this.word(f, piece);
        if (w.offsets) {
          if (tj.length) out.push(`[${tj.join(" ")}] TJ`);
          tj.length = 0;
          out.push(this.offsetWordOps(f, piece, cx, baseline, size));
          cx += (w.advance * size) / 1000;
          out.push(`1 0 0 -1 ${num(cx)} ${num(baseline)} Tm`);
          continue;
        }
        tj.push(w.tj);
        cx += (w.advance * size) / 1000;
      }
      if (tj.length) out.push(`[${tj.join(" ")}] TJ`);
    }
    out.push("ET");
    return out.join("\n");
  }

  /** Operators for lines aligned in a box, baselines from `firstBaseline` every `leading` pt. */
  linesOps(
    lines: readonly Line[],
    box: { x: number; w: number },
    firstBaseline: number,
    leading: number,
    size: number,
    align: "left" | "center" | "right",
    source: string,
  ): string {
    const parts: string[] = [];
    lines.forEach((line, i) => {
      const w = line.width * size;
      const x =
        align === "center"
          ? box.x + (box.w - w) / 2
          : align === "right"
            ? box.x + box.w - w
            : box.x;
      if (line.segments.length) {
        parts.push(this.segmentOps(line.segments, x, firstBaseline + i * leading, size));
      }
    });
    const body = parts.join("\n");
    // One span for the whole block, so a line broken after a hyphen is not "dehyphenated".
    const script = lines.some((l) => l.segments.some((s) => s.font.actualText));
    return script ? withActualText(source.replace(/\s+/g, " ").trim(), body) : body;
  }
}
