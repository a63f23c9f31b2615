/**
 * Stable font subsets. Subsetting a TrueType font (re-encoding glyf, loca, hmtx...) is most
 * of the cost of a one-card PDF. Every document therefore starts each font's subset with the
 * same base glyphs (Latin letters, digits, punctuation and, for script faces, the contextual
 * forms letter pairs produce), in a fixed order; cards whose text needs nothing else give the
 * same subset, and its encoded bytes are reused. The base set is fixed per font, never learnt
 * from earlier cards, so the bytes of a card do not depend on what the process rendered before.
 */
import { deflateSync } from "node:zlib";
import type { LoadedFont } from "./fonts.ts";

/** pdfkit's EmbeddedFont fields this module touches (not in its public types). */
export interface SubsetFont {
  subset: { glyphs: number[]; includeGlyph(glyphId: number): number; encode(): Uint8Array };
  widths: number[];
  unicode: number[][];
  embed(): void;
  document: { ref(data?: Record<string, unknown>): unknown };
}

interface BaseGlyph {
  id: number;
  advance: number;
  codePoints: number[];
}

const baseSets = new Map<string, BaseGlyph[]>();
const encoded = new Map<string, Uint8Array>();
const ENCODED_LIMIT = 64;

function corpus(script: boolean): string[] {
  const out: string[] = [];
  const add = (from: number, to: number) => {
    for (let c = from; c <= to; c++) out.push(String.fromCodePoint(c));
  };
  add(0x20, 0x7e);
  add(0xa0, 0x17f);
  out.push("’", "‘", "“", "”", "–", "—", "…");
  if (script) {
    // Script faces swap letters for contextual forms: collect what letter pairs produce.
    const lower = "abcdefghijklmnopqrstuvwxyz";
    const upper = lower.toUpperCase();
    for (const a of lower + upper) for (const b of lower) out.push(a + b);
  }
  return out;
}

function baseSet(font: LoadedFont): BaseGlyph[] {
  let set = baseSets.get(font.key);
  if (!set) {
    const seen = new Set<number>();
    set = [];
    for (const text of corpus(font.actualText)) {
      if (![...text].every((ch) => font.has(ch.codePointAt(0) ?? 0))) continue;
      for (const g of font.run(text).glyphs) {
        if (g.id === 0 || seen.has(g.id)) continue;
        seen.add(g.id);
        set.push({ id: g.id, advance: g.advanceWidth, codePoints: g.codePoints });
      }
    }
    baseSets.set(font.key, set);
  }
  return set;
}

/** Seeds a new document font with the base glyphs and reuses encoded subsets across documents. */
export function useStableSubset(pdf: SubsetFont, font: LoadedFont): void {
  const scale = 1000 / font.unitsPerEm;
  for (const g of baseSet(font)) {
    const gid = pdf.subset.includeGlyph(g.id);
    pdf.widths[gid] ??= g.advance * scale;
    pdf.unicode[gid] ??= g.codePoints;
  }
  const subset = pdf.subset;
  const encode = subset.encode.bind(subset);
  // Cached already deflated: compressing the font file is the other half of the cost.
  subset.encode = () => {
    const key = `${font.key}:${subset.glyphs.join(",")}`;
    let bytes = encoded.get(key);
    if (!bytes) {
      bytes = deflateSync(encode());
      if (encoded.size >= ENCODED_LIMIT) encoded.clear();
      encoded.set(key, bytes);
    }
    return bytes;
  };
  // pdfkit's embed() creates the font-file stream with its first ref() call; declaring the
  // filter up front makes pdfkit write our deflated bytes as they are instead of compressing.
  const embed = pdf.embed.bind(pdf);
  pdf.embed = () => {
    const doc = pdf.document;
    const ref = doc.ref;
    let first = true;
    doc.ref = (data?: Record<string, unknown>) => {
      if (!first) return ref.call(doc, data);
      first = false;
      return ref.call(doc, { ...data, Filter: "FlateDecode" });
    };
    try {
      embed();
    } finally {
      doc.ref = ref;
    }
  };
}
