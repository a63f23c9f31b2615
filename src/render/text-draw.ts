/**
 * Writes shaped text into a pdfkit document as raw operators. pdfkit still owns the fonts
 * (subsetting, widths, ToUnicode), through its EmbeddedFont.encode(); only the text
 * operators are ours, because pdfkit draws one font per call and we draw fallback runs.
 */
import type { LoadedFont } from "./fonts.ts";
import { num } from "./pdf-ops.ts";
import type { Line, Segment } from "./text-shape.ts";

interface EncodedPosition {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
  advanceWidth: number;
}

/** pdfkit's per-document EmbeddedFont (not in its public types). */
interface PdfkitFont {
  id: string;
  encode(text: string): [string[], EncodedPosition[]];
  ref(): unknown;
}

interface DocInternals {
  _font: PdfkitFont;
  page: { fonts: Record<string, unknown>; write(chunk: string): void };
}

/**
 * Wraps a line in a marked-content span carrying its exact text: script faces kern so wide
 * (a swash K is followed by +0.12 em) that extractors read a gap as a space ("K hai").
 */
function withActualText(text: string, ops: string): string {
  const utf16 = Buffer.from(text, "utf16le").swap16().toString("hex");
  return `/Span <</ActualText <FEFF${utf16}>>> BDC\n${ops}\nEMC`;
}

/** The fonts registered in one document: each parsed font is added once, on first use. */
export class DocFonts {
  private readonly byKey = new Map<string, PdfkitFont>();
  /** Fonts referenced from the current page's resources. */
  private pageFonts = new Set<string>();

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  /** Call when a page is added: resources are per page. */
  newPage(): void {
    this.pageFonts = new Set();
  }

  private get(font: LoadedFont): PdfkitFont {
    let f = this.byKey.get(font.key);
    if (!f) {
      // The family name is pdfkit's cache key: one EmbeddedFont per document and key.
      this.doc.font(font.fk as unknown as PDFKit.Mixins.PDFFontSource, font.key);
      f = (this.doc as unknown as DocInternals)._font;
      this.byKey.set(font.key, f);
    }
    const internals = this.doc as unknown as DocInternals;
    if (!this.pageFonts.has(f.id)) {
      internals.page.fonts[f.id] = f.ref();
      this.pageFonts.add(f.id);
    }
    return f;
  }

  /** Operators drawing `segments` from (x, baseline) at `size` pt, in pdfkit's y-down space. */
  segmentOps(segments: readonly Segment[], x: number, baseline: number, size: number): string {
    const out: string[] = ["BT"];
    let cx = x;
    const scale = size / 1000;
    for (const seg of segments) {
      const f = this.get(seg.font);
      const [encoded, positions] = f.encode(seg.text);
      // The text matrix flips y back so glyphs stand upright in the y-down page space.
      out.push(`/${f.id} ${num(size)} Tf 1 0 0 -1 ${num(cx)} ${num(baseline)} Tm`);
      let chunk: string[] = [];
      const flush = () => {
        if (chunk.length) out.push(`[${chunk.join(" ")}] TJ`);
        chunk = [];
      };
      let hex = "";
      for (let i = 0; i < positions.length; i++) {
        const p = positions[i] as EncodedPosition;
        if (p.xOffset || p.yOffset) {
          if (hex) chunk.push(`<${hex}>`);
          hex = "";
          flush();
          out.push(
            `1 0 0 -1 ${num(cx + p.xOffset * scale)} ${num(baseline - p.yOffset * scale)} Tm`,
          );
          out.push(`<${encoded[i]}> Tj`);
          out.push(`1 0 0 -1 ${num(cx + p.xAdvance * scale)} ${num(baseline)} Tm`);
        } else {
          hex += encoded[i];
          const adj = p.xAdvance - p.advanceWidth;
          if (adj !== 0) {
            chunk.push(`<${hex}> ${num(-adj)}`);
            hex = "";
          }
        }
        cx += p.xAdvance * scale;
      }
      if (hex) chunk.push(`<${hex}>`);
      flush();
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
      if (!line.segments.length) return;
      const ops = this.segmentOps(line.segments, x, firstBaseline + i * leading, size);
      parts.push(ops);
    });
    const body = parts.join("\n");
    // One span for the whole block, so a line broken after a hyphen is not "dehyphenated".
    const script = lines.some((l) => l.segments.some((s) => s.font.actualText));
    return script ? withActualText(source.replace(/\s+/g, " ").trim(), body) : body;
  }
}
