/**
 * Drawing a planned card into a document session: one content write per face, photos
 * embedded once per document, art strings reused from the plan's cache.
 */
import { deflateSync } from "node:zlib";
import type { CardPlan, FaceItem } from "./card-plan.ts";
import type { DocSession, PdfImage } from "./document.ts";
import { cropMarkOps, writePageBoxes } from "./page-boxes.ts";
import { num, paintFor, rectPath } from "./pdf-ops.ts";
import { penTextOps } from "./pen-draw.ts";
import type { Photo } from "./photo.ts";
import { sampleMarkOps } from "./sample-mark.ts";
import { endWithoutCopy } from "./stream-object.ts";

export interface PageInternals {
  xobjects: Record<string, unknown>;
  ext_gstates: Record<string, unknown>;
  /** pdfkit's content stream reference. */
  content: {
    buffer: Uint8Array[];
    compress: boolean;
    data: Record<string, unknown>;
    write(chunk: Uint8Array): void;
  };
}

/**
 * The deflated content streams pages were given ({@link writeContent}), by identity: a page's
 * drawing is its card's own (its name, address, sequence number), so whoever stores a card
 * keeps these bytes with it rather than as a piece shared between cards.
 */
const pageContents = new WeakSet<Uint8Array>();

/** Whether `chunk` is the very buffer a page's content stream was written as. */
export const isPageContent = (chunk: Uint8Array): boolean => pageContents.has(chunk);

/**
 * Replaces the page's content stream with one deflated chunk: what pdfkit already wrote
 * (its y-flip) plus our operators. Compressing it ourselves gives a right-sized buffer;
 * zlib's sync output is a slice of a 16 KB slab, which kept ~130 MB of slabs alive over a
 * 10,000-card batch.
 */
export function writeContent(page: PageInternals, ops: string): void {
  const c = page.content;
  const raw = Buffer.concat([...c.buffer, Buffer.from(`${ops}\n`, "latin1")]);
  c.buffer = [];
  c.data.Length = 0;
  c.compress = false;
  c.data.Filter = "FlateDecode";
  const deflated = Buffer.from(deflateSync(raw));
  pageContents.add(deflated);
  c.write(deflated);
  endWithoutCopy(c);
}

function useOpacity(session: DocSession, page: PageInternals, opacity: number): void {
  const name = `Ga${Math.round(opacity * 100)}`;
  let ref = session.gstates.get(name);
  if (!ref) {
    // pdfkit's types miss ref().end() without data; the object is complete as created.
    const r = session.doc.ref({ Type: "ExtGState", ca: opacity, CA: opacity }) as unknown as {
      end(): void;
    };
    r.end();
    ref = r;
    session.gstates.set(name, ref);
  }
  page.ext_gstates[name] = ref;
}

/** Embeds the image object, its JPEG written as the photo's own bytes (no copy per document). */
function embedPhoto(doc: PDFKit.PDFDocument, img: PdfImage): void {
  const d = doc as unknown as { ref(data?: Record<string, unknown>): unknown };
  const ref = d.ref;
  d.ref = (data?: Record<string, unknown>) => {
    const r = ref.call(doc, data);
    endWithoutCopy(r);
    return r;
  };
  try {
    img.embed(doc);
  } finally {
    d.ref = ref;
  }
}

function photoImage(session: DocSession, photo: Photo): PdfImage {
  let img = session.images.get(photo.id);
  if (!img) {
    // openImage is pdfkit API missing from @types/pdfkit 0.17.
    const docWithOpen = session.doc as unknown as { openImage(src: Buffer): PdfImage };
    img = docWithOpen.openImage(photo.jpeg);
    session.images.set(photo.id, img);
  }
  if (!img.obj) embedPhoto(session.doc, img);
  return img;
}

export function itemOps(
  session: DocSession,
  page: PageInternals,
  item: FaceItem,
  photo: Photo | undefined,
): string {
  switch (item.kind) {
    case "art":
      for (const o of item.art.opacities) useOpacity(session, page, o);
      return item.art.ops;
    case "photo": {
      const s = item.slot;
      if (!item.placement || !photo)
        return `q ${paintFor(session.colourMode).fill(item.placeholder)} ${rectPath(s.x, s.y, s.w, s.h)} f Q`;
      const img = photoImage(session, photo);
      page.xobjects[img.label] = img.obj;
      const { image: r, clip: c } = item.placement;
      // Images map the unit square; in pdfkit's y-down space the image is flipped back upright.
      return `q ${rectPath(c.x, c.y, c.w, c.h)} W n ${num(r.w)} 0 0 ${num(-r.h)} ${num(r.x)} ${num(r.y + r.h)} cm /${img.label} Do Q`;
    }
    case "text": {
      const t = item.text;
      const fill = paintFor(session.colourMode).fill(t.color);
      if (t.pen) return `q ${fill}\n${penTextOps(session.fonts, { ...t, pen: t.pen })}\nQ`;
      return `q ${fill}\n${session.fonts.linesOps(t.lines, t.box, t.firstBaseline, t.leading, t.size, t.align, t.source)}\nQ`;
    }
  }
}

/** Adds the card's pages to the session's document. */
export function drawCard(session: DocSession, plan: CardPlan, photo: Photo | undefined): number {
  const g = plan.geometry;
  const doc = session.doc;
  const first = session.pages + 1;
  for (const faces of plan.pages) {
    doc.addPage({ size: [g.widthPt, g.heightPt], margin: 0 });
    session.pages++;
    const page = (doc as unknown as { page: PageInternals }).page;
    writePageBoxes(page, g);
    session.fonts.newPage();
    const ops: string[] = [];
    for (const face of faces)
      for (const item of face.items) ops.push(itemOps(session, page, item, photo));
    if (plan.sample) ops.push(sampleMarkOps(session.fonts, g, plan.paint));
    const marks = cropMarkOps(g);
    if (marks) ops.push(marks);
    writeContent(page, ops.join("\n"));
  }
  return first;
}
