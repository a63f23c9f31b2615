/**
 * A CSV upload as routes take it: a text/csv (or similar) body, or a multipart file with its
 * `mapping` and `default_country` fields sent before the file. The body stays a stream: the
 * import reads it (and enforces its own byte limit).
 */
import type { FastifyRequest } from "fastify";
import { AppError } from "../errors.ts";
import { requireStorable } from "../modules/shared/storable-text.ts";

/** Media types a CSV arrives as (browsers and Excel send several). */
export const CSV_TYPES = [
  "text/csv",
  "application/csv",
  "text/plain",
  "text/tab-separated-values",
  "application/vnd.ms-excel",
];

export interface CsvUpload {
  filename?: string;
  body: AsyncIterable<Buffer> | NodeJS.ReadableStream;
  mapping?: Record<string, string>;
  defaultCountry?: string;
}

/** A `mapping` option (JSON text from a query or form field, or an object) → header → field. */
export function parseMapping(raw: unknown): Record<string, string> | undefined {
  if (raw === undefined || raw === "") return undefined;
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new AppError(
        "validation",
        'mapping must be a JSON object like {"Zip Code":"postalCode"}.',
        {
          errors: [{ field: "mapping", message: "not JSON" }],
        },
      );
    }
  }
  if (
    !value ||
    typeof value !== "object" ||
    Array.isArray(value) ||
    Object.values(value).some((v) => typeof v !== "string")
  ) {
    throw new AppError("validation", "mapping must map header names to field names (strings).", {
      errors: [{ field: "mapping", message: "expected an object of strings" }],
    });
  }
  return value as Record<string, string>;
}

/** The CSV of a multipart or plain CSV request, with its options (form fields win over the query). */
export async function readCsvUpload(
  request: FastifyRequest,
  query: { mapping?: string; default_country?: string },
): Promise<CsvUpload> {
  if (request.isMultipart()) {
    const file = await request.file();
    if (!file)
      throw new AppError(
        "validation",
        "The multipart body has no file: attach the CSV as a file field.",
      );
    requireStorable(file.filename, "file.filename");
    const field = (name: string) => {
      const f = file.fields[name];
      return f && !Array.isArray(f) && f.type === "field" ? String(f.value) : undefined;
    };
    return {
      filename: file.filename,
      body: file.file,
      mapping: parseMapping(field("mapping") ?? query.mapping),
      defaultCountry: (field("default_country") ?? query.default_country)?.toUpperCase(),
    };
  }
  return {
    body: request.body as NodeJS.ReadableStream,
    mapping: parseMapping(query.mapping),
    defaultCountry: query.default_country?.toUpperCase(),
  };
}
