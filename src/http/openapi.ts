/**
 * The OpenAPI document is generated from the route schemas; /openapi.json serves it and /docs an
 * interactive page. Register before the routes so every route is collected.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
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
