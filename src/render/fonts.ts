/**
 * Fonts, parsed once per process. pdfkit accepts an already-parsed fontkit font, so every
 * document reuses the same parsed tables and glyph caches; layouts (shaping) are cached per
 * process too, which is what makes one-PDF-per-recipient fast.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import PDFDocument from "pdfkit";

/** Font faces shipped with the renderer (all OFL, from @expo-google-fonts). */
export type FontKey =
  | "great-vibes"
  | "caveat"
  | "lora"
  | "lora-italic"
  | "noto-serif"
  | "noto-sans";

export const FONT_KEYS: readonly FontKey[] = [
  "great-vibes",
  "caveat",
  "lora",
  "lora-italic",
  "noto-serif",
  "noto-sans",
];

const FONT_FILES: Record<FontKey, string> = {
  "great-vibes": "@expo-google-fonts/great-vibes/400Regular/GreatVibes_400Regular.ttf",
  // A handwriting face whose contextual alternates (calt) vary repeated letters: "ll", "nn", "mm".
  caveat: "@expo-google-fonts/caveat/400Regular/Caveat_400Regular.ttf",
  lora: "@expo-google-fonts/lora/400Regular/Lora_400Regular.ttf",
  "lora-italic": "@expo-google-fonts/lora/400Regular_Italic/Lora_400Regular_Italic.ttf",
  "noto-serif": "@expo-google-fonts/noto-serif/400Regular/NotoSerif_400Regular.ttf",
  "noto-sans": "@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf",
};

/** Fallback chains: a role's design face first, then faces covering Latin-ext, Greek, Cyrillic, Vietnamese. */
const FALLBACKS: Record<FontKey, FontKey[]> = {
  "great-vibes": ["great-vibes", "lora-italic", "noto-serif", "noto-sans"],
  // Caveat has Latin-extended and Cyrillic, not Greek or Vietnamese: those fall to a plain sans.
  caveat: ["caveat", "noto-sans", "noto-serif"],
  lora: ["lora", "noto-serif", "noto-sans"],
  "lora-italic": ["lora-italic", "noto-serif", "noto-sans"],
  "noto-serif": ["noto-serif", "noto-sans"],
  "noto-sans": ["noto-sans", "noto-serif"],
};

/**
 * CJK faces are too large to ship (10–20 MB each), so the last fallback is one installed on the
 * machine: the first of these Debian packages' files that exists, or the file {@link useCjkFont}
 * names (config CJK_FONT). A collection (.ttc) needs the face's PostScript name after a `#`.
 */
const CJK_FONT_CANDIDATES: readonly string[] = [
  "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#NotoSansCJKjp-Regular", // fonts-noto-cjk
  "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", // fonts-droid-fallback
  "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#WenQuanYiMicroHei", // fonts-wqy-microhei
];

/** A loaded font's key: a shipped face, or the installed CJK face. */
export type LoadedFontKey = FontKey | "cjk";

/** The slice of fontkit's glyph/run/font API the renderer uses. */
export interface FkGlyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}
export interface FkPosition {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
}
export interface FkRun {
  glyphs: FkGlyph[];
  positions: FkPosition[];
  readonly advanceWidth: number;
}
export interface FkFont {
  postscriptName: string;
  unitsPerEm: number;
  ascent: number;
  descent: number;
  hasGlyphForCodePoint(cp: number): boolean;
  layout(text: string, features?: unknown): FkRun;
  readonly characterSet: number[];
  glyphForCodePoint(cp: number): FkGlyph;
}

/** A parsed font plus process-wide caches. */
export interface LoadedFont {
  key: LoadedFontKey;
  /** PostScript name, as pdffonts shows it (after the subset tag). */
  name: string;
  /** Handed to pdfkit's doc.font(); its layout() is cached. */
  fk: FkFont;
  unitsPerEm: number;
  ascent: number;
  descent: number;
  has(cp: number): boolean;
  /** Lines using this face carry their exact text as ActualText (script kerning confuses extractors). */
  actualText: boolean;
  /** Letters take other forms next to other letters (contextual alternates): see font-subset-cache. */
  contextual: boolean;
  /** Advance of `text` in font units, measured exactly as pdfkit lays it out (split after spaces). */
  advance(text: string): number;
  /** The shaped run of one word (cached per process; do not mutate). */
  run(text: string): CachedRun;
}

