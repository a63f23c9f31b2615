import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleUser, cookieOf, csrfIn, PASSWORD, signIn } from "../../support/console-session.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let accountId: string;

beforeAll(async () => {
  ctx = await createTestContext();
  ({ accountId } = await ctx.account({ name: "Bright Smiles Dental" }));
});
afterAll(() => ctx.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

describe("console sign-in", () => {
  it("a new user follows the one-time link, chooses a password and lands on the campaigns page", async () => {
    const { linkToken } = await ctx.deps.users.create(accountId, { email: "Ana@Example.com" });
    const page = await ctx.app.inject({ url: `/set-password/${linkToken}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Ana@Example.com");
    const csrfCookie = cookieOf(page, "cm_csrf") ?? "";
    const saved = await ctx.app.inject({
      method: "POST",
      url: `/set-password/${linkToken}`,
      headers: { ...FORM, cookie: `cm_csrf=${csrfCookie}` },
      payload: form({ _csrf: csrfIn(page.body) ?? "", password: PASSWORD, confirm: PASSWORD }),
    });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe("/campaigns");
    const session = cookieOf(saved, "cm_session");
    const campaigns = await ctx.app.inject({
      url: "/campaigns",
      headers: { cookie: `cm_session=${session}` },
    });
    expect(campaigns.statusCode).toBe(200);
    expect(campaigns.body).toContain("Bright Smiles Dental");
    expect(campaigns.headers["server-timing"]).toMatch(/^app;dur=\d/);

    // The link works once: opened again it says so, and posting to it changes nothing.
    const again = await ctx.app.inject({ url: `/set-password/${linkToken}` });
    expect(again.statusCode).toBe(404);
    expect(again.body).toContain("has been used or has expired");
    // Email is matched without regard to case.
    expect((await signIn(ctx, "ana@example.COM")).statusCode).toBe(303);
  });

  it("the session cookie is HttpOnly and SameSite, and Secure when the console is served over https", async () => {
    const user = await consoleUser(ctx, accountId);
    const res = await signIn(ctx, user.email);
    const raw = String(res.headers["set-cookie"]);
    expect(raw).toMatch(/cm_session=[^;]+;.*HttpOnly/i);
    expect(raw).toMatch(/SameSite=Lax/i);
    expect(raw).not.toMatch(/Secure/i);

    const https = await createTestContext({ PUBLIC_URL: "https://cards.example.com" });
    try {
      const account = await https.account();
      const { linkToken } = await https.deps.users.create(account.accountId, {
        email: "s@example.com",
      });
      await https.deps.users.setPassword(linkToken, PASSWORD);
      const secure = await signIn(https, "s@example.com");
      expect(String(secure.headers["set-cookie"])).toMatch(/cm_session=[^;]+;.*Secure/i);
    } finally {
      await https.close();
    }
  });

  it("a wrong password or an unknown email is refused alike, with the form kept", async () => {
    const user = await consoleUser(ctx, accountId);
    const wrong = await signIn(ctx, user.email, "not the password at all");
    const unknown = await signIn(ctx, "nobody@example.com", PASSWORD);
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.body).toContain("That email and password do not match");
      expect(cookieOf(res, "cm_session")).toBeUndefined();
    }
    expect(wrong.body).toContain(`value="${user.email}"`);
  });

  it("after too many failures even the right password waits (429 with Retry-After), per email and per address", async () => {
    const limited = await createTestContext({ SIGN_IN_FAILURE_LIMIT_MAX: "3" });
    try {
      const account = await limited.account();
      const user = await consoleUser(limited, account.accountId);
      const bystander = await consoleUser(limited, account.accountId);
      for (let i = 0; i < 4; i++) await signIn(limited, user.email, `guess number ${i}`);
      const right = await signIn(limited, user.email);
      expect(right.statusCode).toBe(429);
      expect(Number(right.headers["retry-after"])).toBeGreaterThan(0);
      expect(right.body).toContain("Too many failed sign-ins");
      expect(cookieOf(right, "cm_session")).toBeUndefined();
      // Another person at the same address still signs in: the address allows five times as many.
      expect((await signIn(limited, bystander.email)).statusCode).toBe(303);
      // Guessing across many emails from one address stops at the address's limit (15).
      for (let i = 0; i < 12; i++) await signIn(limited, `guess${i}@example.com`, "wrong password");
      expect((await signIn(limited, bystander.email)).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it("a form without its CSRF token, with another's, or from another site is refused (403)", async () => {
    const user = await consoleUser(ctx, accountId);
    const other = await consoleUser(ctx, accountId);
    const post = (headers: Record<string, string>, fields: Record<string, string>) =>
      ctx.app.inject({
        method: "POST",
        url: "/sign-out",
        headers: { ...FORM, cookie: user.cookie, ...headers },
        payload: form(fields),
      });
    expect((await post({}, {})).statusCode).toBe(403);
    expect((await post({}, { _csrf: other.csrf })).statusCode).toBe(403);
    expect((await post({ origin: "https://evil.example" }, { _csrf: user.csrf })).statusCode).toBe(
      403,
    );
    // The session survived every refusal; with its token, sign-out works and ends it.
    expect((await user.get("/campaigns")).statusCode).toBe(200);
    expect((await user.post("/sign-out")).statusCode).toBe(303);
    const after = await user.get("/campaigns");
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe("/sign-in?next=%2Fcampaigns");
  });

  it("sign-in sends people back only to pages of the console, never to another site", async () => {
    const user = await consoleUser(ctx, accountId);
    const page = await ctx.app.inject({ url: "/sign-in?next=//evil.example/x" });
    expect(page.body).toContain('name="next" value="/campaigns"');
    const csrfCookie = cookieOf(page, "cm_csrf") ?? "";
    for (const next of [
      "https://evil.example",
      "//evil.example",
      "/\\evil.example",
      "/campaigns/x",
    ]) {
      const res = await ctx.app.inject({
        method: "POST",
        url: "/sign-in",
        headers: { ...FORM, cookie: `cm_csrf=${csrfCookie}` },
        payload: form({
          _csrf: csrfIn(page.body) ?? "",
          email: user.email,
          password: PASSWORD,
          next,
        }),
      });
      expect(res.headers.location).toBe(next === "/campaigns/x" ? "/campaigns/x" : "/campaigns");
    }
  });

  it("pages need a session; unknown paths get a page for people and problem+json for programs", async () => {
    const res = await ctx.app.inject({ url: "/campaigns?x=1" });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/sign-in?next=%2Fcampaigns%3Fx%3D1");
    const html = await ctx.app.inject({ url: "/no/such/page", headers: { accept: "text/html" } });
    expect(html.statusCode).toBe(404);
    expect(html.headers["content-type"]).toMatch(/text\/html/);
    const json = await ctx.app.inject({ url: "/no/such/page" });
    expect(json.headers["content-type"]).toMatch(/problem\+json/);
    const api = await ctx.app.inject({ url: "/v1/nothing", headers: { accept: "text/html" } });
    expect(api.headers["content-type"]).toMatch(/problem\+json/);
  });

  it("hostile sign-in input is refused calmly: a huge email, NUL, arrays, a long password", async () => {
    for (const fields of [
      { email: "a".repeat(100_000), password: PASSWORD },
      { email: "a\u0000@example.com", password: PASSWORD },
      { email: "x@example.com", password: "p".repeat(60_000) },
    ]) {
      const res = await signIn(ctx, fields.email, fields.password);
      expect([400, 401, 413]).toContain(res.statusCode);
      expect(cookieOf(res, "cm_session")).toBeUndefined();
    }
  });
});
