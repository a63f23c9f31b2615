/**
 * One error handler for the whole API: every failure leaves as application/problem+json
 * (RFC 9457) with type, title, status, detail and, where the input had several faults, errors[].
 * 5xx details stay in the log; the client gets the request id to quote.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, type FieldError } from "../errors.ts";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: "Invalid request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  406: "Not acceptable",
  409: "Conflict",
  413: "Payload too large",
  415: "Unsupported media type",
  416: "Range not satisfiable",
  422: "Unprocessable content",
  429: "Too many requests",
  500: "Internal server error",
  503: "Service unavailable",
};

const slug = (title: string) => title.toLowerCase().replaceAll(/[^a-z0-9]+/g, "-");

/** The title a status's problem carries (the errors' own titles may be more precise). */
export function problemTitle(status: number): string {
  return TITLES[status] ?? "Error";
}

export function problemType(status: number): string {
  return `https://cardmerge.dev/problems/${slug(TITLES[status] ?? "error")}`;
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  detail: string,
  more: Partial<Problem> = {},
): FastifyReply {
  const title = more.title ?? TITLES[status] ?? "Error";
  const body: Problem = {
    type: problemType(status),
    title,
    status,
    detail,
    instance: reply.request.url.split("?")[0],
    request_id: String(reply.request.id),
    ...more,
  };
  return reply.code(status).type("application/problem+json; charset=utf-8").send(body);
}

/** Fastify's schema errors → errors[] with the field that failed (body.name, query.limit…). */
function schemaErrors(error: FastifyError): FieldError[] {
  const where = error.validationContext ?? "body";
  return (error.validation ?? []).map((v) => {
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const extra = (v.params as { additionalProperty?: string }).additionalProperty;
    const path = v.instancePath.replace(/^\//, "").replaceAll("/", ".");
    const field = [where, path, missing ?? extra].filter(Boolean).join(".");
    const message = extra ? `unknown field "${extra}"` : (v.message ?? "is invalid");
    return { field, message };
  });
}

/** 22021 invalid byte sequence (NUL in text), 22P05 untranslatable (\u0000 in jsonb), 22P02 on a lone surrogate in jsonb. */
function isUnstorableText(error: { code: string; detail?: string }): boolean {
  return (
    error.code === "22021" ||
    error.code === "22P05" ||
    (error.code === "22P02" && /surrogate/i.test(error.detail ?? ""))
  );
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function isPgError(
  error: unknown,
): error is { code: string; constraint?: string; detail?: string } {
  return (
    typeof (error as { code?: unknown })?.code === "string" &&
    /^[0-9A-Z]{5}$/.test((error as { code: string }).code)
  );
}

export function registerProblemHandlers(
  app: FastifyInstance,
  opts: {
    /** A page for people: browsers asking for HTML outside /v1 get it instead of problem+json. */
    notFoundPage?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply;
  } = {},
): void {
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const wantsHtml = request.headers.accept?.includes("text/html") ?? false;
    if (opts.notFoundPage && wantsHtml && !request.url.startsWith("/v1"))
      return opts.notFoundPage(request, reply);
    return sendProblem(
      reply,
      404,
      `No route matches ${request.method} ${request.url.split("?")[0]}.`,
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Refused before the whole body arrived (an upload over a limit): the client may still be
    // sending it. Closing the connection after the answer spares reading the rest, as Fastify
    // itself does when a body parser fails.
    if (request.raw.complete === false) reply.header("connection", "close");
    if (error instanceof AppError) {
      // Domain code cannot set headers: a wait it asks for (429, 503) becomes Retry-After here.
      const retryAfter = error.extra.retry_after;
      if (typeof retryAfter === "number") reply.header("retry-after", String(retryAfter));
      return sendProblem(reply, error.status, error.message, {
        title: error.title,
        ...(error.errors.length ? { errors: error.errors } : {}),
        ...error.extra,
      });
    }
    if (error.validation) {
      const errors = schemaErrors(error);
      return sendProblem(
        reply,
        400,
        `The request is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}.`,
        { errors },
      );
    }
    if (isPgError(error) && error.code === "23505") {
      return sendProblem(reply, 409, "This conflicts with an existing resource.");
    }
    // A backstop: inputs are checked for such text where they enter (storable-text.ts), but a
    // value that slips through is still the client's text, not a server fault.
    if (isPgError(error) && isUnstorableText(error)) {
      return sendProblem(
        reply,
        400,
        "The request holds text that cannot be stored: a NUL character (U+0000, %00) or an unpaired UTF-16 surrogate. Remove it and retry.",
      );
    }
    const status = typeof error.statusCode === "number" ? error.statusCode : 500;
    if (status === 413) {
      const limit = request.routeOptions.bodyLimit;
      return sendProblem(
        reply,
        413,
        error.code === "FST_ERR_CTP_BODY_TOO_LARGE" && limit
          ? `The request body is larger than the ${formatBytes(limit)} this endpoint accepts (BODY_LIMIT_BYTES for JSON bodies).`
          : "The request body is larger than this endpoint accepts.",
        { limit_bytes: limit },
      );
    }
    if (status >= 400 && status < 500) {
      return sendProblem(reply, status, error.message);
    }
    request.log.error({ err: error }, "request failed");
    return sendProblem(
      reply,
      status,
      "Something went wrong on our side. Quote the request_id if you contact support.",
    );
  });
}
