/**
 * GET /metrics (Prometheus text format) and the hook that times every request by route pattern.
 * Behind the operator guard: an operator's admin key, or an address in METRICS_ALLOW_CIDRS.
 */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { Type } from "typebox";
import type { ApiMetrics } from "../metrics/api-metrics.ts";
import { type OperatorGuardOptions, operatorGuard } from "./operator-guard.ts";

/** Times every request of the app (fastify-plugin: the hook reaches every route). */
export const requestTimingPlugin = fp(
  async (app: FastifyInstance, opts: { metrics: ApiMetrics }) => {
    app.addHook("onResponse", async (request, reply) => {
      // The pattern (/v1/campaigns/:id), never the URL: ids and probes would make a series each.
      const route = request.is404 ? "unmatched" : (request.routeOptions.url ?? "unmatched");
      opts.metrics.observeRequest(
        request.method,
        route,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
    });
  },
  { name: "cardmerge-request-timing" },
);

export async function metricsRoutes(
  app: FastifyInstance,
  opts: {
    metrics: ApiMetrics;
    guard: Omit<OperatorGuardOptions, "allowRanges" | "wrongKey" | "challenge">;
  },
) {
  const guard = operatorGuard({
    ...opts.guard,
    allowRanges: true,
    wrongKey: "forbidden",
    challenge: "Bearer",
  });
  app.get(
    "/metrics",
    {
      onRequest: guard,
      config: { rateLimit: false },
      schema: {
        tags: ["operations"],
        summary: "Prometheus metrics (operators only)",
        description:
          "HTTP latency by route, queue depth and oldest waiting job, cards rendered and failed by reason, render and batch assembly seconds, webhook deliveries: this API process's own figures plus every worker's, summed. Needs an admin key of an operator account (OPERATOR_ACCOUNT_IDS), or a client address in METRICS_ALLOW_CIDRS.",
        problems: [401, 403],
        response: {
          200: {
            description: "Prometheus text exposition format 0.0.4",
            content: { "text/plain": { schema: Type.String() } },
          },
        },
      },
    },
    async (_request, reply) => {
      const text = await opts.metrics.render();
      return reply.type(opts.metrics.contentType).send(text);
    },
  );
}
