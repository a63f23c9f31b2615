/**
 * One card, one PDF: plan (merge, fit, place; may fail with a typed reason), then draw.
 */

import { drawCard } from "./card-draw.ts";
import { type CardInput, planCard } from "./card-plan.ts";
import { createSession } from "./document.ts";
import type { CardReport } from "./report.ts";

export interface RenderResult {
  pdf: Buffer;
  report: CardReport;
}

/**
 * Renders one card to a PDF in memory. Throws CardRenderError (with `reason` and a
 * partial report) when the card cannot be rendered, e.g. an unknown variable or a
 * message that overflows its box at the floor size.
 */
export async function renderCard(input: CardInput): Promise<RenderResult> {
  const chunks: Buffer[] = [];
  const report = await renderCardTo(input, {
    write(chunk: Buffer) {
      chunks.push(chunk);
    },
  });
  return { pdf: Buffer.concat(chunks), report };
}

/** Minimal sink: a Node writable stream or anything with write(). */
export interface ChunkSink {
  write(chunk: Buffer): unknown;
}

/**
 * Renders one card, streaming the PDF to `out` (not ended: the caller owns the stream).
 * Resolves with the report once the whole PDF has been written. A `write` that throws (a sink
 * counting bytes against a cap, a closed stream) rejects with its error; nothing more is written.
 */
export async function renderCardTo(input: CardInput, out: ChunkSink): Promise<CardReport> {
  const plan = planCard(input);
  const session = createSession(`${input.template.name} card`, input.options?.colourMode);
  const { doc } = session;
  let failed = false;
  const ended = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
    // pdfkit emits its data on a later tick: a throw here would be nobody's to catch.
    doc.on("data", (chunk: Buffer) => {
      if (failed) return;
      try {
        out.write(chunk);
      } catch (error) {
        failed = true;
        reject(error);
      }
    });
  });
  drawCard(session, plan, input.photo);
  doc.end();
  await ended;
  return plan.report;
}
