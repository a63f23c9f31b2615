/**
 * The render sandbox: a few child processes that run the pure renderer, so a runaway card (a
 * design or message that draws for ever, fills memory or writes a huge PDF) fails alone with
 * reason `render_limit` while the process that asked (the API, a worker) keeps serving.
 *
 * Each render process has its own V8 heap cap; each card has a time limit (past it the process is
 * killed and a fresh one started for the next card) and an output-byte cap (counted in the
 * render process as the PDF streams). Render processes cache templates by id and content hash and
 * keep the last few photos, so a campaign's
 * cards send only their own data; PDF bytes come back on a plain pipe, not the IPC channel.
 * Imports only the renderer: no database, queue or HTTP here.
 *
 * Processes, not worker threads: a thread's resourceLimits are best-effort. Measured here with
 * the `{{#each @root}}` message of issue 8, a thread capped at 128 MB grew to 398 MB and V8's
 * fatal out-of-memory error aborted the whole hosting process; a process's cap takes only itself.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import {
  type CardInput,
  CardRenderError,
  type CardReport,
  type Photo,
  type RenderResult,
  type Template,
} from "../render/index.ts";
import { processCpuMs } from "./cpu-time.ts";
import { Lru } from "./lru.ts";
import {
  KEPT_PHOTOS,
  KEPT_TEMPLATES,
  PDF_FD,
  type ProcessSetup,
  type RenderReply,
  type RenderRequest,
} from "./render-messages.ts";

export interface RenderPoolOptions {
  /** Render processes drawing at once (RENDER_PROCESSES). */
  processes: number;
  /** V8 heap cap of each render process, MB (RENDER_HEAP_MB). */
  heapMb: number;
  /**
   * CPU time one card may take, ms (RENDER_TIMEOUT_MS); in wall time, at most
   * {@link WALL_BACKSTOP} times that, however starved the machine.
   */
  timeoutMs: number;
  /** PDF bytes one card may write (RENDER_MAX_PDF_BYTES). */
  maxPdfBytes: number;
  /** CJK_FONT as this process applied it: render processes apply it again. */
  cjkFont?: string | null;
  /** COLOR_PROFILE_* as this process applied them: render processes read the same files. */
  colorProfiles?: { rgb: string; cmyk: string };
}

/**
 * The render process failed other than by a limit. `crashed`: it died while drawing the card (a
 * native crash, a V8 fatal error other than running out of heap, killed from outside), which
 * says more about the card than a passing fault does; otherwise a bug or a failed start.
 */
export class RenderProcessError extends Error {
  override name = "RenderProcessError";
  constructor(
    message: string,
    readonly crashed = false,
  ) {
    super(message);
  }
}

/**
 * A card's PDF as the render process wrote it, its photo left out: `chunks` (`bytes` long in all)
 * are the PDF without the photo's bytes, which go at each offset of `photoAt` (ascending offsets
 * in the whole PDF). {@link joinPhoto} makes the whole PDF of it. `large`: where the other large
 * chunks (font programs, images) are, in the whole PDF, ascending: parts a card may share.
 */
export interface RenderedParts {
  chunks: Buffer[];
  bytes: number;
  photoAt: number[];
  large: Array<{ at: number; bytes: number }>;
  report: CardReport;
}

export interface RenderPool {
  /**
   * Renders one card in a render process. Rejects with CardRenderError when the card cannot be
   * rendered (its own reasons, or `render_limit`), with RenderProcessError when the render process
   * failed otherwise.
   */
  render(input: CardInput): Promise<RenderResult>;
  /**
   * As {@link render}, without joining the photo into the PDF: a card stored this way keeps its
   * photo once, where the photo is stored, not once per card.
   */
  renderParts(input: CardInput): Promise<RenderedParts>;
  /** Starts the render processes now (at process start), so the first card does not wait for one. */
  warm(): void;
  /** Render processes started so far, and the heap limit each running one reported. */
  stats(): { started: number; heapLimitsMb: number[]; pids: number[] };
  /** Stops every render process; cards still waiting are rejected. */
  close(): Promise<void>;
}

/**
 * Render processes run at their parent's CPU priority. Lowered (nice 10), they kept the API's
 * /healthz a little quicker on a busy machine, but starved by other work a normal card could
 * then pass the wall-time limit and fail for good: the limit must mean the card, not the machine.
 */

