/**
 * A signed-in console user for integration tests: a user of the account made through the users
 * service, their password set through the one-time link page, and the session cookie and CSRF
 * token the browser would hold. Everything goes through the console's own pages.
 */
import type { TestContext } from "./test-context.ts";

type Injected = Awaited<ReturnType<TestContext["app"]["inject"]>>;

export const PASSWORD = "correct horse battery staple";

export interface ConsoleUser {
  email: string;
  cookie: string;
  csrf: string;
  /** GET a console page as this user. */
  get(url: string): Promise<Injected>;
  /** POST a form (urlencoded, with the CSRF token) as this user. */
  post(url: string, form?: Record<string, string>): Promise<Injected>;
}

export const cookieOf = (res: { headers: Record<string, unknown> }, name: string) => {
  const raw = res.headers["set-cookie"];
  const all = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  const found = all.find((c: string) => c.startsWith(`${name}=`));
  return found?.split(";")[0]?.slice(name.length + 1);
};

export const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

/** Signs in through POST /sign-in with a fresh signed-out CSRF token. */
export async function signIn(ctx: TestContext, email: string, password = PASSWORD) {
  const form = await ctx.app.inject({ url: "/sign-in" });
  const csrfCookie = cookieOf(form, "cm_csrf") ?? "";
  const csrf = csrfIn(form.body) ?? "";
  return ctx.app.inject({
    method: "POST",
    url: "/sign-in",
    headers: {
      cookie: `cm_csrf=${csrfCookie}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    payload: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
}

export async function consoleUser(
  ctx: TestContext,
  accountId: string,
  opts: { email?: string; role?: "admin" | "member" } = {},
): Promise<ConsoleUser> {
  const email = opts.email ?? `owner-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const { linkToken } = await ctx.deps.users.create(accountId, {
    email,
    role: opts.role ?? "admin",
  });
  await ctx.deps.users.setPassword(linkToken, PASSWORD);
  const res = await signIn(ctx, email);
  const session = cookieOf(res, "cm_session");
  if (res.statusCode !== 303 || !session)
    throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = `cm_session=${session}`;
  const page = await ctx.app.inject({ url: "/campaigns", headers: { cookie } });
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error("no CSRF token on the campaigns page");
  return {
    email,
    cookie,
    csrf,
    get: (url) => ctx.app.inject({ url, headers: { cookie, accept: "text/html" } }),
    post: (url, form = {}) =>
      ctx.app.inject({
        method: "POST",
        url,
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      }),
  };
}
