/**
 * One PDF document and the resources shared by every card drawn into it: fonts (each
 * registered once), photos (each embedded once, by Photo.id) and opacity states.
 */
import PDFDocument from "pdfkit";
import { type ColourMode, colourProfile } from "./colour-profiles.ts";
import { writeOutputIntent } from "./output-intent.ts";
import { DocFonts } from "./text-draw.ts";

/** Fixed metadata: the same inputs must give the same bytes (pdfkit derives the file ID from it). */
const FIXED_DATE = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));

/** pdfkit's opened image (not in its public types). */
export interface PdfImage {
  label: string;
  obj: unknown;
  embed(doc: PDFKit.PDFDocument): void;
}

export interface DocSession {
  doc: PDFKit.PDFDocument;
  /** Pages whose dictionaries were already released (see releaseWrittenPages). */
  released: number;
  fonts: DocFonts;
  images: Map<string, PdfImage>;
  gstates: Map<string, unknown>;
  pages: number;
  /** Every colour and image of the document is in this mode; its output intent says which. */
  colourMode: ColourMode;
}

export function createSession(
  title = "cardmerge cards",
  colourMode: ColourMode = "rgb",
): DocSession {
  const doc = new PDFDocument({
    autoFirstPage: false,
    compress: true,
    pdfVersion: "1.4",
    // Layouts are cached per process in fonts.ts; a second per-document cache only grows.
    fontLayoutCache: false,
    // No default Helvetica: every font in the file is an embedded one.
    font: null as unknown as string,
    info: {
      Title: title,
      Producer: "cardmerge",
      Creator: "cardmerge",
      CreationDate: FIXED_DATE,
      ModDate: FIXED_DATE,
    },
  });
  gatherShortWrites(doc);
  writeOutputIntent(doc, colourProfile(colourMode));
  return {
    doc,
    colourMode,
    fonts: new DocFonts(doc),
    images: new Map(),
    gstates: new Map(),
    pages: 0,
    released: 0,
  };
}

/** pdfkit's output internals (not in its public types). */
interface WriteInternals {
  _write(data: string | Uint8Array): void;
  _offset: number;
  push(chunk: Uint8Array | null): boolean;
}

/** Strings pdfkit writes shorter than this are gathered; longer ones stay chunks of their own. */
const GATHERED_WRITE = 512;
/** Gathered strings are passed on once they reach this many bytes (well under a chunk worth sharing). */
const GATHER_FLUSH = 2048;

/**
 * pdfkit writes every object header, dictionary and keyword ("12 0 obj", "<<…>>", "endobj") as a
 * string of its own, made into a Uint8Array of its own and pushed as a chunk: ~150 chunks of a
 * few dozen bytes for a one-card PDF, each one more object for the stream, the GC and whoever
 * gathers the chunks. Short strings are gathered into one chunk, passed on before the next
 * binary chunk (a stream's data, which goes on as it is, the same object), before a long string
 * and at the end. The bytes and their order are pdfkit's; offsets advance as pdfkit's do.
 */
function gatherShortWrites(doc: PDFKit.PDFDocument): void {
  const d = doc as unknown as WriteInternals;
  const push = d.push.bind(doc);
  let pending = "";
  const flush = () => {
    if (!pending) return;
    const chunk = Buffer.from(pending, "latin1");
    pending = "";
    push(chunk);
  };
  d._write = (data) => {
    if (!(data instanceof Uint8Array)) {
      // pdfkit's own _write: the string and a newline, one byte per character.
      const text = `${data}\n`;
      d._offset += text.length;
      if (text.length < GATHERED_WRITE) {
        pending += text;
        if (pending.length >= GATHER_FLUSH) flush();
        return;
      }
      flush();
      push(Buffer.from(text, "latin1"));
      return;
    }
    flush();
    push(data);
    d._offset += data.length;
  };
  d.push = (chunk) => {
    if (chunk === null) flush();
    return push(chunk);
  };
}

interface PagesInternals {
  _root: { data: { Pages: { data: { Kids: Array<{ data: unknown; offset?: number }> } } } };
}

/**
 * Drops the data of page dictionaries pdfkit has already written (it keeps every page's
 * dictionary, resources and content objects until the end, only to print "n 0 R" in /Kids).
 * Keeps a long batch's memory flat.
 */
export function releaseWrittenPages(session: DocSession): void {
  const kids = (session.doc as unknown as PagesInternals)._root.data.Pages.data.Kids;
  for (let i = session.released; i < kids.length; i++) {
    const kid = kids[i];
    if (!kid || kid.offset === undefined) break;
    kid.data = {};
    session.released = i + 1;
  }
}
