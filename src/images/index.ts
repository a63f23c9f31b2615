/**
 * Photos: the one place that talks to sharp. Check an upload, make its print master and preview,
 * and say how well it prints. Imports nothing of the app (no database, HTTP or queue).
 */
export { cmykCopy } from "./cmyk-copy.ts";
export { composePages, type LabelledPage } from "./compose-pages.ts";
export type { ImageErrorCode } from "./errors.ts";
export { ImageError } from "./errors.ts";
export type { ImageInfo, ImageInput, ImageLimits } from "./inspect.ts";
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_INPUT_PIXELS, inspectImage } from "./inspect.ts";
export type { PreparedPhoto, PrepareOptions } from "./prepare-photo.ts";
export { DEFAULT_PREVIEW_LONG_EDGE_PX, preparePhoto } from "./prepare-photo.ts";
export { DEFAULT_PRINT_MAX_LONG_EDGE_PX } from "./print-master.ts";
export type { PrintSlot, ResolutionIssue } from "./resolution.ts";
export {
  PRINT_PPI_FLOOR,
  PRINT_PPI_TARGET,
  printPpi,
  resolutionWarning,
} from "./resolution.ts";
