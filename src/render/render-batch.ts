/**
 * Many cards into one PDF (a print batch), streaming: pages are written as they are
 * drawn and the renderer waits when the consumer falls behind, so memory stays flat
 * however many cards there are. Fonts are registered once and each photo is embedded
 * once (by Photo.id). A card that fails is skipped whole and listed with its reason.
 */

import { drawCard } from "./card-draw.ts";
import { type CardInput, planCard } from "./card-plan.ts";
import type { ColourMode } from "./colour-profiles.ts";
import { createSession, releaseWrittenPages } from "./document.ts";
import { type BatchReport, CardRenderError } from "./report.ts";

/** A batch card: a card input plus the caller's id for it (echoed in the report). */
export type BatchCardInput = CardInput & { id?: string };

export interface BatchOptions {
  /** Print each card's 1-based position in the batch, small, on its back. */
  sequence?: boolean;
  /** Overrides every card's bleed (inches). */
  bleedIn?: number;
  /** Overrides every card's crop-mark setting. */
  cropMarks?: boolean;
  /** PDF title. */
  title?: string;
  /** End `out` when done (default true). */
  end?: boolean;
  /** The batch's colour mode (default rgb): every card is drawn in it; cards' photos must match. */
  colourMode?: ColourMode;
}

/** Pause drawing while this many bytes wait for the consumer. */
const HIGH_WATER = 8 * 1024 * 1024;

/** Waits until the consumer has taken half the backlog; gives up with an error if it went away. */
function waitForConsumer(doc: PDFKit.PDFDocument, out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if ((out as { destroyed?: boolean }).destroyed)
        reject(new Error("the batch output was closed"));
      else if (doc.readableLength < HIGH_WATER / 2) resolve();
      else setTimeout(check, 2);
    };
    check();
  });
}

/** Renders `cards` into one PDF written to `out`; resolves with what happened to each card. */
export async function renderBatch(
  cards: AsyncIterable<BatchCardInput> | Iterable<BatchCardInput>,
  out: NodeJS.WritableStream,
  opts: BatchOptions = {},
): Promise<BatchReport> {
  const session = createSession(opts.title ?? "cardmerge print batch", opts.colourMode);
  const { doc } = session;
  const report: BatchReport = {
    cards: 0,
    rendered: 0,
    failed: 0,
    pages: 0,
    bytes: 0,
    outcomes: [],
  };
  doc.on("data", (chunk: Buffer) => {
    report.bytes += chunk.length;
  });
  const end = opts.end !== false;
  const done = new Promise<void>((resolve, reject) => {
    doc.on("error", reject);
    out.on("error", reject);
    if (end) out.on("finish", () => resolve());
    else doc.on("end", () => resolve());
  });
  // Awaited at the end; until then a failing consumer must not be an unhandled rejection.
  done.catch(() => {});
  doc.pipe(out, { end });

  let index = 0;
  for await (const card of cards) {
    const i = index++;
    report.cards++;
    const options = {
      ...card.options,
      ...(opts.bleedIn !== undefined ? { bleedIn: opts.bleedIn } : {}),
      ...(opts.cropMarks !== undefined ? { cropMarks: opts.cropMarks } : {}),
      ...(opts.sequence ? { sequence: i + 1 } : {}),
      colourMode: session.colourMode,
    };
    try {
      const plan = planCard({ ...card, options });
      const firstPage = drawCard(session, plan, card.photo);
      report.rendered++;
      report.outcomes.push({
        index: i,
        ...(card.id ? { id: card.id } : {}),
        ok: true,
        firstPage,
        report: plan.report,
      });
    } catch (e) {
      if (!(e instanceof CardRenderError)) throw e;
      report.failed++;
      report.outcomes.push({
        index: i,
        ...(card.id ? { id: card.id } : {}),
        ok: false,
        report: e.report,
      });
    }
    releaseWrittenPages(session);
    if (doc.readableLength > HIGH_WATER) await waitForConsumer(doc, out);
  }
  report.pages = session.pages;
  doc.end();
  await done;
  return report;
}
