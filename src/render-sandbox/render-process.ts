/**
 * A render process: runs the pure renderer on cards its pool sends over IPC, one at a time, and
 * streams each PDF back on a pipe of its own. It keeps the templates (one object per key, so the renderer's per-template
 * caches hit) and the last few photos between cards. Its heap cap (--max-old-space-size), time
 * limit and CPU priority are set from outside by the pool, which kills it when a card goes too far.
 */
import { Socket } from "node:net";
import { getHeapStatistics } from "node:v8";
import { FONT_KEYS, getFont } from "../render/fonts.ts";
import {
  CardRenderError,
  isPageContent,
  type Photo,
  renderCardTo,
  type Template,
  useCjkFont,
  useColourProfiles,
} from "../render/index.ts";
import { Lru } from "./lru.ts";
import {
  KEPT_PHOTOS,
  KEPT_TEMPLATES,
  LARGE_CHUNK_BYTES,
  PDF_FD,
  type ProcessSetup,
  type RenderReply,
  type RenderRequest,
} from "./render-messages.ts";

/** Bytes gathered before they are sent on: few messages per card, little held at once. */
const FLUSH_BYTES = 1024 * 1024;

const send = process.send?.bind(process);
if (!send) throw new Error("render-process runs as a child of a render pool (with an IPC channel)");
const reply = (message: RenderReply) => send(message);
const setup = JSON.parse(process.argv[2] ?? "{}") as ProcessSetup;
const pdfOut = new Socket({ fd: PDF_FD, readable: false, writable: true });

// Its parent decides when it stops: a terminal's Ctrl-C reaches the whole process group, and a
// worker finishing its jobs in flight still needs its render process. It goes with its parent.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
process.on("disconnect", () => process.exit(0));

if (setup.cjkFont !== undefined) useCjkFont(setup.cjkFont);
if (setup.colorProfiles) useColourProfiles(setup.colorProfiles);
// Parse the faces now, so a card's time limit is spent on the card, not on starting the process.
for (const key of FONT_KEYS) getFont(key);

const templates = new Lru<Template>(KEPT_TEMPLATES);
const photos = new Lru<Photo>(KEPT_PHOTOS);

/**
 * Sends a card's PDF down the PDF pipe, counting bytes as they stream; past the cap the card fails.
 * `written`: bytes handed to the pipe so far (the pool reads exactly that many for this card).
 * The card's photo is most of a card's bytes, and the pool has it already: where the PDF holds it
 * byte for byte (pdfkit embeds a JPEG as it is), only its place goes back (`photoAt`). Other large
 * chunks (a font program, an image stream: pdfkit writes each stream's data as one chunk) are sent
 * and their places reported (`large`), so the card can be stored without the parts it shares;
 * not the pages' content streams, which are the card's own.
 */
function pdfSink(request: RenderRequest, template: Template, photo: Photo | undefined) {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let total = 0;
  let written = 0;
  const photoAt: number[] = [];
  const large: number[] = [];
  const flush = () => {
    if (heldBytes === 0) return;
    // One gathered write (writev), no copy into one buffer here.
    pdfOut.cork();
    for (const chunk of held) pdfOut.write(chunk);
    pdfOut.uncork();
    written += heldBytes;
    held = [];
    heldBytes = 0;
  };
  return {
    get written() {
      return written;
    },
    photoAt,
    large,
    write(chunk: Buffer) {
      const at = total;
      total += chunk.length;
      if (total > setup.maxPdfBytes) {
        held = [];
        heldBytes = 0;
        const mb = Math.round((setup.maxPdfBytes / 1024 / 1024) * 10) / 10;
        throw new CardRenderError(
          "render_limit",
          `The card's PDF grew past ${mb} MB: use a smaller photo or a simpler design (fewer layers and shapes).`,
          { template: template.id, format: request.format },
        );
      }
      if (photo && chunk.length === photo.jpeg.length && chunk.equals(photo.jpeg)) {
        photoAt.push(at);
        return;
      }
      // A page's drawing is the card's own: stored as a piece it would be one more object per
      // card, shared with nobody (5,000 of them for a 5,000-card day).
      if (chunk.length >= LARGE_CHUNK_BYTES && !isPageContent(chunk)) large.push(at, chunk.length);
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes >= FLUSH_BYTES) flush();
    },
    flush,
  };
}

/** Over IPC a Buffer may arrive as a Uint8Array; pdfkit wants a Buffer (no copy). */
function asPhoto(photo: Photo): Photo {
  const bytes = photo.jpeg as Uint8Array;
  return { ...photo, jpeg: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

async function render(request: RenderRequest): Promise<void> {
  if (request.template) templates.set(request.templateKey, request.template);
  if (request.photo && request.photoKey) photos.set(request.photoKey, asPhoto(request.photo));
  const template = templates.get(request.templateKey);
  const photo = request.photoKey ? photos.get(request.photoKey) : undefined;
  if (!template || (request.photoKey && !photo)) {
    reply({ type: "missing", id: request.id });
    return;
  }
  const sink = pdfSink(request, template, photo);
  try {
    const report = await renderCardTo(
      {
        template,
        format: request.format,
        data: request.data,
        ...(request.message !== undefined ? { message: request.message } : {}),
        ...(photo ? { photo } : {}),
        ...(request.options ? { options: request.options } : {}),
      },
      sink,
    );
    sink.flush();
    reply({
      type: "done",
      id: request.id,
      bytes: sink.written,
      photoAt: sink.photoAt,
      large: sink.large,
      report,
    });
  } catch (error) {
    if (error instanceof CardRenderError) {
      reply({
        type: "failed",
        id: request.id,
        bytes: sink.written,
        reason: error.reason,
        detail: error.message,
        report: error.report,
      });
      return;
    }
    const e = error instanceof Error ? error : new Error(String(error));
    reply({
      type: "error",
      id: request.id,
      bytes: sink.written,
      name: e.name,
      message: e.message,
      ...(e.stack ? { stack: e.stack } : {}),
    });
  }
}

process.on("message", (request: RenderRequest) => void render(request));
reply({
  type: "ready",
  heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 1024 / 1024),
});
