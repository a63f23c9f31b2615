/**
 * The API's OpenAPI document without a listening server: the app is built (connections to
 * PostgreSQL and Redis are opened lazily and never used), asked for its document and closed.
 * Settings that show in the document (body limits) stay at their defaults, so it is the same on
 * every machine; only where PostgreSQL and Redis are comes from the environment.
 */

import { buildApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createDeps } from "./deps.ts";

export async function openApiDocument(
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, unknown>> {
  const config = loadConfig({
    DATABASE_URL: env.DATABASE_URL,
    REDIS_URL: env.REDIS_URL,
    LOG_LEVEL: "silent",
  });
  const deps = createDeps(config, "openapi");
  try {
    const app = await buildApp(deps, { logger: false });
    try {
      await app.ready();
      return app.swagger() as unknown as Record<string, unknown>;
    } finally {
      await app.close();
    }
  } finally {
    await deps.close();
  }
}
