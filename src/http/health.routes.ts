import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { Type } from "typebox";
import type { Pool } from "../db/pool.ts";

const Check = Type.Object({
  status: Type.Union([Type.Literal("ok"), Type.Literal("unavailable")]),
  detail: Type.Optional(Type.String()),
});

/** A dependency that does not answer within this long counts as down. */
const CHECK_TIMEOUT_MS = 2_000;

async function probe(
  run: () => Promise<unknown>,
): Promise<{ status: "ok" | "unavailable"; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { status: "ok" };
  } catch (error) {
    return { status: "unavailable", detail: (error as Error).message || "unreachable" };
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: FastifyInstance, opts: { pool: Pool; redis: Redis }) {
  const common = { tags: ["health"], security: [] };

  app.get(
    "/healthz",
    {
      config: { rateLimit: false },
      schema: {
        ...common,
        summary: "The process is up",
        response: { 200: Type.Object({ status: Type.Literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      config: { rateLimit: false },
      schema: {
        ...common,
        summary: "PostgreSQL and Redis both answer",
        response: {
          200: Type.Object({ status: Type.String(), postgres: Check, redis: Check }),
          503: Type.Object({ status: Type.String(), postgres: Check, redis: Check }),
        },
      },
    },
    async (_request, reply) => {
      const [postgres, redis] = await Promise.all([
        probe(() => opts.pool.query("SELECT 1")),
        probe(() => opts.redis.ping()),
      ]);
      const ready = postgres.status === "ok" && redis.status === "ok";
      const down = [
        postgres.status !== "ok" && "postgres",
        redis.status !== "ok" && "redis",
      ].filter(Boolean);
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? "ready" : `unavailable: ${down.join(", ")}`, postgres, redis });
    },
  );
}
