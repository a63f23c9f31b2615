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

/** Per-process caches of one font chain: a word's segments, and its metrics (see wordMetrics). */
interface ChainCaches {
  segments: Map<string, Segment[]>;
  /** Words that follow a space, and parts glued after a hyphen (no space before them). */
  metrics: Map<string, WordMetrics>;
  glued: Map<string, WordMetrics>;
}

const CHAIN_CACHE_LIMIT = 50_000;
const chainCaches = new Map<string, ChainCaches>();

/**
 * The caches of `chain`, found by its design face and length (a chain is its design face, plus
 * the CJK face for texts that need it). One lookup per word instead of building a key string
 * of face, length and word for every word of every card.
 */
function cachesOf(chain: readonly LoadedFont[]): ChainCaches {
  const key = `${chain[0]?.key}\u0000${chain.length}`;
  let c = chainCaches.get(key);
  if (!c) {
    c = { segments: new Map(), metrics: new Map(), glued: new Map() };
    chainCaches.set(key, c);
  }
  return c;
}

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= CHAIN_CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** Segments for `word` with `chain`, cached per process (names repeat across documents). */
function wordSegments(
  word: string,
  chain: readonly LoadedFont[],
  caches = cachesOf(chain),
): Segment[] {
  return caches.segments.get(word) ?? remember(caches.segments, word, segmentWord(word, chain));
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
  const caches = cachesOf(chain);
  words.forEach((word, i) => {
    for (const s of wordSegments(word, chain, caches)) pushSegment(segments, s.font, s.text);
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

/**
 * A word's segments and widths, cached per process like its segments: a batch wraps the same
 * message words on every card, and measuring them again (segments, then a shaped run per
 * segment) was most of the wrapping. Cached entries are shared: never mutate them.
 */
function wordMetrics(
  word: string,
  chain: readonly LoadedFont[],
  glued = false,
  caches = cachesOf(chain),
): WordMetrics {
  const cache = glued ? caches.glued : caches.metrics;
  let m = cache.get(word);
  if (!m) {
    const segments = wordSegments(word, chain, caches);
    const last = segments[segments.length - 1]?.font ?? chain[0];
    const space = last ? last.advance(" ") / last.unitsPerEm : 0;
    m = remember(cache, word, { word, glued, segments, width: segmentsWidth(segments), space });
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
  const caches = cachesOf(chain);
  for (const paragraph of text.split("\n")) {
    let current: WordMetrics[] = [];
    let width = 0;
    const words = paragraph.split(/ +/).filter((w) => w.length > 0);
    // A hyphen is a break opportunity too: "Konstantinopoulou-" | "Wolfe".
    const queue: WordMetrics[] = [];
    for (const w of words) {
      if (!w.includes("-")) queue.push(wordMetrics(w, chain, false, caches));
      else
        w.split(HYPHEN_BREAK).forEach((part, k) => {
          queue.push(wordMetrics(part, chain, k > 0, caches));
        });
    }
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

/** Per chain, which ASCII characters print (skipped or in some font of it): 1 yes, 0 no. */
const asciiCover = new Map<string, Uint8Array>();

function asciiCoverOf(chain: readonly LoadedFont[]): Uint8Array {
  const key = `${chain[0]?.key}\u0000${chain.length}`;
  let cover = asciiCover.get(key);
  if (!cover) {
    cover = new Uint8Array(128);
    for (let c = 0; c < 128; c++) {
      const ch = String.fromCharCode(c);
      cover[c] = SKIPPED.test(ch) || chain.some((f) => f.has(c)) ? 1 : 0;
    }
    asciiCover.set(key, cover);
  }
  return cover;
}

/** Characters of `text` that no font of the chain has: they would print as empty boxes. */
export function unprintable(text: string, chain: readonly LoadedFont[]): string {
  // Most texts are ASCII the chain prints: one table look-up per character decides it.
  const cover = asciiCoverOf(chain);
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || cover[c] === 0) break;
  }
  if (i === text.length) return "";
  let out = "";
  const seen = new Set<string>();
  for (const ch of text.slice(i)) {
    const c = ch.charCodeAt(0);
    if (c < 128 && cover[c] === 1) continue;
    if (seen.has(ch)) continue;
    seen.add(ch);
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
