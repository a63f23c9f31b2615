/**
 * What a render pool and its threads say to each other. Everything here crosses a structured clone:
 * plain data only (a Buffer arrives as a Uint8Array).
 */
import type {
  CardData,
  CardReport,
  FailureReason,
  FormatId,
  Photo,
  RenderOptions,
  Template,
} from "../render/index.ts";

/** Given to each thread at start (workerData). */
export interface ThreadSetup {
  /** CJK_FONT as the process applied it (undefined: the first installed face). */
  cjkFont: string | null | undefined;
  /** Output bytes a card may write before it fails with render_limit. */
  maxPdfBytes: number;
}

/** Templates and photos a thread keeps between cards (the pool mirrors what it has sent). */
export const THREAD_TEMPLATES = 32;
export const THREAD_PHOTOS = 4;

/**
 * One card to render. The template and photo travel only when the thread does not hold them yet
 * (by key); a thread that has dropped one answers `missing` and gets them again.
 */
export interface RenderRequest {
  type: "render";
  id: number;
  templateKey: string;
  template?: Template;
  photoKey?: string;
  photo?: Photo;
  format: FormatId;
  data: CardData;
  message?: string;
  options?: RenderOptions;
}

export type ThreadMessage =
  /** Modules loaded and fonts parsed: cards may come. */
  | { type: "ready"; heapLimitMb: number }
  /** Part of the PDF, in order (a transferred buffer). */
  | { type: "chunk"; id: number; data: ArrayBuffer }
  | { type: "done"; id: number; report: CardReport }
  /** The card cannot be rendered (a CardRenderError). */
  | {
      type: "failed";
      id: number;
      reason: FailureReason;
      detail: string;
      report: Partial<CardReport>;
    }
  | { type: "missing"; id: number }
  /** Anything else thrown while rendering: a fault, not the card's reason. */
  | { type: "error"; id: number; name: string; message: string; stack?: string };
