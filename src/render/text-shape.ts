/**
 * Per-glyph font fallback and measuring. A word is drawn in the first font of the chain
 * that has every glyph of it (so a word never mixes two designs when one font can draw
 * it); otherwise each character goes to the first font that has it.
 */
import type { LoadedFont } from "./fonts.ts";

export interface Segment {
  font: LoadedFont;
  text: string;
}

/** One laid-out line: its segments and width at 1 pt. */
export interface Line {
  segments: Segment[];
  /** Width in points at font size 1. */
  width: number;
}

const CLUSTER = /\P{M}\p{M}*|\p{M}+/gu;

function covers(font: LoadedFont, text: string): boolean {
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (!font.has(cp)) return false;
  }
  return true;
}

function pushSegment(out: Segment[], font: LoadedFont, text: string): void {
  const last = out[out.length - 1];
  if (last && last.font === font) last.text += text;
  else out.push({ font, text });
}

/** Splits one word (no spaces) into font segments along the chain. */
function segmentWord(word: string, chain: readonly LoadedFont[]): Segment[] {
  const out: Segment[] = [];
  const whole = chain.find((f) => covers(f, word));
  if (whole) return [{ font: whole, text: word }];
  for (const cluster of word.match(CLUSTER) ?? []) {
    const font = chain.find((f) => covers(f, cluster)) ?? chain[chain.length - 1];
    if (font) pushSegment(out, font, cluster);
  }
  return out;
}

const wordCache = new Map<string, Segment[]>();

/** Segments for `word` with `chain`, cached per process (names repeat across documents). */
function wordSegments(word: string, chain: readonly LoadedFont[]): Segment[] {
  // A chain is its design face, plus the CJK face for texts that need it.
  const key = `${chain[0]?.key}\u0000${chain.length}\u0000${word}`;
  let segs = wordCache.get(key);
  if (!segs) {
    segs = segmentWord(word, chain);
    if (wordCache.size > 50_000) wordCache.clear();
    wordCache.set(key, segs);
  }
  return segs;
}

/** Width at 1 pt of a run of segments. */
export function segmentsWidth(segments: readonly Segment[]): number {
  let w = 0;
  for (const s of segments) w += s.font.advance(s.text) / s.font.unitsPerEm;
  return w;
}

/** Lays a single line of text (no wrapping) into segments. */
export function shapeLine(text: string, chain: readonly LoadedFont[]): Line {
  const segments: Segment[] = [];
  const words = text.split(" ");
  words.forEach((word, i) => {
    for (const s of wordSegments(word, chain)) pushSegment(segments, s.font, s.text);
    if (i < words.length - 1) {
      const prev = segments[segments.length - 1]?.font ?? chain[0];
      if (prev) pushSegment(segments, prev, " ");
    }
  });
  return { segments, width: segmentsWidth(segments) };
}

interface WordMetrics {
  word: string;
  /** Joined to the previous word without a space (the part after a hyphen). */
  glued: boolean;
  segments: Segment[];
  /** Width at 1 pt without, and of the space that would follow it. */
  width: number;
  space: number;
}

const metricsCache = new Map<string, WordMetrics>();

/**
 * A word's segments and widths, cached per process like its segments: a batch wraps the same
 * message words on every card, and measuring them again (segments, then a shaped run per
 * segment) was most of the wrapping. Cached entries are shared: never mutate them.
 */
function wordMetrics(word: string, chain: readonly LoadedFont[], glued = false): WordMetrics {
  const key = `${chain[0]?.key}\u0000${chain.length}\u0000${glued ? 1 : 0}\u0000${word}`;
  let m = metricsCache.get(key);
  if (!m) {
    const segments = wordSegments(word, chain);
    const last = segments[segments.length - 1]?.font ?? chain[0];
    const space = last ? last.advance(" ") / last.unitsPerEm : 0;
    m = { word, glued, segments, width: segmentsWidth(segments), space };
    if (metricsCache.size > 50_000) metricsCache.clear();
    metricsCache.set(key, m);
  }
  return m;
}

const HYPHEN_BREAK = /(?<=\p{L}-)(?=\p{L})/u;

