/**
 * What a render pool and its render processes say to each other over their IPC channel (advanced
 * serialization: plain data and byte arrays; a Buffer may arrive as a Uint8Array). PDF bytes do
 * not go over it: they stream on a pipe of their own (file descriptor PDF_FD of the render
 * process), and each card's last message says how many bytes of that stream were its own.
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
  /** COLOR_PROFILE_* as the parent applied them (undefined: the renderer's defaults). */
  colorProfiles?: { rgb: string; cmyk: string };
  /** Output bytes a card may write before it fails with render_limit. */
  maxPdfBytes: number;
}

/**
 * The render process's file descriptor for PDF bytes. Node's IPC channel copies a large message
 * several times over (measured: 5 ms of the parent's CPU per 700 KB card, half the render itself);
 * a plain pipe hands the parent the bytes as they are.
 */
export const PDF_FD = 4;

/** A PDF chunk this long or longer (not the photo, not a page's content) is reported by place: a candidate to share. */
export const LARGE_CHUNK_BYTES = 4096;

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
  /**
   * The PDF has been written to the PDF pipe, `bytes` long, except the card's photo: its bytes go
   * at each offset of `photoAt` (offsets in the whole PDF), from the pool's own copy. `large`:
   * offset and length pairs (flat, in the whole PDF) of the other chunks of LARGE_CHUNK_BYTES or
   * more, as written.
   */
  | {
      type: "done";
      id: number;
      bytes: number;
      photoAt: number[];
      large: number[];
      report: CardReport;
    }
  /** The card cannot be rendered (a CardRenderError). */
  | {
      type: "failed";
      id: number;
      /** PDF bytes already written to the pipe for this card (to be discarded). */
      bytes: number;
      reason: FailureReason;
      detail: string;
      report: Partial<CardReport>;
    }
  | { type: "missing"; id: number }
  /** Anything else thrown while rendering: a fault, not the card's reason. */
  | { type: "error"; id: number; bytes: number; name: string; message: string; stack?: string };
