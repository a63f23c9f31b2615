/**
 * Cursor pagination shared by list endpoints: `limit` (1–100, default 20) and `after` (the id of the
 * last item already seen, as Stripe's starting_after). Repositories fetch limit + 1 rows so
 * `has_more` is known without a count.
 */
import { Type } from "typebox";

export const PageQuery = Type.Object({
  limit: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 20,
    description: "How many items to return.",
  }),
  after: Type.Optional(
    Type.String({
      maxLength: 64,
      description: "Return items after the one with this id (the last id of the previous page).",
    }),
  ),
});

export interface Page {
  limit: number;
  after?: string;
}

export const listOf = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({
    object: Type.Literal("list"),
    data: Type.Array(item),
    has_more: Type.Boolean(),
    next_after: Type.Union([Type.String(), Type.Null()], {
      description: "Pass as `after` for the next page.",
    }),
  });

/** Shapes limit + 1 fetched rows into a list answer. */
export function toList<Row extends { id: string }, Out>(
  rows: Row[],
  page: Page,
  render: (row: Row) => Out,
) {
  const hasMore = rows.length > page.limit;
  const items = hasMore ? rows.slice(0, page.limit) : rows;
  return {
    object: "list" as const,
    data: items.map(render),
    has_more: hasMore,
    next_after: hasMore ? (items[items.length - 1]?.id ?? null) : null,
  };
}
