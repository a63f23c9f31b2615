/**
 * Once per test run: compile the processes tests start (dist/, as `npm start` runs them) and make
 * sure the database exists. Each test file then works in its own schema.
 */
import { loadConfig } from "../../src/config.ts";
import { ensureDatabase } from "../../src/db/migrate.ts";
import { build } from "./node-process.ts";

export default async function setup() {
  build();
  await ensureDatabase(loadConfig().databaseUrl);
}
