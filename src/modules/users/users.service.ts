/**
 * People who sign in to the console: users of an account, their one-time password links, and
 * their sessions. Tokens (links, sessions) are random 32 bytes handed out once; only their SHA-256
 * is stored. Nothing here knows about cookies or HTTP.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { conflict, notFound, validation } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { findAccount } from "../accounts/accounts.repository.ts";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./password-hash.ts";
import * as repo from "./users.repository.ts";

export type { Role, SessionRow, UserRow } from "./users.repository.ts";

/** A session lasts 12 hours from sign-in: a shared office computer does not stay signed in for days. */
export const SESSION_HOURS = 12;
/** A password link is good for 3 days: long enough for an invitation to be opened after a weekend. */
export const LINK_HOURS = 72;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}\.[^\s@]{2,63}$/;
const hash = (token: string) => createHash("sha256").update(token).digest();
const newToken = () => randomBytes(32).toString("base64url");
const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000);

export function checkEmail(raw: unknown): string {
  const email = typeof raw === "string" ? raw.trim() : "";
  if (!EMAIL.test(email) || email.length > 254) {
    throw validation("Give an email address such as ana@example.com.", [
      { field: "email", message: "not an email address" },
    ]);
  }
  return email;
}

export function checkPassword(raw: unknown): string {
  const password = typeof raw === "string" ? raw : "";
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw validation(`A password has ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`, [
      {
        field: "password",
        message: `use ${PASSWORD_MIN} to ${PASSWORD_MAX} characters (a few words make a good one)`,
      },
    ]);
  }
  return password;
}

export function createUsersService(deps: { pool: Pool }) {
  const { pool } = deps;

  async function newLink(userId: string): Promise<string> {
    const token = newToken();
    await repo.insertPasswordLink(pool, {
      tokenHash: hash(token),
      userId,
      expiresAt: hoursFromNow(LINK_HOURS),
    });
    return token;
  }

  return {
    /**
     * A user of a live account and the token of their one-time link to set a password (the
     * caller turns it into a URL: the CLI prints it, an admin's invitation shows it).
     */
    async create(accountId: string, input: { email: unknown; role?: repo.Role }) {
      const email = checkEmail(input.email);
      const account = await findAccount(pool, accountId);
      if (account?.mode !== "live") throw notFound("Account");
      if (await repo.findUserByEmail(pool, email))
        throw conflict(`A user with the email ${email} already exists.`);
      const user = await repo.insertUser(pool, {
        id: newId("user"),
        accountId,
        email,
        role: input.role ?? "member",
      });
      return { user, linkToken: await newLink(user.id) };
    },

    list: (accountId: string) => repo.listUsers(pool, accountId),

    /**
     * A new one-time link for a user of the account (an invitation that was lost or expired, or a
     * forgotten password); links given before keep working until used or expired.
     */
    async newPasswordLink(accountId: string, userId: string) {
      const user = await repo.findUser(pool, accountId, userId);
      if (!user) throw notFound("User");
      return { user, linkToken: await newLink(user.id) };
    },

    /** The email a live link is for, or undefined (used, expired or unknown). */
    linkEmail: (token: string) => repo.findLiveLinkEmail(pool, hash(token)),

    /** Sets the password of a live link's user and uses the link up; other sessions end. */
    async setPassword(token: string, password: unknown): Promise<repo.UserRow> {
      const checked = checkPassword(password);
      const passwordHash = await hashPassword(checked);
      return withTransaction(pool, async (tx) => {
        const user = await repo.usePasswordLink(tx, hash(token));
        if (!user) {
          throw validation("This link has been used or has expired. Ask for a new one.", [
            { field: "token", message: "used or expired" },
          ]);
        }
        await repo.setPasswordHash(tx, user.id, passwordHash);
        await repo.deleteSessionsOf(tx, user.id);
        return user;
      });
    },

    /** A new session's token when email and password match; undefined otherwise (same time either way). */
    async signIn(email: unknown, password: unknown): Promise<string | undefined> {
      const text = typeof password === "string" ? password.slice(0, PASSWORD_MAX) : "";
      const user =
        typeof email === "string" && email.length <= 254
          ? await repo.findUserByEmail(pool, email.trim())
          : undefined;
      const matches = await verifyPassword(text, user?.password_hash ?? DUMMY_HASH);
      if (!user?.password_hash || !matches) return undefined;
      const token = newToken();
      await repo.insertSession(pool, {
        tokenHash: hash(token),
        userId: user.id,
        csrfToken: newToken(),
        expiresAt: hoursFromNow(SESSION_HOURS),
      });
      return token;
    },

    session: (token: string) => repo.findSession(pool, hash(token)),
    signOut: (token: string) => repo.deleteSession(pool, hash(token)),
  };
}

export type UsersService = ReturnType<typeof createUsersService>;

/** The console page a password link opens (the CLI prints it; an admin's invitation shows it). */
export const passwordLinkUrl = (publicUrl: string, token: string) =>
  `${publicUrl}/set-password/${token}`;
