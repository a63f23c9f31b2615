import type { Pool, PoolClient } from "../../db/pool.ts";

type Db = Pool | PoolClient;

export type Role = "admin" | "member";

export interface UserRow {
  id: string;
  account_id: string;
  email: string;
  role: Role;
  password_hash: string | null;
  created_at: Date;
}

/** A signed-in session with what every console page needs of its user and account. */
export interface SessionRow {
  user_id: string;
  email: string;
  role: Role;
  account_id: string;
  account_name: string;
  csrf_token: string;
  expires_at: Date;
}

const USER_COLUMNS = "id, account_id, email, role, password_hash, created_at";

export async function insertUser(
  db: Db,
  row: { id: string; accountId: string; email: string; role: Role },
): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (id, account_id, email, role) VALUES ($1, $2, $3, $4)
     RETURNING ${USER_COLUMNS}`,
    [row.id, row.accountId, row.email, row.role],
  );
  return rows[0] as UserRow;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1)`,
    [email],
  );
  return rows[0];
}

export async function findUser(db: Db, accountId: string, id: string) {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE account_id = $1 AND id = $2`,
    [accountId, id],
  );
  return rows[0];
}

export async function listUsers(db: Db, accountId: string): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE account_id = $1 ORDER BY created_at, id`,
    [accountId],
  );
  return rows;
}

export async function insertPasswordLink(
  db: Db,
  row: { tokenHash: Buffer; userId: string; expiresAt: Date },
): Promise<void> {
  await db.query(
    "INSERT INTO user_password_links (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
    [row.tokenHash, row.userId, row.expiresAt],
  );
}

/** Marks a live link used and answers its user (under lock, so a link works once). */
export async function usePasswordLink(
  db: PoolClient,
  tokenHash: Buffer,
): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE user_password_links l SET used_at = now()
       FROM users u
      WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now() AND u.id = l.user_id
     RETURNING ${USER_COLUMNS.split(", ")
       .map((c) => `u.${c}`)
       .join(", ")}`,
    [tokenHash],
  );
  return rows[0];
}

export async function findLiveLinkEmail(db: Db, tokenHash: Buffer): Promise<string | undefined> {
  const { rows } = await db.query<{ email: string }>(
    `SELECT u.email FROM user_password_links l JOIN users u ON u.id = l.user_id
      WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now()`,
    [tokenHash],
  );
  return rows[0]?.email;
}

export async function setPasswordHash(db: Db, userId: string, hash: string): Promise<void> {
  await db.query("UPDATE users SET password_hash = $2 WHERE id = $1", [userId, hash]);
}

/** A new password ends every other session of the user (a stolen cookie stops working). */
export async function deleteSessionsOf(db: Db, userId: string): Promise<void> {
  await db.query("DELETE FROM user_sessions WHERE user_id = $1", [userId]);
}

export async function insertSession(
  db: Db,
  row: { tokenHash: Buffer; userId: string; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO user_sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)`,
    [row.tokenHash, row.userId, row.csrfToken, row.expiresAt],
  );
}

export async function findSession(db: Db, tokenHash: Buffer): Promise<SessionRow | undefined> {
  const { rows } = await db.query<SessionRow>(
    `SELECT s.user_id, u.email, u.role, u.account_id, a.name AS account_name, s.csrf_token, s.expires_at
       FROM user_sessions s JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id
      WHERE s.token_hash = $1 AND s.expires_at > now()`,
    [tokenHash],
  );
  return rows[0];
}

export async function deleteSession(db: Db, tokenHash: Buffer): Promise<void> {
  await db.query("DELETE FROM user_sessions WHERE token_hash = $1", [tokenHash]);
}
