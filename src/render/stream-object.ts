/**
 * Writing a PDF stream object's bytes as they are. pdfkit's PDFReference.finalize gathers a
 * stream's chunks into a new array even when there is one chunk, so every document copied its
 * photo (~800 KB) and font files once more. Short-lived copies of that size are what drove V8
 * into a full collection every few cards when rendering one PDF per recipient.
 */

/** pdfkit's PDFReference and document fields this module touches (not in its public types). */
interface StreamRef {
  buffer: Uint8Array[];
  compress: boolean;
  data: Record<string, unknown>;
  finalize(): void;
  document: StreamDoc;
}
interface StreamDoc {
  _security?: unknown;
  _write(data: string | Uint8Array): void;
}

/**
 * Makes `ref` write its single, already-encoded chunk straight to the document (no copy) when it
 * ends; the bytes are the ones pdfkit would write. Anything else (several chunks, pdfkit
 * compressing, encryption) goes through pdfkit unchanged.
 */
export function endWithoutCopy(ref: unknown): void {
  const r = ref as StreamRef;
  const finalize = r.finalize;
  r.finalize = function finalizeWithoutCopy(this: StreamRef) {
    const chunk = this.buffer[0];
    const doc = this.document;
    if (this.buffer.length !== 1 || !chunk || this.compress || doc._security)
      return finalize.call(this);
    // With no chunks pdfkit writes "N 0 obj", the dictionary, "endobj": the stream goes in
    // before "endobj", exactly where pdfkit would have put it. Length was set by write().
    this.buffer = [];
    const own = Object.hasOwn(doc, "_write");
    const write = doc._write;
    doc._write = (data) => {
      if (data === "endobj") {
        write.call(doc, "stream");
        write.call(doc, chunk);
        write.call(doc, "\nendstream");
      }
      write.call(doc, data);
    };
    try {
      finalize.call(this);
    } finally {
      if (own) doc._write = write;
      else delete (doc as Partial<StreamDoc>)._write;
    }
  };
}
