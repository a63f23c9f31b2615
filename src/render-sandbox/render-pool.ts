/**
 * The render sandbox: a few worker threads that run the pure renderer, so a runaway card (a design
 * or message that draws for ever, fills memory or writes a huge PDF) fails alone with reason
 * `render_limit` while the process that asked (the API, a worker) keeps serving.
 *
 * Each thread has its own V8 heap cap; each card has a wall-time limit (past it the thread is
 * terminated and a fresh one started for the next card) and an output-byte cap (counted in the
 * thread as the PDF streams). A thread caches templates by id and content hash and the last few
 * photos, so a campaign's cards send only their own data; PDF bytes come back in transferred
 * buffers. Imports only the renderer: no database, queue or HTTP here.
 */
import { createHash } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import {
  type CardInput,
  CardRenderError,
  type Photo,
  type RenderResult,
  type Template,
} from "../render/index.ts";
import { Lru } from "./lru.ts";
import {
  type RenderRequest,
  THREAD_PHOTOS,
  THREAD_TEMPLATES,
  type ThreadMessage,
  type ThreadSetup,
} from "./thread-messages.ts";

export interface RenderPoolOptions {
  /** Threads rendering at once (RENDER_THREADS). */
  threads: number;
  /** V8 heap cap of each thread, MB (RENDER_HEAP_MB). */
  heapMb: number;
  /** Wall time one card may take, ms (RENDER_TIMEOUT_MS). */
  timeoutMs: number;
  /** PDF bytes one card may write (RENDER_MAX_PDF_BYTES). */
  maxPdfBytes: number;
  /** CJK_FONT as the process applied it: threads are separate isolates and apply it again. */
  cjkFont?: string | null;
}

/** The thread died of something other than a limit (a bug, a failed start): a fault, not a reason. */
export class RenderThreadError extends Error {
  override name = "RenderThreadError";
}

export interface RenderPool {
  /**
   * Renders one card in a thread. Rejects with CardRenderError when the card cannot be rendered
   * (its own reasons, or `render_limit`), with RenderThreadError when the thread failed otherwise.
   */
  render(input: CardInput): Promise<RenderResult>;
  /** Starts the threads now (at process start), so the first card does not wait for one. */
  warm(): void;
  /** Threads started so far and the heap limit each running thread reported (for tests and logs). */
  stats(): { started: number; heapLimitsMb: number[] };
  /** Stops every thread; cards still waiting are rejected. */
  close(): Promise<void>;
}

interface Job {
  id: number;
  input: CardInput;
  resolve(result: RenderResult): void;
  reject(error: Error): void;
  chunks: Buffer[];
  bytes: number;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker?: Worker;
  ready: boolean;
  heapLimitMb?: number;
  job?: Job;
  /** What the thread holds (it answers `missing` if it dropped one all the same). */
  templates: Lru<true>;
  photos: Lru<true>;
}

/** The thread entry and how to start it: compiled JS from dist/, or the TypeScript source through tsx. */
function threadEntry(): { script: string | URL; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return { script: new URL("./render-thread.js", here), eval: false };
  // Under vitest or tsx. `execArgv: ["--import", "tsx"]` does not take in a Node 20 worker (the
  // entry loads before the hooks), so a one-line bootstrap registers tsx, then imports the entry.
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./render-thread.ts", here).href;
  return {
    script: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
    eval: true,
  };
}

let heapFlagCleared = false;

/**
 * `--max-old-space-size` on the command line (npm start and npm run worker pass HEAP_MB) overrides
 * every worker's resourceLimits (nodejs/node#43991): each thread would get the process's heap. The
 * flag is read only when a heap is created, so clearing it after start leaves this process's heap
 * as it is and lets each thread's own cap apply.
 */
function clearProcessHeapFlag(): void {
  if (heapFlagCleared) return;
  setFlagsFromString("--max-old-space-size=0");
  heapFlagCleared = true;
}

const templateKeys = new WeakMap<Template, string>();

/** Id plus a hash of the content: a design edited under the same id is a new key. */
function templateKey(template: Template): string {
  let key = templateKeys.get(template);
  if (!key) {
    const hash = createHash("sha256").update(JSON.stringify(template)).digest("base64url");
    key = `${template.id}:${hash.slice(0, 22)}`;
    templateKeys.set(template, key);
  }
  return key;
}

let photoSerial = 0;
const photoKeys = new WeakMap<Buffer, string>();

/** One key per photo buffer in this process (a shared campaign photo is one buffer, sent once). */
function photoKey(photo: Photo): string {
  let key = photoKeys.get(photo.jpeg);
  if (!key) {
    key = `${photo.id}#${++photoSerial}`;
    photoKeys.set(photo.jpeg, key);
  }
  return key;
}

