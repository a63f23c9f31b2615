/**
 * What the OpenAPI document says that Fastify must not check: request bodies a route reads as a
 * stream (a CSV, a multipart upload, a JSON import) and binary downloads. Routes declare them with
 * these helpers; openapi.ts puts them into the document. Fastify ignores `documentedBody`, so the
 * streaming parsers stay as they are.
 */
import type { FastifySchema } from "fastify";

export type MediaTypes = Record<string, { schema: Record<string, unknown> }>;

export interface DocumentedBody {
  description?: string;
  content: MediaTypes;
}

declare module "fastify" {
  interface FastifySchema {
    /** The request body as the document shows it; never validated (the route reads the raw body). */
    documentedBody?: DocumentedBody;
    /** A POST whose options are all optional: the body may be left out (app.ts reads none as {}). */
    optionalBody?: true;
    /** A POST that takes no options: documented without a request body (one may be omitted). */
    noBody?: true;
    /** Error statuses this route answers beyond those its shape implies (see problemStatuses). */
    problems?: number[];
  }
}

const bytes = { type: "string", format: "binary" };

/** A download: the bytes of one media type. */
export function fileResponse(mediaType: string, description: string) {
  return { description, content: { [mediaType]: { schema: bytes } } };
}

/** A multipart form whose `file` part is required and whose other fields are text. */
export function multipartForm(
  file: string,
  fields: Record<string, string> = {},
): MediaTypes[string] {
  const properties: Record<string, unknown> = {};
  // Fields come first: the routes read options sent before the file.
  for (const [name, description] of Object.entries(fields)) {
    properties[name] = { type: "string", description };
  }
  properties.file = { ...bytes, description: file };
  return { schema: { type: "object", properties, required: ["file"] } };
}

/** A CSV as the body itself. */
export const csvMedia: MediaTypes = {
  "text/csv": { schema: { type: "string", description: "The CSV file, header row first." } },
};

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The problem+json statuses a route can answer, from its shape: input → 400, /v1 → 401 and 429
 * (keys, rate limit), a scope → 403, a path id → 404 (also another account's id), a write → 409
 * (Idempotency-Key reuse, state conflicts), a POST or PATCH → 422 (rules the schema cannot say),
 * a body → 413 and 415, and 500 everywhere.
 */
export function problemStatuses(
  route: { url: string; method: string | string[]; config?: { scope?: string } },
  schema: FastifySchema,
): number[] {
  const methods = [route.method].flat();
  const v1 = route.url.startsWith("/v1/");
  const hasBody = schema.body !== undefined || schema.documentedBody !== undefined;
  const statuses = new Set(schema.problems ?? []);
  if (hasBody || schema.params || schema.querystring) statuses.add(400);
  if (v1) statuses.add(401).add(429);
  if (v1 && route.config?.scope) statuses.add(403);
  if (schema.params) statuses.add(404);
  if (v1 && methods.some((m) => WRITES.has(m))) statuses.add(409);
  if (v1 && methods.some((m) => m === "POST" || m === "PATCH")) statuses.add(422);
  if (hasBody) statuses.add(413).add(415);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}
