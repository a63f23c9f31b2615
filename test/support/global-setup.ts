/** Once per test run: make sure the database exists. Each test file then works in its own schema. */
import { loadConfig } from "../../src/config.ts";
import { ensureDatabase } from "../../src/db/migrate.ts";

export default async function setup() {
  await ensureDatabase(loadConfig().databaseUrl);
}
