/**
 * A signed-in console session for a benchmark: an admin user of the bench's (only) account, made
 * through the users service with its password set from the one-time link, as a person would.
 */
import { loadConfig } from "../../src/config.ts";
import { createPool } from "../../src/db/pool.ts";
import { createUsersService } from "../../src/modules/users/users.service.ts";

/** The cookie header of a new session of `email` in the bench's schema (`env` from startBenchApi). */
export async function benchConsoleCookie(
  env: Record<string, string>,
  email: string,
): Promise<{ cookie: string }> {
  const pool = createPool(loadConfig({ ...process.env, ...env }), 2);
  try {
    const account = (await pool.query<{ id: string }>("SELECT id FROM accounts LIMIT 1")).rows[0];
    if (!account) throw new Error("the bench has no account yet");
    const users = createUsersService({ pool });
    const password = `${email} bench password`;
    const { linkToken } = await users.create(account.id, { email, role: "admin" });
    await users.setPassword(linkToken, password);
    const session = await users.signIn(email, password);
    if (!session) throw new Error(`could not sign ${email} in`);
    return { cookie: `cm_session=${session}` };
  } finally {
    await pool.end();
  }
}
