/**
 * Drawing a pen's text: every glyph under a text matrix of its own (its stray of baseline, size
 * and lean), in one text object per line. The text stays text: each glyph, spaces included,
 * keeps its Unicode through the font's ToUnicode map, and each word also carries its exact text
 * (ActualText), so it extracts, searches and copies as written. Advances are the shaped ones,
 * so lines are as wide as the fit measured them.
 */
import { num } from "./pdf-ops.ts";
import { penStrays } from "./pen.ts";
import { type DocFonts, withActualText } from "./text-draw.ts";
import type { PlacedText } from "./text-place.ts";

/** Pieces of a segment's text split after each space, as fonts.ts measures them. */
function piecesAfterSpaces(text: string): string[] {
  return text.split(/(?<= )/).filter((p) => p.length > 0);
}

/** Operators writing `t` by pen, in pdfkit's y-down page space. */
export function penTextOps(fonts: DocFonts, t: PlacedText & { pen: { seed: number } }): string {
  const strays = penStrays(t.pen.seed, t.size);
  const parts: string[] = [];
  t.lines.forEach((line, i) => {
    const hand = strays.line();
    if (!line.segments.length) return;
    const w = line.width * t.size;
    const start =
      t.align === "center"
        ? t.box.x + (t.box.w - w) / 2
        : t.align === "right"
          ? t.box.x + t.box.w - w
          : t.box.x;
    const x0 = start + hand.indent;
    const baseline = t.firstBaseline + i * t.leading;
    const ops = ["BT"];
    let cx = x0;
    for (const seg of line.segments) {
      ops.push(`/${fonts.resourceName(seg.font)} ${num(t.size)} Tf`);
      const k = t.size / seg.font.unitsPerEm;
      for (const piece of piecesAfterSpaces(seg.text)) {
        const run = seg.font.run(piece);
        // A word's glyphs go in a span carrying the word: glyph by glyph, a pen's strays of size
        // and baseline make extractors split words ("W a rml y"); its spaces stay plain glyphs.
        let word: string[] = [];
        const endWord = () => {
          if (word.length) ops.push(withActualText(piece.trimEnd(), word.join("\n")));
          word = [];
        };
        for (let g = 0; g < run.glyphs.length; g++) {
          const glyph = run.glyphs[g];
          const p = run.positions[g];
          if (!glyph || !p) continue;
          const hex = fonts.glyphHex(seg.font, glyph);
          const s = strays.glyph(`${seg.font.key}:${glyph.id}`);
          const along = w > 0 ? (cx - x0) / w : 0;
          const x = cx + p.xOffset * k;
          const y = baseline - p.yOffset * k + s.dy + hand.drift * along;
          // Lean and scale about the glyph's origin; the y flip keeps it upright in y-down space.
          const a = Math.cos(s.angle) * s.scale;
          const b = Math.sin(s.angle) * s.scale;
          const op = `${num(a)} ${num(-b)} ${num(-b)} ${num(-a)} ${num(x)} ${num(y)} Tm <${hex}> Tj`;
          const space = glyph.codePoints.length === 1 && glyph.codePoints[0] === 32;
          if (space) {
            endWord();
            ops.push(op);
          } else word.push(op);
          cx += p.xAdvance * k;
        }
        endWord();
      }
    }
    ops.push("ET");
    parts.push(ops.join("\n"));
  });
  return parts.join("\n");
}