/**
 * A V8 heap that starts small grows by full collections: a render process drawing cards one after
 * another ran 40-60 Mark-Compact collections per 500 cards (each photo's megabyte of JPEG counts
 * against the old space), a third of its CPU. Sized at start, the same 500 cards took 8-13 and
 * half the CPU (bench/peers runner, 2026-12-04); npm run worker does the same with
 * HEAP_INITIAL_MB. Half the cap, at most 128 MB: a render process stays far below it otherwise.
 */
export const initialOldSpaceMb = (heapMb: number) =>
  Math.max(16, Math.min(128, Math.floor(heapMb / 2)));

/**
 * A card is stopped when it has used its time limit in CPU, not merely in wall time: starved by
 * other work (seen here at load 20 on 2 cores), a normal card took over 10 s of wall time and
 * failed for good. Wall time still bounds it at this multiple of the limit.
 */
export const WALL_BACKSTOP = 4;

interface Job {
  id: number;
  input: CardInput;
  resolve(result: RenderedParts): void;
  reject(error: Error): void;
  chunks: Buffer[];
  bytes: number;
  timer?: NodeJS.Timeout;
  /** Once the render process has answered: its PDF bytes for this card, and what to do with them. */
  answer?: { bytes: number; photoAt?: number[]; settle(): void };
}

interface Slot {
  child?: ChildProcess;
  ready: boolean;
  heapLimitMb?: number;
  job?: Job;
  /** The end of its stderr: a V8 fatal error says why it died there. */
  stderr: string;
  /** What the process holds (it answers `missing` if it dropped one all the same). */
  templates: Lru<true>;
  photos: Lru<true>;
}

/** The entry and how to start it: compiled JS from dist/, or the TypeScript source through tsx. */
function processEntry(): { script: string; execArgv: string[] } {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) {
    return { script: fileURLToPath(new URL("./render-process.js", here)), execArgv: [] };
  }
  return {
    script: fileURLToPath(new URL("./render-process.ts", here)),
    execArgv: ["--import", import.meta.resolve("tsx")],
  };
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

/**
 * The whole PDF from its parts (the bytes without the photo, `bytes` long) and the photo's bytes
 * at each offset of `photoAt`.
 */
export function joinPhoto(
  chunks: readonly Buffer[],
  bytes: number,
  jpeg: Buffer | undefined,
  photoAt: readonly number[],
): Buffer {
  if (!jpeg || photoAt.length === 0)
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, bytes);
  const pdf = Buffer.allocUnsafe(bytes + photoAt.length * jpeg.length);
  let at = 0;
  let next = 0;
  const place = (from: Buffer) => {
    // The photo goes in wherever the PDF reaches one of its offsets, between or inside chunks.
    let offset = 0;
    while (offset < from.length) {
      const stop = photoAt[next];
      if (stop !== undefined && at === stop) {
        jpeg.copy(pdf, at);
        at += jpeg.length;
        next++;
        continue;
      }
      const take =
        stop === undefined ? from.length - offset : Math.min(from.length - offset, stop - at);
      from.copy(pdf, at, offset, offset + take);
      at += take;
      offset += take;
    }
  };
  for (const chunk of chunks) place(chunk);
  while (next < photoAt.length) {
    jpeg.copy(pdf, at);
    at += jpeg.length;
    next++;
  }
  return pdf;
}

