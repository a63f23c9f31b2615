/**
 * What a render tells its caller: the per-card report, the batch report, and the typed
 * failure of a card that could not be rendered.
 */
import type { FormatId } from "./formats.ts";

/** Why a card could not be rendered. */
export type FailureReason =
  | "unknown_variable"
  | "message_syntax"
  | "message_overflow"
  | "name_overflow"
  | "text_overflow"
  | "address_overflow"
  | "format_unsupported"
  | "photo_invalid"
  | "unprintable_characters"
  /** The card's design no longer passes validation (saved before a rule it breaks). */
  | "design_invalid"
  /** The merged text is longer than a card may carry, whatever the box. */
  | "message_too_long"
  /** The design breaks a render bound (time, memory, output bytes) known only while drawing. */
  | "render_limit"
  /** Rendering this card killed its process twice: it is not tried a third time. */
  | "render_crash"
  | "render_error";

export interface CardFailure {
  reason: FailureReason;
  /** A sentence a person can act on. */
  detail: string;
}

/** Minimum effective resolutions at placed size. */
export const PHOTO_WARN_PPI = 300;
export const PHOTO_ERROR_PPI = 150;

export interface PhotoReport {
  id: string;
  widthPx: number;
  heightPx: number;
  /** Placed size in inches (the whole image, before clipping to its slot). */
  placedIn: { w: number; h: number };
  /** Pixels per inch at placed size (the lower of the two axes). */
  effectivePpi: number;
  /** Set below 300 ppi: prints soft. */
  warning?: string;
  /**
   * Set below 150 ppi: prints visibly pixelated. The card still renders (the business
   * decides on the proof); callers that must refuse can check this field.
   */
  error?: string;
}

/** Characters a fallback font drew because the design face lacks them. */
export interface FallbackUse {
  part: string;
  font: string;
  chars: string;
}

export interface CardReport {
  template: string;
  format: FormatId;
  pages: number;
  nameFontSize: number;
  nameShrunk: boolean;
  nameLines: number;
  /** Every font that drew the name, design face first. */
  nameFonts: string[];
  messageFontSize: number;
  messageShrunk: boolean;
  messageLines: number;
  fallbacks: FallbackUse[];
  photo?: PhotoReport;
  warnings: string[];
  failure?: CardFailure;
}

/** A card that could not be rendered; nothing of it was drawn. */
export class CardRenderError extends Error {
  override name = "CardRenderError";
  constructor(
    readonly reason: FailureReason,
    detail: string,
    readonly report: Partial<CardReport>,
  ) {
    super(detail);
    this.report = { ...report, failure: { reason, detail } };
  }
}

export interface BatchCardOutcome {
  /** Position in the input (0-based). */
  index: number;
  /** Caller's id for the card, when given. */
  id?: string;
  ok: boolean;
  /** First page of this card in the batch PDF (1-based), when rendered. */
  firstPage?: number;
  report: Partial<CardReport>;
}

export interface BatchReport {
  cards: number;
  rendered: number;
  failed: number;
  pages: number;
  bytes: number;
  outcomes: BatchCardOutcome[];
}

export function emptyReport(template: string, format: FormatId): CardReport {
  return {
    template,
    format,
    pages: 0,
    nameFontSize: 0,
    nameShrunk: false,
    nameLines: 0,
    nameFonts: [],
    messageFontSize: 0,
    messageShrunk: false,
    messageLines: 0,
    fallbacks: [],
    warnings: [],
  };
}
