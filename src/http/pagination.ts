/**
 * Cursor pagination shared by list endpoints: `limit` (1–100, default 20) and `after` (the
 * `next_after` of the previous page: an opaque cursor that survives the deletion of the item it
 * follows). Repositories fetch limit + 1 rows so `has_more` is known without a count.
 */
import { Type } from "typebox";
import {
  type Cursor,
  decodeCursor,
  encodeCursor,
  type PageRequest,
  type SortKind,
} from "../db/cursor.ts";
import { AppError } from "../errors.ts";

export const PageQuery = Type.Object({
  limit: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 20,
    description: "How many items to return.",
  }),
  after: Type.Optional(
    Type.String({
      maxLength: 200,
      description: "The `next_after` of the previous page.",
    }),
  ),
});

/** A page of items; a named item (with an `$id`) names its list too (CampaignList). */
export const listOf = <T extends ReturnType<typeof Type.Object>>(item: T) => {
  const name: unknown = (item as { $id?: unknown }).$id;
  return Type.Object(
    {
      object: Type.Literal("list"),
      data: Type.Array(item),
      has_more: Type.Boolean(),
      next_after: Type.Union([Type.String(), Type.Null()], {
        description: "Pass as `after` for the next page (an opaque cursor).",
      }),
    },
    typeof name === "string" ? { $id: `${name}List` } : {},
  );
};

/**
 * What a repository fetches for a list query: limit + 1 rows, after the decoded cursor. `sort` is
 * what the list orders by (newest-first lists by time, a campaign's recipients and cards by seq).
 */
export function pageOf(query: { limit: number; after?: string }, sort: SortKind): PageRequest {
  if (query.after === undefined) return { limit: query.limit + 1 };
  const after: Cursor | undefined = decodeCursor(query.after, sort);
  if (!after) {
    throw new AppError(
      "validation",
      "after is not a cursor from this list: pass the next_after of the previous page.",
      { errors: [{ field: "querystring.after", message: "not a list cursor" }] },
    );
  }
  return { limit: query.limit + 1, after };
}

/** Shapes limit + 1 fetched rows (each with its sort key) into a list answer. */
export function toList<Row extends { id: string; sort_key: string }, Out>(
  rows: Row[],
  limit: number,
  render: (row: Row) => Out,
) {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return {
    object: "list" as const,
    data: items.map(render),
    has_more: hasMore,
    next_after: hasMore && last ? encodeCursor(last.sort_key, last.id) : null,
  };
}
