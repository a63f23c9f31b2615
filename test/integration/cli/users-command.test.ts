/** `cardmerge users create`, as an operator runs it: the link it prints lets the person sign in. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCardmerge } from "../../support/cli.ts";
import { cookieOf, csrfIn, PASSWORD, signIn } from "../../support/console-session.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ PUBLIC_URL: "http://cards.test:3000" });
});
afterAll(() => ctx.close());

const cardmerge = (args: string[]) =>
  runCardmerge(args, {
    DATABASE_SCHEMA: ctx.config.databaseSchema,
    PUBLIC_URL: ctx.config.publicUrl,
  });

describe("cardmerge users", () => {
  it("create prints a one-time link on PUBLIC_URL that sets the password and signs in", async () => {
    const { accountId } = await ctx.account();
    const created = await cardmerge([
      "users",
      "create",
      "--account",
      accountId,
      "--email",
      "desk@example.com",
    ]);
    expect(created.code).toBe(0);
    const json = JSON.parse(created.stdout);
    expect(json.user).toMatchObject({ email: "desk@example.com", role: "admin" });
    expect(created.stderr).toContain(json.set_password_url);
    const url = new URL(json.set_password_url);
    expect(url.origin).toBe("http://cards.test:3000");

    const page = await ctx.app.inject({ url: url.pathname });
    expect(page.statusCode).toBe(200);
    const saved = await ctx.app.inject({
      method: "POST",
      url: url.pathname,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: `cm_csrf=${cookieOf(page, "cm_csrf")}`,
      },
      payload: new URLSearchParams({
        _csrf: csrfIn(page.body) ?? "",
        password: PASSWORD,
        confirm: PASSWORD,
      }).toString(),
    });
    expect(saved.statusCode).toBe(303);
    expect((await signIn(ctx, "desk@example.com")).statusCode).toBe(303);

    const listed = await cardmerge(["users", "list", "--account", accountId]);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ email: "desk@example.com", role: "admin", password_set: true }),
    ]);
  });

  it("refuses a taken email, a bad email, a bad role and an unknown account, each with a one-line reason", async () => {
    const { accountId } = await ctx.account();
    await cardmerge(["users", "create", "--account", accountId, "--email", "taken@example.com"]);
    const cases: [string[], RegExp][] = [
      [["--account", accountId, "--email", "TAKEN@example.com"], /already exists/],
      [["--account", accountId, "--email", "not-an-email"], /email address/],
      [["--account", accountId, "--email", "a@example.com", "--role", "owner"], /admin or member/],
      [["--account", "acct_nope", "--email", "b@example.com"], /Account was not found/],
      [["--email", "c@example.com"], /missing --account/],
    ];
    for (const [args, message] of cases) {
      const result = await cardmerge(["users", "create", ...args]);
      expect(result.code, args.join(" ")).not.toBe(0);
      expect(result.stderr).toMatch(message);
    }
  }, 90_000); // six CLI processes, each a node start: 30 s ran out on a slow day
});