/** A shaped run in font units, cached per process; never mutate. */
export interface CachedRun {
  glyphs: FkGlyph[];
  positions: FkPosition[];
  advance: number;
}

const LAYOUT_CACHE_LIMIT = 50_000;
const loaded = new Map<LoadedFontKey, LoadedFont>();
/** The CJK face's file (with `#name` for a collection); undefined until looked up, null if none. */
let cjkSource: string | null | undefined;

function parseWithPdfkit(bytes: Buffer, postscriptName?: string): FkFont {
  // pdfkit parses with its own fontkit; going through it avoids a second copy of fontkit
  // (which is not a direct dependency). `_font.font` is pdfkit's parsed fontkit object.
  const probe = new PDFDocument({ autoFirstPage: false });
  probe.font(bytes, postscriptName as string);
  return (probe as unknown as { _font: { font: FkFont } })._font.font;
}

function fontSource(key: LoadedFontKey): { path: string; postscriptName?: string } {
  if (key !== "cjk") return { path: createRequire(import.meta.url).resolve(FONT_FILES[key]) };
  const [path, postscriptName] = (cjkFontSource() as string).split("#");
  return { path: path as string, ...(postscriptName ? { postscriptName } : {}) };
}

/**
 * Sets the CJK face (a file, `#PostScriptName` for a collection) or none (null), before anything
 * renders; the face is read at once, so a wrong file or name stops the process at start instead
 * of failing cards. Without a call the first installed {@link CJK_FONT_CANDIDATES} is used.
 */
export function useCjkFont(source: string | null): void {
  cjkSource = source;
  loaded.delete("cjk");
  if (source === null) return;
  try {
    getFont("cjk");
  } catch (error) {
    cjkSource = null;
    throw new Error(`CJK font ${source} cannot be used: ${(error as Error).message}`);
  }
}

/**
 * The CJK face, read on first need (only a text with characters the other faces lack needs it, so
 * a Latin-only process never holds its megabytes), or null when there is none or it cannot be read.
 */
export function cjkFont(): LoadedFont | null {
  if (cjkFontSource() === null) return null;
  try {
    return getFont("cjk");
  } catch {
    cjkSource = null; // an installed file that does not parse: as if there were none
    return null;
  }
}

/** The CJK face in use, if any. */
export function cjkFontSource(): string | null {
  if (cjkSource === undefined) {
    cjkSource = CJK_FONT_CANDIDATES.find((c) => existsSync(c.split("#")[0] as string)) ?? null;
  }
  return cjkSource;
}

