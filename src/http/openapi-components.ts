/**
 * Named component schemas: every (sub)schema of a route with an `$id` (CampaignSchema has
 * `$id: "Campaign"`) is documented once, under #/components/schemas/Campaign, and referenced
 * wherever it appears. @fastify/swagger inlines a response's top-level schema and names nested
 * ones def-N, so cardmerge does the naming itself: route schemas are copied with a marker in place
 * of each named schema, and the finished document swaps markers for references.
 */
const MARK = "x-cardmerge-component";

export interface ComponentCollector {
  /** A copy of a route schema with its named subschemas replaced by markers (collected). */
  mark(schema: unknown): unknown;
  /** The document with references for markers and the collected components added. */
  finish<T extends { components?: { schemas?: Record<string, unknown> } }>(doc: T): T;
}

export function createComponentCollector(): ComponentCollector {
  const found = new Map<string, unknown>();

  function mark(value: unknown, top = true): unknown {
    if (Array.isArray(value)) return value.map((v) => mark(v, false));
    if (!value || typeof value !== "object") return value;
    const { $id, ...rest } = value as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(rest)) copy[key] = mark(v, false);
    if (typeof $id !== "string") return copy;
    if (!found.has($id)) found.set($id, copy);
    // A response's own schema keeps its description: swagger reads the response's from it.
    const description = top && typeof copy.description === "string" ? copy.description : undefined;
    return { [MARK]: $id, ...(description ? { description } : {}) };
  }

  function unmark(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unmark);
    if (!value || typeof value !== "object") return value;
    const name = (value as Record<string, unknown>)[MARK];
    if (typeof name === "string") return { $ref: `#/components/schemas/${name}` };
    const copy: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) copy[key] = unmark(v);
    return copy;
  }

  return {
    mark: (schema) => mark(schema, true),
    finish(doc) {
      const out = unmark(doc) as typeof doc;
      const schemas: Record<string, unknown> = { ...out.components?.schemas };
      for (const [name, schema] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
        schemas[name] = unmark(schema);
      }
      out.components = { ...out.components, schemas };
      return out;
    },
  };
}