const seconds = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`);

function limitError(job: Job, detail: string): CardRenderError {
  return new CardRenderError("render_limit", detail, {
    template: job.input.template.id,
    format: job.input.format,
  });
}

export function createRenderPool(options: RenderPoolOptions): RenderPool {
  const entry = threadEntry();
  const setup: ThreadSetup = { cjkFont: options.cjkFont, maxPdfBytes: options.maxPdfBytes };
  const slots: Slot[] = Array.from({ length: options.threads }, () => ({
    ready: false,
    templates: new Lru<true>(THREAD_TEMPLATES),
    photos: new Lru<true>(THREAD_PHOTOS),
  }));
  const queue: Job[] = [];
  let started = 0;
  let jobs = 0;
  let closed = false;

  function start(slot: Slot): void {
    clearProcessHeapFlag();
    const worker = new Worker(entry.script, {
      eval: entry.eval,
      workerData: setup,
      resourceLimits: { maxOldGenerationSizeMb: options.heapMb },
    });
    started++;
    slot.worker = worker;
    slot.ready = false;
    slot.templates.clear();
    slot.photos.clear();
    const current = () => slot.worker === worker;
    worker.on("message", (message: ThreadMessage) => {
      if (current()) onMessage(slot, message);
    });
    worker.on("error", (error: Error & { code?: string }) => {
      if (!current()) return;
      const job = slot.job;
      const starting = !slot.ready;
      retire(slot);
      const outOfMemory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
      let failure: Error;
      if (outOfMemory && job) {
        failure = limitError(
          job,
          `The card needed more than ${options.heapMb} MB of memory to draw: simplify the design (fewer layers and shapes) or shorten the message.`,
        );
      } else if (outOfMemory && starting) {
        failure = new RenderThreadError(
          `a render thread ran out of memory while starting: RENDER_HEAP_MB (${options.heapMb}) is too small for the renderer`,
        );
      } else {
        failure = new RenderThreadError(`render thread failed: ${error.message}`);
      }
      settle(job ?? queue.shift(), failure);
    });
    worker.on("exit", (code) => {
      if (!current()) return;
      const job = slot.job;
      retire(slot);
      settle(job ?? queue.shift(), new RenderThreadError(`render thread exited (code ${code})`));
    });
  }

  /** Forgets a thread (terminating it if it still runs); the next card starts a fresh one. */
  function retire(slot: Slot): void {
    const worker = slot.worker;
    slot.worker = undefined;
    slot.ready = false;
    slot.heapLimitMb = undefined;
    slot.job = undefined;
    if (worker) void worker.terminate();
  }

  function settle(job: Job | undefined, error: Error): void {
    if (!job) return;
    clearTimeout(job.timer);
    job.reject(error);
    pump();
  }

  function send(slot: Slot, job: Job, everything: boolean): void {
    const { template, photo, ...rest } = job.input;
    const tKey = templateKey(template);
    const pKey = photo ? photoKey(photo) : undefined;
    const request: RenderRequest = {
      type: "render",
      id: job.id,
      templateKey: tKey,
      format: rest.format,
      data: rest.data,
      ...(rest.message !== undefined ? { message: rest.message } : {}),
      ...(rest.options ? { options: rest.options } : {}),
    };
    if (everything || !slot.templates.get(tKey)) {
      request.template = template;
      slot.templates.set(tKey, true);
    }
    if (photo && pKey) {
      request.photoKey = pKey;
      if (everything || !slot.photos.get(pKey)) {
        request.photo = photo;
        slot.photos.set(pKey, true);
      }
    }
    slot.worker?.postMessage(request);
  }

  function onMessage(slot: Slot, message: ThreadMessage): void {
    if (message.type === "ready") {
      slot.ready = true;
      slot.heapLimitMb = message.heapLimitMb;
      // An idle thread does not keep the process alive.
      if (queue.length === 0) slot.worker?.unref();
      pump();
      return;
    }
    const job = slot.job;
    if (!job || message.id !== job.id) return;
    switch (message.type) {
      case "chunk": {
        job.chunks.push(Buffer.from(message.data));
        job.bytes += message.data.byteLength;
        return;
      }
      case "missing":
        send(slot, job, true);
        return;
      case "done": {
        const pdf =
          job.chunks.length === 1
            ? (job.chunks[0] as Buffer)
            : Buffer.concat(job.chunks, job.bytes);
        finish(slot);
        job.resolve({ pdf, report: message.report });
        return;
      }
      case "failed":
        finish(slot);
        job.reject(new CardRenderError(message.reason, message.detail, message.report));
        return;
      case "error": {
        finish(slot);
        const error = new RenderThreadError(message.message);
        if (message.stack) error.stack = message.stack;
        job.reject(error);
        return;
      }
    }
  }

  function finish(slot: Slot): void {
    const job = slot.job;
    if (job) clearTimeout(job.timer);
    slot.job = undefined;
    if (queue.length === 0) slot.worker?.unref();
    pump();
  }

  function pump(): void {
    for (const slot of slots) {
      if (queue.length === 0 || closed) return;
      if (slot.job) continue;
      if (!slot.worker) {
        start(slot);
        continue;
      }
      if (!slot.ready) continue;
      const job = queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      job.timer = setTimeout(() => {
        if (slot.job !== job) return;
        retire(slot);
        settle(
          job,
          limitError(
            job,
            `The card took longer than ${seconds(options.timeoutMs)} to draw: simplify the design (fewer layers and shapes), shorten the message or use a smaller photo.`,
          ),
        );
      }, options.timeoutMs);
      send(slot, job, false);
    }
  }

  return {
    render(input) {
      if (closed) return Promise.reject(new RenderThreadError("the render pool is closed"));
      return new Promise<RenderResult>((resolve, reject) => {
        queue.push({ id: ++jobs, input, resolve, reject, chunks: [], bytes: 0 });
        pump();
      });
    },
    warm() {
      if (closed) return;
      for (const slot of slots) if (!slot.worker) start(slot);
    },
    stats() {
      return {
        started,
        heapLimitsMb: slots.flatMap((s) => (s.heapLimitMb !== undefined ? [s.heapLimitMb] : [])),
      };
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0))
        job.reject(new RenderThreadError("the render pool closed"));
      await Promise.all(
        slots.map(async (slot) => {
          const worker = slot.worker;
          const job = slot.job;
          retire(slot);
          if (job) {
            clearTimeout(job.timer);
            job.reject(new RenderThreadError("the render pool closed"));
          }
          await worker?.terminate();
        }),
      );
    },
  };
}
