/**
 * What a render pool and its render processes say to each other over their IPC channel (advanced
 * serialization: plain data and byte arrays; a Buffer may arrive as a Uint8Array).
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

/** Given to each render process at start (as its one argument, JSON). */
export interface ProcessSetup {
  /** CJK_FONT as the parent applied it (undefined: the first installed face). */
  cjkFont: string | null | undefined;
  /** Output bytes a card may write before it fails with render_limit. */
  maxPdfBytes: number;
}

/** Templates and photos a render process keeps between cards (its pool mirrors what it has sent). */
export const KEPT_TEMPLATES = 32;
export const KEPT_PHOTOS = 4;

/**
 * One card to render. The template and photo travel only when the process does not hold them yet
 * (by key); a process that has dropped one answers `missing` and gets them again.
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

export type RenderReply =
  /** Modules loaded and fonts parsed: cards may come. */
  | { type: "ready"; heapLimitMb: number }
  /** Part of the PDF, in order. */
  | { type: "chunk"; id: number; data: Uint8Array }
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
