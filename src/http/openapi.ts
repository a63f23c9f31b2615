/**
 * The OpenAPI document is generated from the route schemas; /openapi.json serves it and /docs an
 * interactive page. Register before the routes so every route is collected.
 *
 * Response schemas with an `$id` become named components (openapi-components.ts). The
 * transform adds, for the document only, what Fastify must not validate: streamed request bodies
 * (openapi-docs.ts) and the problem+json errors each route can answer.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, FastifySchema, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { type ComponentCollector, createComponentCollector } from "./openapi-components.ts";
import { problemStatuses } from "./openapi-docs.ts";
import { problemTitle } from "./problem.ts";
import { ProblemSchema } from "./problem-schema.ts";

function problemResponse(status: number) {
  return {
    description: problemTitle(status),
    content: { "application/problem+json": { schema: ProblemSchema } },
  };
}

/**
 * A copy of a request schema where a property with a default is optional: Fastify fills it in
 * (ajv useDefaults), so a client may leave it out (limit on every list, for one).
 */
function defaultsOptional(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(defaultsOptional);
  if (!schema || typeof schema !== "object") return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = defaultsOptional(value);
  const properties = copy.properties as Record<string, { default?: unknown }> | undefined;
  if (properties && Array.isArray(copy.required)) {
    copy.required = copy.required.filter((name) => properties[name]?.default === undefined);
  }
  return copy;
}

const IDEMPOTENCY_KEY = {
  type: "string",
  minLength: 1,
  maxLength: 255,
  description:
    "Retry safely: a POST repeated with the same key within 24 hours gets the first answer again, and is not done twice.",
};

/** The request headers a route documents: its own, and Idempotency-Key on every POST under /v1. */
function documentedHeaders(route: Pick<RouteOptions, "url" | "method">, headers: unknown): unknown {
  const posts = [route.method].flat().includes("POST") && route.url.startsWith("/v1/");
  if (!posts) return headers;
  const own = (headers ?? { type: "object", properties: {} }) as {
    properties?: Record<string, unknown>;
  };
  return { ...own, properties: { ...own.properties, "idempotency-key": IDEMPOTENCY_KEY } };
}

const SUCCESS: Record<string, string> = { 200: "OK", 201: "Created", 202: "Accepted" };

/** The route's schema as the document shows it (a copy: Fastify keeps the original). */
export function documentedSchema(
  route: Pick<RouteOptions, "url" | "method" | "config">,
  schema: FastifySchema,
  components: ComponentCollector,
): FastifySchema {
  const { documentedBody, problems: _problems, noBody: _noBody, optionalBody, ...rest } = schema;
  const headers = documentedHeaders(route, rest.headers);
  const response: Record<string, unknown> = {};
  for (const [status, value] of Object.entries(schema.response ?? {})) {
    const marked = components.mark(value) as Record<string, unknown>;
    // swagger takes a response's description from this key, or from its schema's description.
    const description = marked.description ?? SUCCESS[status];
    response[status] = description ? { ...marked, "x-response-description": description } : marked;
  }
  for (const status of problemStatuses(route, schema)) {
    response[status] ??= components.mark(problemResponse(status));
  }
  return {
    ...rest,
    ...(rest.querystring ? { querystring: defaultsOptional(rest.querystring) } : {}),
    ...(rest.body ? { body: defaultsOptional(rest.body) } : {}),
    ...(headers ? { headers } : {}),
    ...(documentedBody ? { body: documentedBody } : {}),
    response,
    ...(optionalBody ? { [OPTIONAL_BODY]: true } : {}),
    // Outside /v1 (health, the QR redirect) no key is needed unless the route says otherwise.
    ...(route.url.startsWith("/v1/") || schema.security ? {} : { security: [] }),
  };
}

const OPTIONAL_BODY = "x-cardmerge-optional-body";
type Operation = Record<string, unknown> & { requestBody?: { required?: boolean } };

/** swagger marks every schema'd body required; a route's optionalBody says otherwise. */
function optionalBodies<T extends { paths?: unknown }>(doc: T): T {
  for (const item of Object.values(
    (doc.paths ?? {}) as Record<string, Record<string, Operation>>,
  )) {
    for (const op of Object.values(item)) {
      if (!op?.[OPTIONAL_BODY]) continue;
      delete op[OPTIONAL_BODY];
      if (op.requestBody) op.requestBody.required = false;
    }
  }
  return doc;
}

export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    let components = createComponentCollector();
    await app.register(swagger, {
      transform: ({ schema, url, route }) => ({
        schema: schema && !schema.hide ? documentedSchema(route, schema, components) : schema,
        url,
      }),
      // Called once per document, after every route's transform: the next document collects anew.
      transformObject: (documentObject) => {
        if (!("openapiObject" in documentObject)) return documentObject.swaggerObject;
        const doc = optionalBodies(components.finish(documentObject.openapiObject));
        components = createComponentCollector();
        return doc;
      },
      openapi: {
        openapi: "3.1.0",
        info: {
          title: "cardmerge API",
          version: "1",
          description:
            "Greeting-card mail merge: create a campaign, upload recipients (CSV) and photos, proof, submit, and let your print vendor download print-ready batches.\n\nAuthenticate with `Authorization: Bearer <API key>`. Errors are `application/problem+json` (RFC 9457). POSTs honour `Idempotency-Key`. Lists are cursor-paginated with `limit` and `after`.",
        },
        components: {
          securitySchemes: {
            apiKey: { type: "http", scheme: "bearer", description: "An API key (cmk_…)" },
          },
        },
        security: [{ apiKey: [] }],
      },
    });
    await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { deepLinking: true } });
    app.get("/openapi.json", { schema: { hide: true }, config: { rateLimit: false } }, async () =>
      app.swagger(),
    );
  },
  { name: "cardmerge-openapi" },
);
