/**
 * Database set-up: create the database when it is missing, then apply the SQL files in
 * migrations/ with node-pg-migrate (forward only, recorded in the pgmigrations table).
 */
import { runner } from "node-pg-migrate";
import pg from "pg";
import type { Config } from "../config.ts";
import { packagePath } from "../package-root.ts";

export const MIGRATIONS_DIR = packagePath("migrations");

/** Creates the database named in the URL if it does not exist yet (connecting to `postgres`). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) return false;
  const admin = new URL(databaseUrl);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    } catch (error) {
      // Two processes setting up at once: the other one won.
      if ((error as { code?: string }).code !== "42P04") throw error;
    }
    return true;
  } finally {
    await client.end();
  }
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(
  config: Pick<Config, "databaseUrl" | "databaseSchema">,
  log: (message: string) => void = () => {},
): Promise<string[]> {
  const applied = await runner({
    databaseUrl: config.databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: "up",
    migrationsTable: "pgmigrations",
    schema: config.databaseSchema,
    createSchema: true,
    checkOrder: true,
    // node-pg-migrate's lock is one for the whole database, whatever the schema: two processes
    // (or two test files, each in its own schema) migrating at once would fail the second one.
    advisoryLockMode: "wait",
    log,
  });
  return applied.map((m) => m.name);
}
