/**
 * The test-mode mark: "SAMPLE - NOT FOR MAILING" drawn large and diagonally across every page
 * of a card, as outlined vector text in an embedded font. Outlined, so the card stays readable
 * under it; real text, so it extracts (pdftotext) and a print shop's preflight sees an ordinary
 * embedded, subset font; inside the trim, so no cutter can take it off.
 */
import { fontChain } from "./fonts.ts";
import type { PageGeometry } from "./page-boxes.ts";
import { num, type Paint } from "./pdf-ops.ts";
import type { DocFonts } from "./text-draw.ts";
import { shapeLine } from "./text-shape.ts";

export const SAMPLE_MARK_TEXT = "SAMPLE - NOT FOR MAILING";

/** Distance kept from the trim edge, points (the safe zone's 0.125 in plus a little air). */
const MARGIN_PT = 0.2 * 72;
/** Height of the mark's capitals relative to its size, with room for the stroke. */
const CAP = 0.8;

/** Operators (pdfkit's y-down page space) drawing the mark corner to corner over the trim. */
export function sampleMarkOps(fonts: DocFonts, g: PageGeometry, paint: Paint): string {
  const line = shapeLine(SAMPLE_MARK_TEXT, fontChain("noto-sans"));
  const w = g.trimW - 2 * MARGIN_PT;
  const h = g.trimH - 2 * MARGIN_PT;
  const angle = Math.atan2(h, w);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // The rotated text's bounding box must fit the inset trim both ways.
  const size = Math.min(w / (line.width * cos + CAP * sin), h / (line.width * sin + CAP * cos));
  const cx = g.trimOrigin.x + g.trimW / 2;
  const cy = g.trimOrigin.y + g.trimH / 2;
  const text = fonts.segmentOps(line.segments, (-line.width * size) / 2, (size * 0.72) / 2, size);
  // y points down here, so rising to the right is a rotation by -angle.
  return [
    "q",
    `${num(cos)} ${num(-sin)} ${num(sin)} ${num(cos)} ${num(cx)} ${num(cy)} cm`,
    `${paint.stroke([0.85, 0.1, 0.1])} ${num(Math.max(0.75, size / 40))} w 1 Tr`,
    // Extractors read diagonal glyphs out of order; the span gives them the text itself.
    `/Span <</ActualText <FEFF${Buffer.from(SAMPLE_MARK_TEXT, "utf16le").swap16().toString("hex")}>>> BDC`,
    text,
    "EMC",
    "0 Tr Q",
  ].join("\n");
}
