/**
 * Rate limit per API key (per address for requests without one), counted in Redis so every API
 * process shares one budget. Answers carry the RateLimit-* headers; the excess gets 429 + Retry-After.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { Redis } from "ioredis";
import { AppError } from "../errors.ts";

export const rateLimitPlugin = fp(
  async (
    app: FastifyInstance,
    opts: { redis: Redis; prefix: string; max: number; windowSeconds: number },
  ) => {
    await app.register(rateLimit, {
      global: true,
      max: opts.max,
      timeWindow: opts.windowSeconds * 1000,
      redis: opts.redis,
      nameSpace: `${opts.prefix}:ratelimit:`,
      enableDraftSpec: true,
      // Runs after authentication (an earlier onRequest hook) so the key is known.
      keyGenerator: (request) => (request.auth ? `key:${request.auth.keyId}` : `ip:${request.ip}`),
      // Counting must not take the API down with Redis: let requests through if Redis is unreachable.
      skipOnError: true,
      errorResponseBuilder: (_request, context) => {
        const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
        return new AppError(
          "rate_limited",
          `Rate limit of ${context.max} requests per ${opts.windowSeconds} s exceeded. Retry after ${seconds} s.`,
          { extra: { retry_after: seconds } },
        );
      },
    });
  },
  { name: "cardmerge-rate-limit", dependencies: ["cardmerge-auth"] },
);
