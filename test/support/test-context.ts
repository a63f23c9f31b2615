/**
 * Each integration test file gets its own PostgreSQL schema (migrated from scratch), its own Redis
 * key prefix and its own storage folder (a temporary directory unless STORAGE_DIR is given), so
 * files run in parallel and leave nothing behind: not in the database, not in Redis, not in the
 * repository's ./data. Real PostgreSQL, real Redis.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { buildApp } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { migrate } from "../../src/db/migrate.ts";
import { createDeps, type Deps } from "../../src/deps.ts";

export interface TestContext {
  config: Config;
  deps: Deps;
  app: FastifyInstance;
  /** A new account and its key (all scopes unless given). */
  account(opts?: {
    name?: string;
    scopes?: string[];
  }): Promise<{ accountId: string; keyId: string; secret: string }>;
  close(): Promise<void>;
}

/** Storage folders made by testConfig, removed by the context's close() or, at the latest, at exit. */
const madeDirs = new Set<string>();
process.once("exit", () => {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

function removeMadeDir(dir: string): void {
  if (!madeDirs.delete(dir)) return;
  rmSync(dir, { recursive: true, force: true });
}

export function testConfig(env: Record<string, string> = {}): Config {
  const tag = `t_${randomBytes(5).toString("hex")}`;
  let storageDir = env.STORAGE_DIR;
  if (storageDir === undefined) {
    storageDir = mkdtempSync(path.join(tmpdir(), `cardmerge-${tag}-`));
    madeDirs.add(storageDir);
  }
  return loadConfig({
    ...process.env,
    DATABASE_SCHEMA: tag,
    REDIS_PREFIX: `cardmerge-test:${tag}`,
    LOG_LEVEL: "silent",
    ...env,
    STORAGE_DIR: storageDir,
  });
}

export async function createTestContext(
  env: Record<string, string> = {},
  opts: {
    extend?: (app: FastifyInstance) => void;
    app?: Omit<Parameters<typeof buildApp>[1], "logger">;
  } = {},
): Promise<TestContext> {
  const config = testConfig(env);
  await migrate(config);
  const deps = createDeps(config, "test");
  const app = await buildApp(deps, { ...opts.app, logger: false });
  opts.extend?.(app);
  await app.ready();
  return {
    config,
    deps,
    app,
    async account(opts = {}) {
      const created = await deps.accounts.createAccount({
        name: opts.name ?? "Acme Plumbing",
        scopes: opts.scopes,
      });
      return { accountId: created.account.id, keyId: created.key.id, secret: created.secret };
    },
    async close() {
      await app.close();
      const keys = await deps.redis.keys(`${config.redisPrefix}:*`);
      if (keys.length) await deps.redis.del(...keys);
      await deps.close();
      await dropSchema(config);
      removeMadeDir(config.storageDir);
    },
  };
}

export async function dropSchema(config: Pick<Config, "databaseUrl" | "databaseSchema">) {
  const client = new pg.Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${config.databaseSchema} CASCADE`);
  } finally {
    await client.end();
  }
}

export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
