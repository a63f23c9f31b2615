import { loadConfig } from "../config.ts";
import { ensureDatabase, migrate } from "../db/migrate.ts";
import { CliError } from "./cli-error.ts";
import { exitOnConfigError } from "./exit.ts";

const SETUP_USAGE = `Usage: cardmerge setup | cardmerge migrate

Creates the database DATABASE_URL names when it is missing (setup), then applies the pending
migrations of migrations/; with STORAGE_DRIVER=s3 it also creates S3_BUCKET when it is missing.
Needs PostgreSQL; rendering (cardmerge render, npm run demo) does not.`;

/** `cardmerge setup` / `migrate`: create the database when missing, then apply migrations. */
export async function setupCommand(args: string[] = []): Promise<number> {
  if (args.length > 0) {
    const asked = args.some((a) => a === "--help" || a === "-h" || a === "help");
    process.stdout.write(`${SETUP_USAGE}\n`);
    return asked ? 0 : 64;
  }
  const config = exitOnConfigError(() => loadConfig());
  try {
    const created = await ensureDatabase(config.databaseUrl);
    if (created)
      process.stderr.write(`Created database ${new URL(config.databaseUrl).pathname.slice(1)}.\n`);
    const applied = await migrate(config);
    process.stderr.write(
      applied.length ? `Applied migrations: ${applied.join(", ")}.\n` : "Database is up to date.\n",
    );
    if (config.s3) {
      const { ensureBucket } = await import("../storage/s3-storage.ts");
      if (await ensureBucket(config.s3))
        process.stderr.write(`Created bucket ${config.s3.bucket}.\n`);
    }
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
