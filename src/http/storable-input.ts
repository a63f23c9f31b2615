/**
 * One check at the border for every route: a path parameter, query value or parsed JSON body that
 * holds text PostgreSQL cannot store (a NUL, a lone surrogate; see storable-text.ts) is a 400
 * naming the field, before any handler runs. Streamed bodies (CSV, multipart, JSON imports) are
 * checked by what reads them.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { AppError, type FieldError } from "../errors.ts";
import { unstorable, unstorableMessage } from "../modules/shared/storable-text.ts";

/** Fields reported at most; one is enough to fix a client, a few help with a generated body. */
const MAX_REPORTED = 10;

/** Unstorable strings (values and keys) in `root`, walked without recursion (bodies nest deeply). */
function findUnstorable(root: unknown, where: string): FieldError[] {
  const found: FieldError[] = [];
  const stack: { value: unknown; path: string }[] = [{ value: root, path: where }];
  while (stack.length > 0 && found.length < MAX_REPORTED) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === "string") {
      const reason = unstorable(value);
      if (reason) found.push({ field: path, message: unstorableMessage(reason) });
    } else if (value !== null && typeof value === "object" && isPlain(value)) {
      for (const [key, inner] of Object.entries(value)) {
        const reason = unstorable(key);
        if (reason) {
          found.push({ field: path, message: `has a key that ${unstorableMessage(reason)}` });
          continue;
        }
        stack.push({ value: inner, path: `${path}.${key}` });
      }
    }
  }
  return found;
}

/** Parsed JSON, params and query (some with null-prototype chains); not a stream or bytes. */
function isPlain(value: object): boolean {
  return (
    !ArrayBuffer.isView(value) &&
    !(value instanceof ArrayBuffer) &&
    typeof (value as { pipe?: unknown }).pipe !== "function"
  );
}

export const storableInputPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook("preValidation", async (request: FastifyRequest) => {
      const errors = [
        ...findUnstorable(request.params, "params"),
        ...findUnstorable(request.query, "querystring"),
        ...findUnstorable(request.body, "body"),
      ];
      if (errors.length === 0) return;
      throw new AppError(
        "validation",
        `The request is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}.`,
        { errors },
      );
    });
  },
  { name: "cardmerge-storable-input" },
);
