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
