/**
 * A render thread: runs the pure renderer on cards its pool sends, one at a time, and streams each
 * PDF back in transferred buffers. It keeps the templates (one object per key, so the renderer's
 * per-template caches hit) and the last few photos between cards. Its memory cap and time limit are
 * the pool's to enforce: it is terminated from outside when a card goes too far.
 */
import { setPriority } from "node:os";
import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { FONT_KEYS, getFont } from "../render/fonts.ts";
import {
  CardRenderError,
  type Photo,
  renderCardTo,
  type Template,
  useCjkFont,
} from "../render/index.ts";
import { Lru } from "./lru.ts";
import {
  type RenderRequest,
  THREAD_PHOTOS,
  THREAD_TEMPLATES,
  type ThreadMessage,
  type ThreadSetup,
} from "./thread-messages.ts";

/** Bytes gathered before they are sent on: few messages per card, little held per thread. */
const FLUSH_BYTES = 1024 * 1024;

/**
 * This thread's nice value, below the process's event loop (0): when CPU is short, the API answers
 * requests and a worker renews its job locks before drawing goes on. On Linux a nice value belongs
 * to a thread; elsewhere it would lower the whole process, so it is left alone there.
 */
const RENDER_NICE = 10;

const port = parentPort;
if (!port) throw new Error("render-thread runs as a worker thread of a render pool");
const setup = workerData as ThreadSetup;
const post = (message: ThreadMessage, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

if (process.platform === "linux") {
  try {
    setPriority(RENDER_NICE);
  } catch {
    // Refused (a container without the capability to change it): the thread keeps its priority.
  }
}
if (setup.cjkFont !== undefined) useCjkFont(setup.cjkFont);
// Parse the faces now, so a card's time limit is spent on the card, not on starting the thread.
for (const key of FONT_KEYS) getFont(key);

const templates = new Lru<Template>(THREAD_TEMPLATES);
const photos = new Lru<Photo>(THREAD_PHOTOS);

/** Collects a card's PDF, counting bytes as they stream; past the cap the card fails. */
function pdfSink(request: RenderRequest, template: Template) {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let total = 0;
  const flush = () => {
    if (heldBytes === 0) return;
    // A fresh ArrayBuffer of exactly this size, transferred (not copied) to the pool.
    const data = new ArrayBuffer(heldBytes);
    const view = new Uint8Array(data);
    let at = 0;
    for (const chunk of held) {
      view.set(chunk, at);
      at += chunk.length;
    }
    held = [];
    heldBytes = 0;
    post({ type: "chunk", id: request.id, data }, [data]);
  };
  return {
    write(chunk: Buffer) {
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
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes >= FLUSH_BYTES) flush();
    },
    flush,
  };
}

/** A structured clone turns a Buffer into a Uint8Array; pdfkit wants a Buffer (no copy). */
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
    post({ type: "missing", id: request.id });
    return;
  }
  const sink = pdfSink(request, template);
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
    post({ type: "done", id: request.id, report });
  } catch (error) {
    if (error instanceof CardRenderError) {
      post({
        type: "failed",
        id: request.id,
        reason: error.reason,
        detail: error.message,
        report: error.report,
      });
      return;
    }
    const e = error instanceof Error ? error : new Error(String(error));
    post({
      type: "error",
      id: request.id,
      name: e.name,
      message: e.message,
      ...(e.stack ? { stack: e.stack } : {}),
    });
  }
}

port.on("message", (request: RenderRequest) => void render(request));
post({ type: "ready", heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 1024 / 1024) });
