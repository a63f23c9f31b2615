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
import { endWithoutCopy } from "./stream-object.ts";

/** pdfkit's EmbeddedFont fields this module touches (not in its public types). */
export interface SubsetFont {
  subset: { glyphs: number[]; includeGlyph(glyphId: number): number; encode(): Uint8Array };
  widths: number[];
  unicode: number[][];
  embed(): void;
  toUnicodeCmap(): unknown;
  document: { ref(data?: Record<string, unknown>): unknown };
}

/** pdfkit's PDFReference, as far as this module writes one. */
interface StreamRef {
  compress: boolean;
  data: Record<string, unknown>;
  write(chunk: Uint8Array): void;
  end(): void;
}

interface BaseGlyph {
  id: number;
  advance: number;
  codePoints: number[];
}

const baseSets = new Map<string, BaseGlyph[]>();
const encoded = new Map<string, Uint8Array>();
/** The W array of a subset as pdfkit writes it, and its ToUnicode CMap deflated, by subset. */
const widthArrays = new Map<string, string>();
const toUnicode = new Map<string, Uint8Array>();
const ENCODED_LIMIT = 64;

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= ENCODED_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * A value pdfkit writes as the given PDF text: its PDFObject.convert prints any
 * PDFAbstractReference by its toString(), so an object with that prototype carries text
 * converted once instead of a 400-number array converted again in every document.
 */
function rawPdfValue(sample: object, text: string): object {
  const abstractReference = Object.getPrototypeOf(Object.getPrototypeOf(sample)) as object;
  return Object.create(abstractReference, { toString: { value: () => text } });
}

function corpus(contextual: boolean): string[] {
  const out: string[] = [];
  const add = (from: number, to: number) => {
    for (let c = from; c <= to; c++) out.push(String.fromCodePoint(c));
  };
  add(0x20, 0x7e);
  add(0xa0, 0x17f);
  out.push("’", "‘", "“", "”", "–", "—", "…");
  if (contextual) {
    // Script and handwriting faces swap letters for contextual forms: collect what letter pairs
    // and runs of one letter ("lll", Caveat's third form) produce.
    const lower = "abcdefghijklmnopqrstuvwxyz";
    const upper = lower.toUpperCase();
    for (const a of lower + upper) for (const b of lower) out.push(a + b);
    for (const a of lower) out.push(a.repeat(3));
  }
  return out;
}

