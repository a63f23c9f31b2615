import type { Pool, PoolClient } from "./pool.ts";

/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * `work` inside the caller's transaction when given a client (a client here is always one that
 * withTransaction handed out), or in a transaction of its own when given the pool: a change and
 * the event it writes then commit together either way.
 */
export async function inTransaction<T>(
  db: Pool | PoolClient,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  return "release" in db ? work(db) : withTransaction(db, work);
}
