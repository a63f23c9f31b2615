import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, listen, screenshot, seriousViolations } from "../support/browser.ts";
import { draftCampaign, recipientsCsv } from "../support/campaign-fixtures.ts";
import { PASSWORD } from "../support/console-session.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let browser: Browser;
let base: string;
let secret: string;
const email = "maria@acme.example";

beforeAll(async () => {
  ctx = await createTestContext();
  base = await listen(ctx);
  browser = await launchBrowser();
  const account = await ctx.account({ name: "Acme Plumbing" });
  secret = account.secret;
  const { linkToken } = await ctx.deps.users.create(account.accountId, { email, role: "admin" });
  await ctx.deps.users.setPassword(linkToken, PASSWORD);
});
afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

async function signedIn(width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/campaigns`);
  (page as Page & { errors?: string[] }).errors = errors;
  return page;
}

// Functions run in the page, serialised on their own: each takes the page's document itself.
// biome-ignore-start lint/suspicious/noExplicitAny: the page's globals (this project has no DOM types)
const allPicturesLoaded = () =>
  [...(globalThis as any).document.images]
    .filter((i: { src: string }) => i.src.includes("/proofs/"))
    .every((i: { complete: boolean; naturalWidth: number }) => i.complete && i.naturalWidth > 0);
const dialogOpen = () => Boolean((globalThis as any).document.getElementById("enlarged").open);
const enlargedWidth = () => {
  const img = (globalThis as any).document.querySelector("dialog img");
  return img.complete ? img.naturalWidth : 0;
};
const secondCardFocused = () => {
  const d = (globalThis as any).document;
  return d.activeElement === d.querySelectorAll("a[data-enlarge]")[1];
};
// biome-ignore-end lint/suspicious/noExplicitAny: the page's globals

describe("recipients and proofs, in a real browser", () => {
  it("a CSV dropped on the drop zone is uploaded, mapped and imported; each page passes the accessibility rules", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 0 });
    const page = await signedIn(390);
    await page.goto(`${base}/campaigns/${id}/recipients`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "recipients-phone");
    const csv = recipientsCsv(4, ["Ann,Bad Zip,1 Elm Street,Springfield,IL,ABCDE,tune-up"]);
    // A drop as the browser delivers it: a DataTransfer holding the file.
    await page.evaluate((text) => {
      // biome-ignore lint/suspicious/noExplicitAny: the page's globals (no DOM types here)
      const g = globalThis as any;
      const data = new g.DataTransfer();
      data.items.add(new g.File([text], "list.csv", { type: "text/csv" }));
      const zone = g.document.querySelector("[data-dropzone]");
      zone.dispatchEvent(
        new g.DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }),
      );
    }, csv);
    await page.waitForURL(/\/recipients\/uploads\/[a-f0-9]{32}\?name=list\.csv$/);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Match the columns");
    expect(await page.getByLabel("Zip").inputValue()).toBe("postalCode");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "recipients-mapping-phone");
    await page.getByRole("button", { name: "Import recipients" }).click();
    await page.waitForURL(/\/imports\/imp_\w+$/);
    expect(await page.textContent("table")).toContain('Zip "ABCDE" is not valid');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "recipients-import-phone");
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.close();
  });

  it("the gallery's pictures load; a card opens full size in a dialog that Escape closes, focus back on the card", async () => {
    const id = await draftCampaign(ctx, secret, { recipients: 8 });
    const page = await signedIn(1280);
    await page.goto(`${base}/campaigns/${id}/proofs`);
    await expect.poll(() => page.evaluate(allPicturesLoaded), { timeout: 20_000 }).toBe(true);
    expect(await page.locator("figure.proof").count()).toBe(8);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "proofs-risky");

    const second = page.locator("a[data-enlarge]").nth(1);
    await second.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(dialogOpen)).toBe(true);
    await expect
      .poll(() => page.evaluate(enlargedWidth), { timeout: 10_000 })
      .toBeGreaterThan(1000);
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await expect.poll(() => page.evaluate(dialogOpen)).toBe(false);
    expect(await page.evaluate(secondCardFocused)).toBe(true);
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.close();
  });
});