function baseSet(font: LoadedFont): BaseGlyph[] {
  let set = baseSets.get(font.key);
  if (!set) {
    const seen = new Set<number>();
    set = [];
    for (const text of corpus(font.contextual)) {
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

const hex4 = (n: number) => `0000${n.toString(16)}`.slice(-4);

/** The ToUnicode CMap pdfkit's EmbeddedFont.toUnicodeCmap writes, as text (with its newline). */
function cmapText(unicode: readonly number[][]): string {
  const entries: string[] = [];
  for (const codePoints of unicode) {
    const encoded: string[] = [];
    for (let value of codePoints) {
      if (value > 0xffff) {
        value -= 0x10000;
        encoded.push(hex4(((value >>> 10) & 0x3ff) | 0xd800));
        value = 0xdc00 | (value & 0x3ff);
      }
      encoded.push(hex4(value));
    }
    entries.push(`<${encoded.join(" ")}>`);
  }
  const ranges: string[] = [];
  for (let start = 0; start < entries.length; start += 256) {
    const end = Math.min(start + 256, entries.length);
    ranges.push(`<${hex4(start)}> <${hex4(end - 1)}> [${entries.slice(start, end).join(" ")}]`);
  }
  return `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo <<
  /Registry (Adobe)
  /Ordering (UCS)
  /Supplement 0
>> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000><ffff>
endcodespacerange
${ranges.length} beginbfrange
${ranges.join("\n")}
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
`;
}

/** A nested array of numbers as pdfkit's PDFObject.convert writes it. */
function pdfArray(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => pdfArray(v ?? null)).join(" ")}]`;
  if (typeof value === "number") return String(Math.round(value * 1e6) / 1e6);
  return String(value);
}

/** A font's state once seeded: the same in every document, so copied rather than rebuilt. */
interface SeededFont {
  glyphs: number[];
  mapping: number[];
  widths: number[];
  unicode: number[][];
}
const seededFonts = new Map<string, SeededFont>();

/**
 * Gives a new document font the base glyphs, in the base set's order. Returns how many of its
 * subset's first glyphs are the font's seeded set (the same in every document), or undefined
 * when the font had glyphs of its own before.
 */
function seed(pdf: SubsetFont, font: LoadedFont): number | undefined {
  const subset = pdf.subset as SubsetFont["subset"] & {
    mapping: Record<number, number> | number[];
  };
  const fresh = subset.glyphs.length === 1 && pdf.widths.length === 1 && pdf.unicode.length === 1;
  const done = seededFonts.get(font.key);
  if (done && fresh) {
    // Array copies instead of ~400 includeGlyph calls into an object keyed by glyph id; the
    // subset reads its mapping only by index, as includeGlyph does.
    subset.glyphs = done.glyphs.slice();
    subset.mapping = done.mapping.slice();
    pdf.widths = done.widths.slice();
    pdf.unicode = done.unicode.slice();
    return done.glyphs.length;
  }
  const scale = 1000 / font.unitsPerEm;
  for (const g of baseSet(font)) {
    const gid = subset.includeGlyph(g.id);
    pdf.widths[gid] ??= g.advance * scale;
    pdf.unicode[gid] ??= g.codePoints;
  }
  if (!fresh) return undefined;
  const mapping: number[] = [];
  subset.glyphs.forEach((id, gid) => {
    mapping[id] = gid;
  });
  seededFonts.set(font.key, {
    glyphs: subset.glyphs.slice(),
    mapping,
    widths: pdf.widths.slice(),
    unicode: pdf.unicode.slice(),
  });
  return subset.glyphs.length;
}

/** Seeds a new document font with the base glyphs and reuses encoded subsets across documents. */
export function useStableSubset(pdf: SubsetFont, font: LoadedFont): void {
  const base = seed(pdf, font);
  // The seeded entries are the same in every document; what a card adds comes after them.
  const seeded = pdf.unicode.length;
  const subset = pdf.subset;
  // Asked for three times while the font is embedded, when its glyphs no longer change. The
  // seeded glyphs are the same in every document: only what the card added needs spelling out
  // (joining every glyph id of every font was a few percent of a one-card PDF).
  let key: string | undefined;
  const subsetKey = () => {
    key ??=
      base !== undefined
        ? `${font.key}:base+${subset.glyphs.slice(base).join(",")}`
        : `${font.key}:${subset.glyphs.join(",")}`;
    return key;
  };
  const encode = subset.encode.bind(subset);
  // Cached already deflated: compressing the font file is the other half of the cost.
  subset.encode = () => {
    const key = subsetKey();
    return encoded.get(key) ?? remember(encoded, key, deflateSync(encode()));
  };
  // A glyph's width depends on the glyph only, so the subset's glyphs key its W array. Its
  // Unicode entries are the code points a glyph was first drawn for in this document: the
  // seeded ones are fixed, the card's own are part of the key.
  pdf.toUnicodeCmap = () => {
    const key = `${subsetKey()}|${pdf.unicode.slice(seeded).join(";")}`;
    const bytes =
      toUnicode.get(key) ??
      remember(toUnicode, key, deflateSync(Buffer.from(cmapText(pdf.unicode), "latin1")));
    // The object pdfkit makes (Length, then Filter), with the deflated bytes written as they are.
    const cmap = pdf.document.ref() as StreamRef;
    cmap.compress = false;
    cmap.write(bytes);
    cmap.data.Filter = "FlateDecode";
    endWithoutCopy(cmap);
    cmap.end();
    return cmap;
  };
  // pdfkit's embed() creates the font-file stream with its first ref() call; declaring the
  // filter up front makes pdfkit write our deflated bytes as they are instead of compressing.
  const embed = pdf.embed.bind(pdf);
  pdf.embed = () => {
    const doc = pdf.document;
    const ref = doc.ref;
    let first = true;
    doc.ref = (data?: Record<string, unknown>) => {
      if (!first) {
        if (!data?.W) return ref.call(doc, data);
        const r = ref.call(doc, data) as StreamRef;
        const key = subsetKey();
        const w = widthArrays.get(key) ?? remember(widthArrays, key, pdfArray(data.W));
        r.data.W = rawPdfValue(r, w);
        return r;
      }
      first = false;
      const fontFile = ref.call(doc, { ...data, Filter: "FlateDecode" });
      endWithoutCopy(fontFile);
      return fontFile;
    };
    try {
      embed();
    } finally {
      doc.ref = ref;
    }
  };
}
