import { loadConfig } from "../config.ts";
import { ensureDatabase, migrate } from "../db/migrate.ts";
import { CliError } from "./cli-error.ts";
import { exitOnConfigError } from "./exit.ts";

/** `cardmerge setup` / `migrate`: create the database when missing, then apply migrations. */
export async function setupCommand(): Promise<number> {
  const config = exitOnConfigError(() => loadConfig());
  try {
    const created = await ensureDatabase(config.databaseUrl);
    if (created)
      process.stderr.write(`Created database ${new URL(config.databaseUrl).pathname.slice(1)}.\n`);
    const applied = await migrate(config);
    process.stderr.write(
      applied.length ? `Applied migrations: ${applied.join(", ")}.\n` : "Database is up to date.\n",
    );
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "28P01" || code === "3D000") {
      throw new CliError(
        `cannot reach PostgreSQL at DATABASE_URL (${(error as Error).message}). Start PostgreSQL or set DATABASE_URL.`,
      );
    }
    throw error;
  }
}
