/** Why an image was refused. Stable strings: the API maps them to problem types and statuses. */
export type ImageErrorCode =
  | "empty"
  | "not_an_image"
  | "unsupported_format"
  | "truncated"
  | "too_many_pixels"
  | "too_large";

/**
 * A photo that cannot be used. `message` is written for the person who uploaded it: what is wrong
 * and what to do. The decoder's own words, when there are any, are kept in `cause` for the logs.
 */
export class ImageError extends Error {
  override readonly name = "ImageError";
  readonly code: ImageErrorCode;
  /** The format the bytes look like, when known (e.g. "heic"), for the API's error detail. */
  readonly format: string | undefined;

  constructor(
    code: ImageErrorCode,
    message: string,
    opts: { format?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.format = opts.format;
  }
}

const AS_JPEG = "save or export it as JPEG or PNG and upload again";

/** User-facing names and advice for formats we recognise but cannot (or will not) read. */
const UNSUPPORTED: Record<string, string> = {
  heic:
    "HEIC photos cannot be read here; export as JPEG (iPhone: Settings → Camera → Formats → " +
    "Most Compatible) and upload again",
  avif: `AVIF images cannot be read here; ${AS_JPEG}`,
  jxl: `JPEG XL images cannot be read here; ${AS_JPEG}`,
  jp2: `JPEG 2000 images cannot be read here; ${AS_JPEG}`,
  bmp: `BMP images cannot be read here; ${AS_JPEG}`,
  psd: `Photoshop (PSD) files cannot be read here; ${AS_JPEG}`,
  pdf: "PDF files are not accepted as photos; export the page or picture as JPEG or PNG and upload again",
  svg: "SVG drawings are not accepted as photos; export the drawing as PNG and upload again",
  raw: `camera RAW files cannot be read here; ${AS_JPEG}`,
};

export function unsupportedFormat(format: string, cause?: unknown): ImageError {
  const message =
    UNSUPPORTED[format] ?? `${format.toUpperCase()} images cannot be read here; ${AS_JPEG}`;
  return new ImageError("unsupported_format", message, { format, cause });
}

export function emptyFile(): ImageError {
  return new ImageError(
    "empty",
    "the file is empty (0 bytes); choose the photo again and upload it",
  );
}

export function notAnImage(cause?: unknown): ImageError {
  return new ImageError(
    "not_an_image",
    `the file is not an image (or not one we recognise); upload a JPEG, PNG or WebP photo`,
    { cause },
  );
}

export function truncated(format: string | undefined, cause?: unknown): ImageError {
  return new ImageError(
    "truncated",
    "the photo is incomplete or damaged (it may not have finished copying or uploading); " +
      "open it on your device to check, then upload it again",
    { format, cause },
  );
}

export function tooManyPixels(width: number, height: number, max: number): ImageError {
  const mp = (n: number) => `${Math.round(n / 1e5) / 10} megapixels`;
  return new ImageError(
    "too_many_pixels",
    `the photo is ${width}x${height} px (${mp(width * height)}), more than the ${mp(max)} ` +
      "we accept; resize it (4000 px on the long side is plenty for any card) and upload again",
  );
}

export function tooLarge(bytes: number, max: number): ImageError {
  const mb = (n: number) => `${Math.round(n / 1e5) / 10} MB`;
  return new ImageError(
    "too_large",
    `the file is ${mb(bytes)}, more than the ${mb(max)} we accept; ` +
      "export it as a JPEG (quality 90 is plenty) and upload again",
  );
}
