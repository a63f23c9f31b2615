/**
 * The renderer's public entry. Pure: no database, queue, HTTP or image processing here —
 * it turns a template, one card's data, a message and a print-ready photo into PDF bytes.
 */
export type { CardData, PostalAddress, Recipient, Sender } from "./card-data.ts";
export { isPageContent } from "./card-draw.ts";
export type { CardInput, RenderOptions } from "./card-plan.ts";
export {
  COLOUR_MODES,
  type ColourMode,
  type ColourProfile,
  colourProfile,
  colourProfileFiles,
  DEFAULT_PROFILE_FILES,
  useColourProfiles,
} from "./colour-profiles.ts";
export {
  cjkFontSource,
  FONT_KEYS,
  type FontKey,
  useCjkFont,
} from "./fonts.ts";
export {
  DEFAULT_BLEED_IN,
  type FaceId,
  FORMAT_IDS,
  FORMATS,
  type FormatId,
  type FormatSpec,
  isFormatId,
  type PostalAreas,
  type Rect,
  SAFE_INSET_IN,
} from "./formats.ts";
export {
  type ImposeOptions,
  type ImposeReport,
  type Imposition,
  imposeBatch,
  imposedPlace,
  imposition,
} from "./impose.ts";
export { DESIGN_LIMITS, MERGED_TEXT_LIMITS } from "./limits.ts";
export {
  checkMessageVariables,
  compileMessage,
  MessageError,
  mergeContext,
  STANDARD_VARIABLES,
} from "./merge.ts";
export { pageLabels } from "./page-labels.ts";
export type { Photo } from "./photo.ts";
export { PhotoBuffers } from "./photo-buffers.ts";
export {
  type BatchCardInput,
  type BatchOptions,
  canLendPhotos,
  renderBatch,
} from "./render-batch.ts";
export { type ChunkSink, type RenderResult, renderCard, renderCardTo } from "./render-card.ts";
export {
  type BatchCardOutcome,
  type BatchReport,
  type CardFailure,
  CardRenderError,
  type CardReport,
  type FailureReason,
  type FallbackUse,
  PHOTO_ERROR_PPI,
  PHOTO_WARN_PPI,
  type PhotoReport,
} from "./report.ts";
export { DEFAULT_SHEET, isSheetId, SHEET_IDS, SHEETS, type SheetId } from "./sheet-sizes.ts";
export {
  DESIGN_FILES,
  type DesignSource,
  listBuiltinTemplates,
  loadBuiltinTemplate,
  loadTemplate,
  parseDesign,
  TEXT_PARTS,
  type Template,
  TemplateError,
  type TemplateSummary,
} from "./template-loader.ts";
