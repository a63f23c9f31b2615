/**
 * Application errors. Domain code throws these; the HTTP layer turns them into
 * application/problem+json (RFC 9457) and the CLI into a message and an exit code.
 * No Fastify import here on purpose: workers and the CLI use the same errors.
 */

export interface FieldError {
  /** The field (JSON pointer-ish path, CSV column or template key) at fault. */
  field?: string;
  /** 1-based CSV row number, when the fault is in an uploaded file. */
  row?: number;
  message: string;
  /** A machine-readable reason, when the kind of fault has one (the problem's own `code` is the first). */
  code?: string;
}

export type ErrorKind =
  | "validation"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unprocessable"
  | "rate_limited"
  | "unavailable";

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

const TITLE: Record<ErrorKind, string> = {
  validation: "Invalid request",
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  conflict: "Conflict",
  payload_too_large: "Payload too large",
  unprocessable: "Unprocessable content",
  rate_limited: "Too many requests",
  unavailable: "Service unavailable",
};

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly errors: FieldError[];
  /** Extra members for the problem document (e.g. retry_after). */
  readonly extra: Record<string, unknown>;

  constructor(
    kind: ErrorKind,
    detail: string,
    opts: { errors?: FieldError[]; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(detail, { cause: opts.cause });
    this.name = "AppError";
    this.kind = kind;
    this.errors = opts.errors ?? [];
    this.extra = opts.extra ?? {};
  }

  get status(): number {
    return STATUS[this.kind];
  }

  get title(): string {
    return TITLE[this.kind];
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} was not found.`);
export const validation = (detail: string, errors: FieldError[] = []) =>
  new AppError("validation", detail, { errors });
export const conflict = (detail: string) => new AppError("conflict", detail);
export const unprocessable = (detail: string, errors: FieldError[] = []) =>
  new AppError("unprocessable", detail, { errors });
