import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertContacts } from "../../support/automation-fixtures.ts";
import {
  type ConsoleUser,
  consoleUser,
  cookieOf,
  csrfIn,
  PASSWORD,
} from "../../support/console-session.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let accountId: string;
let admin: ConsoleUser;

beforeAll(async () => {
  ctx = await createTestContext({ PUBLIC_URL: "http://cards.example.test" });
  ({ accountId } = await ctx.account({ name: "Bright Smiles Dental" }));
  admin = await consoleUser(ctx, accountId, { role: "admin" });
});
afterAll(() => ctx.close());

const unescapeHtml = (s: string) => s.replaceAll("&#x3D;", "=").replaceAll("&amp;", "&");

/** Follows a set-password link as a browser would: open it, choose the password, get a session. */
async function acceptInvitation(link: string) {
  const url = new URL(link);
  const page = await ctx.app.inject({ url: url.pathname });
  expect(page.statusCode).toBe(200);
  const saved = await ctx.app.inject({
    method: "POST",
    url: url.pathname,
    headers: {
      cookie: `cm_csrf=${cookieOf(page, "cm_csrf") ?? ""}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    payload: new URLSearchParams({
      _csrf: csrfIn(page.body) ?? "",
      password: PASSWORD,
      confirm: PASSWORD,
    }).toString(),
  });
  expect(saved.statusCode).toBe(303);
  return `cm_session=${cookieOf(saved, "cm_session")}`;
}

describe("console users", () => {
  it("an admin invites a member, whose one-time link signs them in to this account only", async () => {
    const other = await ctx.account({ name: "Other Clinic" });
    await insertContacts(ctx, other.accountId, [{ name: "Their Patient" }]);
    await insertContacts(ctx, accountId, [{ name: "Our Patient" }]);

    const res = await admin.post("/settings/users", { email: "Nina@Example.com", role: "member" });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body).toContain("Nina@Example.com is invited as member");
    const link = unescapeHtml(
      /<input id="link" class="mono" value="([^"]+)"/.exec(res.body)?.[1] ?? "",
    );
    expect(link).toMatch(/^http:\/\/cards\.example\.test\/set-password\/[\w-]{43}$/);

    const list = await admin.get("/settings/users");
    expect(list.body).toContain("Nina@Example.com");
    expect(list.body).toMatch(
      /Nina@Example\.com<\/td>\s*<td data-label="Role"><span class="tag">member<\/span> <span class="status status-pending">invited/,
    );
    expect(list.body).not.toContain(link.split("/").pop() as string);

    const cookie = await acceptInvitation(link);
    const contacts = await ctx.app.inject({ url: "/contacts", headers: { cookie } });
    expect(contacts.statusCode).toBe(200);
    expect(contacts.body).toContain("Bright Smiles Dental");
    expect(contacts.body).toContain("Our Patient");
    expect(contacts.body).not.toContain("Their Patient");
    // A member: no keys.
    expect((await ctx.app.inject({ url: "/settings/keys", headers: { cookie } })).statusCode).toBe(
      403,
    );
    // The link worked once.
    expect((await ctx.app.inject({ url: new URL(link).pathname })).statusCode).toBe(404);
    // Signed up: no longer "invited".
    expect((await admin.get("/settings/users")).body).not.toMatch(
      /Nina@Example\.com<\/td>\s*<td data-label="Role"><span class="tag">member<\/span> <span class="status status-pending">/,
    );
  });

  it("an invited admin can manage keys", async () => {
    const res = await admin.post("/settings/users", { email: "ops@example.com", role: "admin" });
    expect(res.statusCode).toBe(201);
    const link = unescapeHtml(
      /<input id="link" class="mono" value="([^"]+)"/.exec(res.body)?.[1] ?? "",
    );
    const cookie = await acceptInvitation(link);
    expect((await ctx.app.inject({ url: "/settings/keys", headers: { cookie } })).statusCode).toBe(
      200,
    );
  });

  it("a lost invitation gets a new link from the users page; another account's user is not found", async () => {
    const { user } = await ctx.deps.users.create(accountId, { email: "lost@example.com" });
    const list = await admin.get("/settings/users");
    expect(list.body).toContain(`action="/settings/users/${user.id}/link"`);
    const res = await admin.post(`/settings/users/${user.id}/link`);
    expect(res.statusCode).toBe(201);
    expect(res.body).toContain("A new password link for lost@example.com");
    const link = unescapeHtml(
      /<input id="link" class="mono" value="([^"]+)"/.exec(res.body)?.[1] ?? "",
    );
    const cookie = await acceptInvitation(link);
    expect((await ctx.app.inject({ url: "/contacts", headers: { cookie } })).statusCode).toBe(200);

    const other = await ctx.account();
    const stranger = await ctx.deps.users.create(other.accountId, { email: "far@example.com" });
    expect((await admin.post(`/settings/users/${stranger.user.id}/link`)).statusCode).toBe(404);
    expect((await admin.post("/settings/users/..%2Fx/link")).statusCode).toBe(404);
    const member = await consoleUser(ctx, accountId, { role: "member" });
    expect((await member.post(`/settings/users/${user.id}/link`)).statusCode).toBe(403);
  });

  it("an email already in use, a bad email or role is a field error with the form kept", async () => {
    const taken = await admin.post("/settings/users", {
      email: admin.email.toUpperCase(),
      role: "member",
    });
    expect(taken.statusCode).toBe(400);
    expect(taken.body).toMatch(/id="email-error" role="alert">A user with the email/);
    const bad = await admin.post("/settings/users", { email: "not-an-email", role: "member" });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('value="not-an-email"');
    const role = await admin.post("/settings/users", { email: "x@example.com", role: "owner" });
    expect(role.statusCode).toBe(400);
    expect(role.body).toContain("choose member or admin");
    expect((await ctx.deps.users.list(accountId)).map((u) => u.email)).not.toContain(
      "x@example.com",
    );
  });

  it("hostile invitations are refused calmly: huge email, NUL, arrays", async () => {
    const cases = [
      `email=${"a".repeat(5000)}%40example.com&role=member`,
      "email=a%00b%40example.com&role=member",
      "email=a%40example.com&email=b%40example.com&role=member",
      "email=c%40example.com&role=member&role=admin",
    ];
    for (const body of cases) {
      const res = await ctx.app.inject({
        method: "POST",
        url: "/settings/users",
        headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: `_csrf=${encodeURIComponent(admin.csrf)}&${body}`,
      });
      expect(res.statusCode, body.slice(0, 40)).toBe(400);
    }
    const emails = (await ctx.deps.users.list(accountId)).map((u) => u.email);
    for (const e of ["a@example.com", "b@example.com", "c@example.com"])
      expect(emails).not.toContain(e);
  });
});
