/**
 * Signing in and out, and choosing a password from a one-time link. Failed sign-ins are counted
 * per email, and (five times as many, for an office behind one address) per client address, in
 * Redis; past the limit even a right password waits, so the limit slows guessing instead of only
 * reporting it.
 */
import type { FastifyInstance } from "fastify";
import { AppError } from "../../errors.ts";
import type { AuthFailureLimiter } from "../../http/auth-failure-limit.ts";
import { PASSWORD_MIN } from "../../modules/users/users.service.ts";
import { type ConsoleContext, safeNext } from "../console.plugin.ts";
import { SESSION_COOKIE, sessionCookie, signedOutCsrf } from "../session.ts";

const PUBLIC = { console: "public" as const };
const hide = { hide: true };
type Form = Record<string, string | undefined>;

export async function signInPages(
  app: FastifyInstance,
  {
    deps,
    failures,
    addressFailures,
  }: ConsoleContext & { failures: AuthFailureLimiter; addressFailures: AuthFailureLimiter },
) {
  const { users } = deps;
  const cookies = { secure: deps.config.console.secureCookies };

  app.get("/", { config: PUBLIC, schema: hide }, async (request, reply) =>
    reply.redirect(request.session ? "/campaigns" : "/sign-in", 303),
  );

  app.get<{ Querystring: Form }>(
    "/sign-in",
    { config: PUBLIC, schema: hide },
    async (request, reply) => {
      if (request.session) return reply.redirect(safeNext(request.query.next), 303);
      signedOutCsrf(request, reply, cookies);
      return reply.page("sign-in", {
        title: "Sign in",
        next: safeNext(request.query.next),
        csrf: signedOutCsrf(request, reply, cookies),
      });
    },
  );

  app.post<{ Body: Form }>("/sign-in", { config: PUBLIC, schema: hide }, async (request, reply) => {
    const email = (request.body?.email ?? "").trim().slice(0, 254);
    const next = safeNext(request.body?.next);
    const keys = [`email:${email.toLowerCase()}`];
    const refuse = (status: number, message: string) =>
      reply.code(status).page("sign-in", {
        title: "Sign in",
        next,
        email,
        error: message,
        csrf: signedOutCsrf(request, reply, cookies),
      });
    const waits = await Promise.all([
      ...keys.map((k) => failures.check(k)),
      addressFailures.check(request.ip),
    ]);
    const wait = waits.find((w) => w.limited);
    if (wait?.limited) {
      reply.header("retry-after", String(wait.retryAfter));
      return refuse(
        429,
        `Too many failed sign-ins. Wait ${Math.ceil(wait.retryAfter / 60)} minute(s) and try again, or ask your account's admin for a new password link.`,
      );
    }
    const token = await users.signIn(email, request.body?.password);
    if (!token) {
      await Promise.all([...keys.map((k) => failures.hit(k)), addressFailures.hit(request.ip)]);
      return refuse(401, "That email and password do not match. Check both and try again.");
    }
    sessionCookie(reply, token, cookies);
    return reply.redirect(next, 303);
  });

  app.post("/sign-out", { config: PUBLIC, schema: hide }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await users.signOut(token);
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return reply.redirect("/sign-in", 303);
  });

  const linkPage = async (token: string, extra: Record<string, unknown> = {}) => {
    const email = token.length <= 64 ? await users.linkEmail(token) : undefined;
    return { title: "Choose your password", email, token, min: PASSWORD_MIN, ...extra };
  };

  app.get<{ Params: { token: string } }>(
    "/set-password/:token",
    { config: PUBLIC, schema: hide },
    async (request, reply) => {
      const page = await linkPage(request.params.token, {
        csrf: signedOutCsrf(request, reply, cookies),
      });
      return reply.code(page.email ? 200 : 404).page("set-password", page);
    },
  );

  app.post<{ Params: { token: string }; Body: Form }>(
    "/set-password/:token",
    { config: PUBLIC, schema: hide },
    async (request, reply) => {
      const { token } = request.params;
      const { password, confirm } = request.body ?? {};
      const again = async (status: number, error: string) =>
        reply
          .code(status)
          .page(
            "set-password",
            await linkPage(token, { error, csrf: signedOutCsrf(request, reply, cookies) }),
          );
      if (password !== confirm)
        return again(400, "The two passwords differ. Type the same one twice.");
      let user: Awaited<ReturnType<typeof users.setPassword>>;
      try {
        user = await users.setPassword(token, password);
      } catch (error) {
        if (error instanceof AppError) return again(error.status, error.message);
        throw error;
      }
      const session = await users.signIn(user.email, password);
      if (session) sessionCookie(reply, session, cookies);
      return reply.redirect("/campaigns", 303);
    },
  );
}
