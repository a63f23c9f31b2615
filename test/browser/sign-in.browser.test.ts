import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, listen, screenshot, seriousViolations } from "../support/browser.ts";
import { PASSWORD } from "../support/console-session.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let browser: Browser;
let base: string;
let email: string;

beforeAll(async () => {
  ctx = await createTestContext();
  base = await listen(ctx);
  browser = await launchBrowser();
  const { accountId } = await ctx.account({ name: "Riverside Plumbing" });
  email = "owner@riverside.example";
  const { linkToken } = await ctx.deps.users.create(accountId, { email, role: "admin" });
  await ctx.deps.users.setPassword(linkToken, PASSWORD);
});
afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

describe("signing in, in a real browser", () => {
  it("the accessibility check sees a violation when there is one", async () => {
    const page = await browser.newPage();
    await page.setContent(
      '<html><body><main><img src="x.png"><button></button></main></body></html>',
    );
    const ids = (await seriousViolations(page)).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(["image-alt", "button-name"]));
    await page.close();
  });

  it("an invited person opens their one-time link, chooses a password and is signed in", async () => {
    const { accountId } = await ctx.account({ name: "Riverside Plumbing" });
    const { linkToken } = await ctx.deps.users.create(accountId, {
      email: "new@riverside.example",
    });
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await page.goto(`${base}/set-password/${linkToken}`);
    expect(await page.textContent("main")).toContain("new@riverside.example");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "set-password-phone");
    await page.getByLabel("New password").fill("a long enough passphrase");
    await page.getByLabel("The same again").fill("a different passphrase!");
    await page.getByRole("button", { name: "Save and sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("differ");
    await page.getByLabel("New password").fill("a long enough passphrase");
    await page.getByLabel("The same again").fill("a long enough passphrase");
    await page.getByRole("button", { name: "Save and sign in" }).click();
    await page.waitForURL(`${base}/campaigns`);
    await page.goto(`${base}/set-password/${linkToken}`);
    expect(await page.getByRole("alert").textContent()).toContain("has been used");
    await page.close();
  });

  it("a wrong password is refused on the page; the right one opens the campaigns", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/campaigns`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "sign-in");

    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not my password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("do not match");

    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${base}/campaigns`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Campaigns");
    expect(await page.textContent("header")).toContain("Riverside Plumbing");
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${base}/sign-in`);
    await page.close();
  });
});
