/**
 * The document's colour intent: one /OutputIntents entry in the catalog (PDF/X style, /S
 * /GTS_PDFX) naming the embedded ICC profile of the press condition the colours were made for.
 * A print shop's RIP and preflight read it; it also tells a viewer how to show CMYK.
 */
import type { ColourProfile } from "./colour-profiles.ts";
import { endWithoutCopy } from "./stream-object.ts";

/** pdfkit's document internals used here (its types miss ref().end() without data). */
interface DocInternals {
  _root: { data: Record<string, unknown> };
  ref(data: Record<string, unknown>): { write(chunk: Buffer): void; end(): void };
}

/**
 * Writes the profile stream (deflated once per process, written without a copy: one chunk, so a
 * card stored without its shared parts keeps it once per campaign) and the intent that names it.
 */
export function writeOutputIntent(doc: PDFKit.PDFDocument, profile: ColourProfile): void {
  const d = doc as unknown as DocInternals;
  const stream = d.ref({ N: profile.components, Filter: "FlateDecode" });
  stream.write(profile.deflated);
  endWithoutCopy(stream);
  stream.end();
  // Literal strings: pdfkit writes a String object as (text), a plain string as a /Name.
  const intent = d.ref({
    Type: "OutputIntent",
    S: "GTS_PDFX",
    OutputConditionIdentifier: new String(profile.description),
    Info: new String(profile.description),
    DestOutputProfile: stream,
  });
  intent.end();
  d._root.data.OutputIntents = [intent];
}