const pairs = (flat: number[]) => {
  const out: Array<{ at: number; bytes: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push({ at: flat[i] as number, bytes: flat[i + 1] as number });
  return out;
};

/** An idle render process keeps its parent alive no more than an idle timer would. */
function hold(child: ChildProcess | undefined, on: boolean): void {
  if (!child) return;
  const handles = [child, child.channel, child.stderr, child.stdio[PDF_FD]] as Array<
    { ref?(): void; unref?(): void } | null | undefined
  >;
  for (const h of handles) {
    if (on) h?.ref?.();
    else h?.unref?.();
  }
}

export function createRenderPool(options: RenderPoolOptions): RenderPool {
  const entry = processEntry();
  const setup: ProcessSetup = {
    cjkFont: options.cjkFont,
    maxPdfBytes: options.maxPdfBytes,
    ...(options.colorProfiles ? { colorProfiles: options.colorProfiles } : {}),
  };
  const slots: Slot[] = Array.from({ length: options.processes }, () => ({
    ready: false,
    stderr: "",
    templates: new Lru<true>(KEPT_TEMPLATES),
    photos: new Lru<true>(KEPT_PHOTOS),
  }));
  const queue: Job[] = [];
  let started = 0;
  let jobs = 0;
  let closed = false;

  function start(slot: Slot): void {
    const child = fork(entry.script, [JSON.stringify(setup)], {
      // Not the parent's flags (its heap cap, a profiler): this process's own.
      // The old space sized from the start (INITIAL_OLD_SPACE): see the note on it.
      execArgv: [
        ...entry.execArgv,
        `--max-old-space-size=${options.heapMb}`,
        `--initial-old-space-size=${initialOldSpaceMb(options.heapMb)}`,
      ],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "pipe", "ipc", "pipe"],
    });
    started++;
    slot.child = child;
    slot.ready = false;
    slot.stderr = "";
    slot.templates.clear();
    slot.photos.clear();
    const current = () => slot.child === child;
    child.stderr?.on("data", (chunk: Buffer) => {
      slot.stderr = (slot.stderr + chunk.toString()).slice(-4000);
    });
    child.on("message", (message: RenderReply) => {
      if (current()) onMessage(slot, message);
    });
    (child.stdio[PDF_FD] as Readable | null)?.on("data", (chunk: Buffer) => {
      if (current()) onPdfBytes(slot, chunk);
    });
    child.on("error", (error) => {
      if (!current()) return;
      const job = slot.job;
      retire(slot);
      settle(
        job ?? queue.shift(),
        new RenderProcessError(`render process failed: ${error.message}`),
      );
    });
    // "close", not "exit": by then stderr has been read to its end (a fatal error's last words).
    child.on("close", (code, signal) => {
      if (!current()) return;
      const job = slot.job;
      const starting = !slot.ready;
      const stderr = slot.stderr;
      retire(slot);
      const outOfMemory = /heap out of memory|Allocation failed/.test(stderr);
      let failure: Error;
      if (outOfMemory && job) {
        failure = limitError(
          job,
          `The card needed more than ${options.heapMb} MB of memory to draw: simplify the design (fewer layers and shapes) or shorten the message.`,
        );
      } else if (outOfMemory && starting) {
        failure = new RenderProcessError(
          `a render process ran out of memory while starting: RENDER_HEAP_MB (${options.heapMb}) is too small for the renderer`,
        );
      } else {
        const last = stderr.trim().split("\n").slice(-3).join(" | ");
        failure = new RenderProcessError(
          `render process exited (${signal ?? `code ${code}`})${last ? `: ${last}` : ""}`,
          job !== undefined,
        );
      }
      settle(job ?? queue.shift(), failure);
    });
  }

  /** Forgets a render process (killing it if it still runs); the next card starts a fresh one. */
  function retire(slot: Slot): void {
    const child = slot.child;
    slot.child = undefined;
    slot.ready = false;
    slot.heapLimitMb = undefined;
    slot.job = undefined;
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
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
    slot.child?.send(request);
  }

  function onMessage(slot: Slot, message: RenderReply): void {
    if (message.type === "ready") {
      slot.ready = true;
      slot.heapLimitMb = message.heapLimitMb;
      if (queue.length === 0) hold(slot.child, false);
      pump();
      return;
    }
    const job = slot.job;
    if (!job || message.id !== job.id) return;
    switch (message.type) {
      case "missing":
        send(slot, job, true);
        return;
      case "done":
        job.answer = {
          bytes: message.bytes,
          photoAt: message.photoAt,
          settle: () =>
            job.resolve({
              chunks: job.chunks,
              bytes: job.bytes,
              photoAt: message.photoAt,
              large: pairs(message.large),
              report: message.report,
            }),
        };
        break;
      case "failed":
        job.answer = {
          bytes: message.bytes,
          settle: () =>
            job.reject(new CardRenderError(message.reason, message.detail, message.report)),
        };
        break;
      case "error": {
        const error = new RenderProcessError(message.message);
        if (message.stack) error.stack = message.stack;
        job.answer = { bytes: message.bytes, settle: () => job.reject(error) };
        break;
      }
    }
    complete(slot, job);
  }

  function onPdfBytes(slot: Slot, chunk: Buffer): void {
    const job = slot.job;
    if (!job) {
      retire(slot);
      return;
    }
    job.chunks.push(chunk);
    job.bytes += chunk.length;
    if (job.bytes > options.maxPdfBytes) {
      // The render process counts too; this is the pool's own word on it.
      retire(slot);
      settle(job, limitError(job, `The card's PDF grew past ${options.maxPdfBytes} bytes.`));
      return;
    }
    complete(slot, job);
  }

  /** Settles the card once its answer and exactly as many PDF bytes as it announced are in. */
  function complete(slot: Slot, job: Job): void {
    const answer = job.answer;
    if (!answer || job.bytes < answer.bytes) return;
    if (job.bytes > answer.bytes) {
      retire(slot);
      settle(job, new RenderProcessError("the render process wrote more PDF than it announced"));
      return;
    }
    finish(slot);
    answer.settle();
  }

  function finish(slot: Slot): void {
    const job = slot.job;
    if (job) clearTimeout(job.timer);
    slot.job = undefined;
    if (queue.length === 0) hold(slot.child, false);
    pump();
  }

  function pump(): void {
    for (const slot of slots) {
      if (queue.length === 0 || closed) return;
      if (slot.job) continue;
      if (!slot.child) {
        start(slot);
        continue;
      }
      if (!slot.ready) continue;
      const job = queue.shift() as Job;
      slot.job = job;
      hold(slot.child, true);
      armTimeLimit(slot, job);
      send(slot, job, false);
    }
  }

  /** Checks the card when its limit has passed in wall time, and again until it is used in CPU. */
  function armTimeLimit(slot: Slot, job: Job): void {
    const pid = slot.child?.pid;
    const cpuAtStart = pid === undefined ? undefined : processCpuMs(pid);
    const startedAt = performance.now();
    const limit = options.timeoutMs;
    const check = () => {
      if (slot.job !== job) return;
      const cpuNow = pid === undefined ? undefined : processCpuMs(pid);
      const cpu = cpuAtStart === undefined || cpuNow === undefined ? limit : cpuNow - cpuAtStart;
      const wallLeft = limit * WALL_BACKSTOP - (performance.now() - startedAt);
      if (cpu < limit && wallLeft > 0) {
        job.timer = setTimeout(check, Math.max(50, Math.min(limit - cpu, wallLeft)));
        return;
      }
      retire(slot);
      settle(
        job,
        limitError(
          job,
          `The card took longer than ${seconds(limit)} to draw: simplify the design (fewer layers and shapes), shorten the message or use a smaller photo.`,
        ),
      );
    };
    job.timer = setTimeout(check, limit);
  }

  function renderParts(input: CardInput): Promise<RenderedParts> {
    if (closed) return Promise.reject(new RenderProcessError("the render pool is closed"));
    return new Promise<RenderedParts>((resolve, reject) => {
      queue.push({ id: ++jobs, input, resolve, reject, chunks: [], bytes: 0 });
      pump();
    });
  }

  return {
    renderParts,
    async render(input) {
      const parts = await renderParts(input);
      const pdf = joinPhoto(parts.chunks, parts.bytes, input.photo?.jpeg, parts.photoAt);
      return { pdf, report: parts.report };
    },
    warm() {
      if (closed) return;
      for (const slot of slots) if (!slot.child) start(slot);
    },
    stats() {
      return {
        started,
        heapLimitsMb: slots.flatMap((s) => (s.heapLimitMb !== undefined ? [s.heapLimitMb] : [])),
        pids: slots.flatMap((s) => (s.child?.pid !== undefined ? [s.child.pid] : [])),
      };
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0))
        job.reject(new RenderProcessError("the render pool closed"));
      await Promise.all(
        slots.map(async (slot) => {
          const child = slot.child;
          const job = slot.job;
          // Waited for below: an idle child was let go of (unref), which would not wait.
          hold(child, true);
          retire(slot);
          if (job) {
            clearTimeout(job.timer);
            job.reject(new RenderProcessError("the render pool closed"));
          }
          if (child && child.exitCode === null && child.signalCode === null)
            await new Promise((resolve) => child.once("exit", resolve));
        }),
      );
    },
  };
}
