/**
 * Who is signed in, and the guards every console request passes: the session cookie is read into
 * `request.session`; a page needs a session unless its route says `config: { console: "public" }`
 * (signed out, a page answers 303 to /sign-in and comes back after); every POST carries the
 * CSRF token of its session (or, signed out, of the cm_csrf cookie) in `_csrf` or `x-csrf-token`,
 * and its Origin, when the browser sends one, is ours.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AuthContext } from "../modules/accounts/accounts.service.ts";
import type { SessionRow, UsersService } from "../modules/users/users.service.ts";
import { SESSION_HOURS } from "../modules/users/users.service.ts";

export const SESSION_COOKIE = "cm_session";
export const CSRF_COOKIE = "cm_csrf";

declare module "fastify" {
  interface FastifyContextConfig {
    /** "public": the console page is for people not signed in (sign-in, set password, assets). */
    console?: "public";
  }
  interface FastifyRequest {
    session: SessionRow | null;
  }
}

export class CsrfError extends Error {}

/** The service-level context of the signed-in user: their live account, every scope of it. */
export function accountOf(request: FastifyRequest): AuthContext {
  const session = request.session;
  if (!session) throw new Error("accountOf: no session (the guard lets no such request through)");
  return {
    accountId: session.account_id,
    liveAccountId: session.account_id,
    accountName: session.account_name,
    mode: "live",
    keyId: `user:${session.user_id}`,
    keyPrefix: "console",
    scopes: ["campaigns", "batches", "admin"],
  };
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function submittedToken(request: FastifyRequest): string | undefined {
  const header = request.headers["x-csrf-token"];
  if (typeof header === "string") return header;
  const body = request.body as { _csrf?: unknown } | undefined;
  if (body && typeof body === "object" && typeof body._csrf === "string") return body._csrf;
  const query = request.query as { _csrf?: unknown } | undefined;
  return typeof query?._csrf === "string" ? query._csrf : undefined;
}

export interface CookieOptions {
  secure: boolean;
}

export function sessionCookie(reply: FastifyReply, token: string, opts: CookieOptions) {
  reply.setCookie(SESSION_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: opts.secure,
    maxAge: SESSION_HOURS * 3600,
  });
}

/** The signed-out CSRF token: the cm_csrf cookie's, set now when the browser has none. */
export function signedOutCsrf(request: FastifyRequest, reply: FastifyReply, opts: CookieOptions) {
  const have = request.cookies[CSRF_COOKIE];
  if (have && /^[\w-]{43}$/.test(have)) return have;
  const token = randomBytes(32).toString("base64url");
  reply.setCookie(CSRF_COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: opts.secure,
  });
  return token;
}

export function csrfTokenOf(request: FastifyRequest): string | undefined {
  return request.session?.csrf_token ?? request.cookies[CSRF_COOKIE];
}

export function sessionGuards(
  app: FastifyInstance,
  opts: { users: UsersService; publicUrl: string },
) {
  const ourOrigin = new URL(opts.publicUrl).origin;
  app.decorateRequest("session", null);

  app.addHook("onRequest", async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token && token.length <= 64) request.session = (await opts.users.session(token)) ?? null;
  });

  app.addHook("preHandler", async (request, reply) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      const origin = request.headers.origin;
      const host = request.headers.host;
      if (
        origin &&
        origin !== ourOrigin &&
        origin !== `http://${host}` &&
        origin !== `https://${host}`
      )
        throw new CsrfError("origin");
      const expected = csrfTokenOf(request);
      const given = submittedToken(request);
      if (!expected || !given || !same(expected, given)) throw new CsrfError("token");
    }
    if (request.routeOptions.config.console === "public" || request.session) return;
    const next = request.method === "GET" ? `?next=${encodeURIComponent(request.url)}` : "";
    return reply.redirect(`/sign-in${next}`, 303);
  });
}