function buildLine(words: readonly WordMetrics[]): Line {
  const segments: Segment[] = [];
  let width = 0;
  words.forEach((m, i) => {
    for (const s of m.segments) pushSegment(segments, s.font, s.text);
    width += m.width;
    const last = segments[segments.length - 1];
    if (i < words.length - 1 && last && !words[i + 1]?.glued) {
      pushSegment(segments, last.font, " ");
      width += m.space;
    }
  });
  return { segments, width };
}

/**
 * Greedy word wrap at 1 pt: `maxWidth` is the box width divided by the font size.
 * A word wider than a line is broken between characters rather than cut off.
 */
export function wrapText(text: string, chain: readonly LoadedFont[], maxWidth: number): Line[] {
  const lines: Line[] = [];
  for (const paragraph of text.split("\n")) {
    let current: WordMetrics[] = [];
    let width = 0;
    const words = paragraph.split(/ +/).filter((w) => w.length > 0);
    // A hyphen is a break opportunity too: "Konstantinopoulou-" | "Wolfe".
    const queue = words.flatMap((w) =>
      w.includes("-")
        ? w.split(HYPHEN_BREAK).map((part, k) => wordMetrics(part, chain, k > 0))
        : [wordMetrics(w, chain)],
    );
    for (let i = 0; i < queue.length; i++) {
      const m = queue[i] as WordMetrics;
      const prev = current[current.length - 1];
      const next = prev ? width + (m.glued ? 0 : prev.space) + m.width : m.width;
      if (next <= maxWidth) {
        current.push(m);
        width = next;
        continue;
      }
      if (prev) {
        lines.push(buildLine(current));
        current = [];
        width = 0;
        i--;
        continue;
      }
      // A single word wider than the line: break it between characters.
      const pieces = breakWord(m.word, chain, maxWidth).map((p) => wordMetrics(p, chain));
      for (const piece of pieces.slice(0, -1)) lines.push(buildLine([piece]));
      const tail = pieces[pieces.length - 1];
      if (tail) {
        current = [tail];
        width = tail.width;
      }
    }
    lines.push(buildLine(current));
  }
  return lines;
}

function breakWord(word: string, chain: readonly LoadedFont[], maxWidth: number): string[] {
  const pieces: string[] = [];
  let piece = "";
  for (const cluster of word.match(CLUSTER) ?? []) {
    if (piece && wordMetrics(piece + cluster, chain).width > maxWidth) {
      pieces.push(piece);
      piece = cluster;
    } else piece += cluster;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

const SKIPPED = /[\s\p{Default_Ignorable_Code_Point}]/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** Characters of `text` that no font of the chain has: they would print as empty boxes. */
export function unprintable(text: string, chain: readonly LoadedFont[]): string {
  let out = "";
  for (const ch of new Set(text)) {
    if (SKIPPED.test(ch)) continue;
    const cp = ch.codePointAt(0) ?? 0;
    if (!chain.some((f) => f.has(cp))) out += ch;
  }
  return out;
}

/** What to do about characters no font of the chain has, as a sentence. */
export function unprintableAdvice(chars: string, chain: readonly LoadedFont[]): string {
  if (!CJK.test(chars)) return "change the text (no font cardmerge has can print them)";
  const cjk = chain.find((f) => f.key === "cjk");
  const install =
    "install a CJK font (Debian: fonts-noto-cjk covers Chinese, Japanese and Korean) or set CJK_FONT to a font file";
  return cjk ? `the installed CJK font ${cjk.name} lacks them: ${install}` : install;
}

/** Which fonts other than the design face drew which characters (for the report). */
export function fallbackUse(
  lines: readonly Line[],
  chain: readonly LoadedFont[],
): Map<string, string> {
  const used = new Map<string, string>();
  const design = chain[0];
  for (const line of lines) {
    for (const s of line.segments) {
      if (s.font === design) continue;
      const chars = s.text.replace(/\s+/g, "");
      if (!chars) continue;
      used.set(s.font.name, (used.get(s.font.name) ?? "") + chars);
    }
  }
  return used;
}
