/**
 * Drawing a pen's text: every glyph under a text matrix of its own (its stray of baseline, size
 * and lean), in one text object per line. The text stays text: each glyph, spaces included,
 * keeps its Unicode through the font's ToUnicode map, so it extracts, searches and copies as
 * written. Advances are the shaped ones, so lines are as wide as the fit measured them.
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
          ops.push(`${num(a)} ${num(-b)} ${num(-b)} ${num(-a)} ${num(x)} ${num(y)} Tm <${hex}> Tj`);
          cx += p.xAdvance * k;
        }
      }
    }
    ops.push("ET");
    parts.push(ops.join("\n"));
  });
  const body = parts.join("\n");
  // A script face as the pen's font kerns as widely as when typeset (see text-draw.ts).
  const script = t.lines.some((l) => l.segments.some((s) => s.font.actualText));
  return script ? withActualText(t.source.replace(/\s+/g, " ").trim(), body) : body;
}
