import pg from "pg";
import type { Config } from "../config.ts";

// BIGINT counts come back as numbers: no count here nears 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
// DATE comes back as its YYYY-MM-DD text: a calendar day has no time zone, and a JavaScript Date
// at the host's midnight would move it by a day somewhere.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** One pool per process; every connection works in the configured schema. */
export function createPool(config: Pick<Config, "databaseUrl" | "databaseSchema">, max = 10): Pool {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max,
    options: `-c search_path=${config.databaseSchema}`,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection (PostgreSQL restart) must not crash the process;
  // the pool replaces it and the next query reconnects.
  pool.on("error", () => {});
  return pool;
}
