/**
 * Many cards into one PDF (a print batch), streaming: pages are written as they are
 * drawn and the renderer waits when the consumer falls behind, so memory stays flat
 * however many cards there are. Fonts are registered once and each photo is embedded
 * once (by Photo.id). A card that fails is skipped whole and listed with its reason.
 */

import { WriteStream } from "node:fs";
import { Socket } from "node:net";
import { drawCard } from "./card-draw.ts";
import { type CardInput, planCard } from "./card-plan.ts";
import type { ColourMode } from "./colour-profiles.ts";
import { createSession, releaseWrittenPages } from "./document.ts";
import type { PhotoBuffers } from "./photo-buffers.ts";
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
  /**
   * Where the cards' photos were read (PhotoBuffers.take): each is given back once `out` has
   * written it, or once its card is drawn if an earlier card embedded the same photo. Needs `out`
   * to be a file or socket stream, which is done with a chunk when it calls back.
   */
  photoBuffers?: PhotoBuffers;
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

/** Whether `out` is done with a chunk when it calls back (a file or socket), so photos may be lent. */
export const canLendPhotos = (out: NodeJS.WritableStream): boolean =>
  out instanceof WriteStream || out instanceof Socket;

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
  const lent = opts.photoBuffers;
  if (lent && !canLendPhotos(out))
    throw new Error("renderBatch: photoBuffers need `out` to be a file or socket stream");
  const end = opts.end !== false;
  const done = new Promise<void>((resolve, reject) => {
    doc.on("error", reject);
    out.on("error", reject);
    if (end) out.on("finish", () => resolve());
    else doc.on("end", () => resolve());
  });
  // Awaited at the end; until then a failing consumer must not be an unhandled rejection.
  done.catch(() => {});
  // As doc.pipe(out), and a lent photo goes back when `out` calls back for it.
  const resume = () => doc.resume();
  doc.on("data", (chunk: Buffer) => {
    report.bytes += chunk.length;
    const written = lent?.owns(chunk) ? () => lent.give(chunk) : undefined;
    if (!out.write(chunk, written)) {
      doc.pause();
      out.once("drain", resume);
    }
  });
  if (end) doc.on("end", () => out.end());

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
    const photo = card.photo && lent?.owns(card.photo.jpeg) ? card.photo : undefined;
    const firstOfItsId = photo !== undefined && !session.images.has(photo.id);
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
    // A lent photo this card did not write (one of its id is in the PDF already, or the card
    // failed first) is in no output: back now. One it wrote goes back when `out` has it.
    if (photo && !(firstOfItsId && session.images.has(photo.id))) lent?.give(photo.jpeg);
    releaseWrittenPages(session);
    if (doc.readableLength > HIGH_WATER) await waitForConsumer(doc, out);
  }
  report.pages = session.pages;
  doc.end();
  await done;
  return report;
}
