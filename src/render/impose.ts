/**
 * Imposed press sheets for cut and stack: a batch's cards n-up on a press sheet, fronts and backs
 * on alternating PDF pages (the back mirrored for work-and-turn), crop marks in the margin and a
 * slug line naming the batch, sheet and side. Each card is planned once and its two pages drawn
 * with the renderer's own operators into its cells (vectors and the embedded photo, no raster).
 */
import { itemOps, type PageInternals, writeContent } from "./card-draw.ts";
import { type CardPlan, planCard } from "./card-plan.ts";
import type { ColourMode } from "./colour-profiles.ts";
import { type CutStack, cutStackOrder } from "./cut-stack-order.ts";
import { createSession, type DocSession, releaseWrittenPages } from "./document.ts";
import { fontChain } from "./fonts.ts";
import { DEFAULT_BLEED_IN, FORMATS, type FormatId } from "./formats.ts";
import { type SheetLayout, sheetCropMarks, sheetLayout } from "./impose-layout.ts";
import { writePageBoxes } from "./page-boxes.ts";
import { num, rectPath } from "./pdf-ops.ts";
import type { BatchCardInput } from "./render-batch.ts";
import { CardRenderError } from "./report.ts";
import { SHEETS, type SheetId } from "./sheet-sizes.ts";
import { shapeLine } from "./text-shape.ts";

export interface Imposition {
  sheet: SheetId;
  layout: SheetLayout;
  order: CutStack;
}

/** The imposition of `cards` cards of `format` on `sheet`, without drawing anything (for manifests). */
export function imposition(format: FormatId, sheet: SheetId, cards: number): Imposition {
  const f = FORMATS[format];
  const layout = sheetLayout(SHEETS[sheet], f.sheet.w, f.sheet.h, DEFAULT_BLEED_IN);
  return { sheet, layout, order: cutStackOrder(cards, layout.perSheet) };
}

/** A card's press sheet and position, 1-based as the manifest prints them. */
export function imposedPlace(imp: Imposition, index: number): { sheet: number; position: number } {
  const p = imp.order.placeOf(index);
  return { sheet: p.sheet + 1, position: p.position + 1 };
}

export interface ImposeOptions {
  format: FormatId;
  sheet: SheetId;
  /** Printed in every slug line. */
  batchId: string;
  title?: string;
  /** Every card on the sheets in this colour mode (default rgb); cards' photos must match. */
  colourMode?: ColourMode;
}

export interface ImposeReport {
  sheets: number;
  perSheet: number;
  pages: number;
}

const HIGH_WATER = 8 * 1024 * 1024;

function waitForConsumer(doc: PDFKit.PDFDocument, out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if ((out as { destroyed?: boolean }).destroyed) reject(new Error("the output was closed"));
      else if (doc.readableLength < HIGH_WATER / 2) resolve();
      else setTimeout(check, 2);
    };
    check();
  });
}

function slugOps(session: DocSession, text: string, l: SheetLayout): string {
  const size = 7;
  const line = shapeLine(text, fontChain("noto-sans"));
  const x = l.front[0]?.x ?? 36;
  const baseline = l.heightPt - 12;
  const ops = session.fonts.linesOps(
    [line],
    { x, w: l.widthPt - 2 * x },
    baseline,
    size,
    size,
    "left",
    text,
  );
  return `q 0 0 0 1 k\n${ops}\nQ`;
}

function cropOps(l: SheetLayout): string {
  const path = sheetCropMarks(l)
    .map(([a, b, c, d]) => `${num(a)} ${num(b)} m ${num(c)} ${num(d)} l`)
    .join(" ");
  // Registration black (all four inks) so each plate carries the marks; tagged for preflight.
  return `/CropMarks BMC q 0.25 w 1 1 1 1 K ${path} S Q EMC`;
}

/**
 * Writes the imposed PDF of a batch's `count` cards to `out`. `card(i)` loads the batch's i-th
 * card (presort order, 0-based); cut-and-stack order needs them out of sequence, so a loader.
 */
export async function imposeBatch(
  count: number,
  card: (index: number) => Promise<BatchCardInput> | BatchCardInput,
  out: NodeJS.WritableStream,
  opts: ImposeOptions,
): Promise<ImposeReport> {
  const imp = imposition(opts.format, opts.sheet, count);
  const { layout: l, order } = imp;
  const session = createSession(
    opts.title ?? `cardmerge imposed batch ${opts.batchId}`,
    opts.colourMode,
  );
  const { doc } = session;
  const done = new Promise<void>((resolve, reject) => {
    doc.on("error", reject);
    out.on("error", reject);
    out.on("finish", () => resolve());
  });
  done.catch(() => {});
  doc.pipe(out);
  // A press sheet is its own trim: MediaBox, BleedBox and TrimBox are the sheet.
  const geometry = {
    widthPt: l.widthPt,
    heightPt: l.heightPt,
    bleedPt: 0,
    slugPt: 0,
    trimOrigin: { x: 0, y: 0 },
    trimW: l.widthPt,
    trimH: l.heightPt,
  };
  const marks = cropOps(l);
  let pages = 0;
  for (let s = 0; s < order.sheets; s++) {
    const plans: Array<{ index: number; plan: CardPlan; input: BatchCardInput } | null> = [];
    for (let p = 0; p < l.perSheet; p++) {
      const index = order.cardAt(s, p);
      if (index === null) {
        plans.push(null);
        continue;
      }
      const input = await card(index);
      const options = {
        ...input.options,
        bleedIn: DEFAULT_BLEED_IN,
        cropMarks: false,
        sequence: index + 1,
        colourMode: session.colourMode,
      };
      try {
        plans.push({ index, plan: planCard({ ...input, options }), input });
      } catch (e) {
        if (e instanceof CardRenderError)
          throw new Error(
            `card ${index + 1} of batch ${opts.batchId} failed to plan: ${e.message}`,
          );
        throw e;
      }
    }
    for (const side of ["front", "back"] as const) {
      doc.addPage({ size: [l.widthPt, l.heightPt], margin: 0 });
      session.pages++;
      pages++;
      const page = (doc as unknown as { page: PageInternals }).page;
      writePageBoxes(page, geometry);
      session.fonts.newPage();
      const ops: string[] = [];
      const cells = side === "front" ? l.front : l.back;
      const cards: number[] = [];
      plans.forEach((entry, p) => {
        const cell = cells[p];
        if (!entry || !cell) return;
        cards.push(entry.index + 1);
        const faces = entry.plan.pages[side === "front" ? 0 : 1] ?? [];
        const body: string[] = [];
        for (const face of faces)
          for (const item of face.items) body.push(itemOps(session, page, item, entry.input.photo));
        // The card page's origin is its bleed corner (no slug): move it to the cell and clip to the bleed.
        ops.push(
          `q 1 0 0 1 ${num(cell.x)} ${num(cell.y)} cm ${rectPath(0, 0, cell.w, cell.h)} W n\n${body.join("\n")}\nQ`,
        );
      });
      ops.push(marks);
      const slug = `cardmerge batch ${opts.batchId} · sheet ${s + 1} of ${order.sheets} · ${side} · ${SHEETS[opts.sheet].label}, ${l.perSheet}-up · cards ${cards.join(", ")}`;
      ops.push(slugOps(session, slug, l));
      writeContent(page, ops.join("\n"));
    }
    releaseWrittenPages(session);
    if (doc.readableLength > HIGH_WATER) await waitForConsumer(doc, out);
  }
  doc.end();
  await done;
  return { sheets: order.sheets, perSheet: l.perSheet, pages };
}
