/**
 * The problem+json document as sendProblem (problem.ts) writes it, for the OpenAPI document: one
 * shared component every error response refers to.
 */
import { Type } from "typebox";

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: "A URI naming the kind of problem." }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: "What went wrong and, where possible, how to fix it." }),
    instance: Type.Optional(Type.String({ description: "The request's path." })),
    request_id: Type.Optional(Type.String({ description: "Quote it if you contact support." })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          field: Type.Optional(
            Type.String({ description: "body.sender.name, querystring.limit…" }),
          ),
          row: Type.Optional(Type.Integer({ description: "1-based CSV row." })),
          message: Type.String(),
          code: Type.Optional(Type.String()),
        }),
        { description: "Each fault, when the input had several." },
      ),
    ),
  },
  {
    $id: "Problem",
    description:
      "RFC 9457 problem details. Some problems add members of their own (limit_bytes, retry_after, code).",
  },
);