/** Texts made of digits and `#` only: the sequence numbers printed on batch cards. */
const NUMBER = /^[#0-9]+$/;
const NUMBER_CHARS = "#0123456789";

function concatRuns(parts: readonly CachedRun[]): CachedRun {
  const run: CachedRun = { glyphs: [], positions: [], advance: 0 };
  for (const p of parts) {
    run.glyphs.push(...p.glyphs);
    run.positions.push(...p.positions);
    run.advance += p.advance;
  }
  return run;
}

function sameRun(a: CachedRun, b: CachedRun): boolean {
  if (a.glyphs.length !== b.glyphs.length || a.advance !== b.advance) return false;
  return a.glyphs.every((g, i) => {
    const p = a.positions[i];
    const q = b.positions[i];
    return (
      g === b.glyphs[i] &&
      p !== undefined &&
      q !== undefined &&
      p.xAdvance === q.xAdvance &&
      p.yAdvance === q.yAdvance &&
      p.xOffset === q.xOffset &&
      p.yOffset === q.yOffset
    );
  });
}

/**
 * Whether the face shapes `#` and digits without context: every pair of them lays out as the
 * two characters laid out alone (no kerning, ligature or contextual form between them), so a
 * run of them can be composed from single characters and comes out as the font would shape it.
 * test/unit/render/render-caches.test.ts compares composed and shaped numbers for every face.
 */
function numbersShapeAlone(run: (text: string) => CachedRun): boolean {
  for (const a of NUMBER_CHARS)
    for (const b of NUMBER_CHARS) {
      if (!sameRun(run(a + b), concatRuns([run(a), run(b)]))) return false;
    }
  return true;
}

function createLoadedFont(key: LoadedFontKey): LoadedFont {
  const { path, postscriptName } = fontSource(key);
  const base = parseWithPdfkit(readFileSync(path), postscriptName);
  // fontkit keeps one glyph object per id, holding the code points of the first text that drew
  // it: a Greek "ή" laid out first left η with none, so a later card's η had no text (ToUnicode)
  // and other bytes than in a fresh process. Each plain character's glyph is first claimed for
  // it, lowest first, so its text is the same in every process; not compatibility forms (the
  // "ﬁ" ligature's glyph keeps "fi" from its layout), nor the CJK face (30,000 glyphs).
  if (key !== "cjk") {
    for (const cp of [...base.characterSet].sort((a, b) => a - b)) {
      const ch = String.fromCodePoint(cp);
      if (ch.normalize("NFKD") === ch) base.glyphForCodePoint(cp);
    }
  }
  const runs = new Map<string, CachedRun>();
  const glyphCover = new Map<number, boolean>();

  let numbers: boolean | undefined;
  const cachedRun = (text: string): CachedRun => {
    if (text.length > 2 && NUMBER.test(text) && !runs.has(text)) {
      // A batch's sequence number ("#00042") is a new string on every card: composed from the
      // runs of its characters when this face shapes them without context (see numbersShapeAlone).
      numbers ??= numbersShapeAlone(shapedRun);
      if (numbers) return concatRuns([...text].map(shapedRun));
    }
    return shapedRun(text);
  };
  const shapedRun = (text: string): CachedRun => {
    let run = runs.get(text);
    if (run === undefined) {
      const r = base.layout(text);
      const positions = r.positions.map((p) => ({
        xAdvance: p.xAdvance,
        yAdvance: p.yAdvance,
        xOffset: p.xOffset,
        yOffset: p.yOffset,
      }));
      run = { glyphs: r.glyphs, positions, advance: r.advanceWidth };
      if (runs.size >= LAYOUT_CACHE_LIMIT) runs.clear();
      runs.set(text, run);
    }
    return run;
  };

  // A child object whose layout() is cached; everything else (tables, subsetting) is the
  // parsed font itself. pdfkit scales positions in place, so each call gets fresh copies.
  const fk = Object.create(base) as FkFont;
  fk.layout = (text: string, features?: unknown): FkRun => {
    if (features !== undefined) return base.layout(text, features);
    const run = cachedRun(text);
    const positions = run.positions.map((p) => ({ ...p }));
    return {
      glyphs: run.glyphs,
      positions,
      get advanceWidth() {
        let w = 0;
        for (const p of positions) w += p.xAdvance;
        return w;
      },
    };
  };

  const advance = (text: string): number => {
    let total = 0;
    let last = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9) {
        total += cachedRun(text.slice(last, i + 1)).advance;
        last = i + 1;
      }
    }
    if (last < text.length) total += cachedRun(text.slice(last)).advance;
    return total;
  };

  return {
    key,
    name: base.postscriptName,
    fk,
    unitsPerEm: base.unitsPerEm,
    actualText: key === "great-vibes",
    contextual: key === "great-vibes" || key === "caveat",
    ascent: base.ascent,
    descent: base.descent,
    has(cp: number): boolean {
      let v = glyphCover.get(cp);
      if (v === undefined) {
        v = base.hasGlyphForCodePoint(cp);
        glyphCover.set(cp, v);
      }
      return v;
    },
    advance,
    run: cachedRun,
  };
}

/** The font for `key`, parsed on first use and kept for the life of the process. */
export function getFont(key: LoadedFontKey): LoadedFont {
  let f = loaded.get(key);
  if (!f) {
    f = createLoadedFont(key);
    loaded.set(key, f);
  }
  return f;
}

/** The fallback chain starting at `key` (the CJK face is added by the caller when a text needs it). */
export function fontChain(key: FontKey): LoadedFont[] {
  return FALLBACKS[key].map(getFont);
}
