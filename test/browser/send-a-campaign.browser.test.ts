/**
 * The console from a newcomer's chair, in Debian's chromium: sign in, make the sample campaign,
 * upload its CSV (one column the importer cannot guess, two rows to fix), fix the mapping, look at
 * a proof, approve, submit, watch the progress reach ready, download the batch ZIP. Real workers
 * render it. Every page passes axe-core's A/AA rules with no serious or critical violation and
 * says how long the server took (Server-Timing; npm run bench:console holds it to 100 ms).
 */
import { readFileSync } from "node:fs";
import type { Browser, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcessors } from "../../workers/processors/index.ts";
import { launchBrowser, listen, screenshot, seriousViolations } from "../support/browser.ts";
import { PASSWORD } from "../support/console-session.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let browser: Browser;
let processors: Awaited<ReturnType<typeof startProcessors>>;
let base: string;
const OWNER = "maria@acme-plumbing.example";
const STRANGER = "sam@other-business.example";

const sample = JSON.parse(readFileSync("examples/campaign.json", "utf8"));
/**
 * The sample recipients with "Last Purchase" under a header no export uses, and two rows to fix:
 * one with no street or city, one whose ZIP is not a ZIP.
 */
const CSV = `${readFileSync("examples/recipients.csv", "utf8")
  .replace("Last Purchase", "Job we did")
  .trimEnd()}\nNo,Address,,,,,,US,a leak,\nAnn,Lee,1 Main Street,,Boston,MA,ABCDE,US,a boiler,\n`;

/** Server time of every page the test opened, by path. */
const pageTimes = new Map<string, number>();
/** Pictures, scripts, styles and icons a page asked for and did not get. */
const brokenResources: string[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ BATCH_SIZE: "500" });
  processors = await startProcessors(ctx.deps);
  base = await listen(ctx);
  browser = await launchBrowser();
  const acme = await ctx.account({ name: "Acme Plumbing & Heating" });
  const other = await ctx.account({ name: "Other Business" });
  for (const [accountId, email] of [
    [acme.accountId, OWNER],
    [other.accountId, STRANGER],
  ] as const) {
    const { linkToken } = await ctx.deps.users.create(accountId, { email, role: "admin" });
    await ctx.deps.users.setPassword(linkToken, PASSWORD);
  }
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await processors?.close();
  await ctx?.close();
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("response", (res: Response) => {
    const kind = res.request().resourceType();
    if (res.status() >= 400 && kind !== "document" && kind !== "fetch")
      brokenResources.push(`${res.status()} ${kind} ${res.url()}`);
    const timing = res.headers()["server-timing"];
    const type = res.headers()["content-type"] ?? "";
    const dur = timing && /app;dur=([\d.]+)/.exec(timing)?.[1];
    if (dur && type.startsWith("text/html"))
      pageTimes.set(new URL(res.url()).pathname, Number(dur));
  });
  return page;
}

async function signIn(page: Page, email: string) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/campaigns`);
}

/** axe's verdict on the page as it stands, and (with CONSOLE_SCREENSHOTS) its picture. */
async function looked(page: Page, name: string) {
  // Pictures first (designs, photos, proofs): the page as a person sees it once it has loaded
  // (a picture not shown, as in a closed dialog, is not waited for).
  await page.waitForFunction(
    () =>
      // biome-ignore lint/suspicious/noExplicitAny: the page's own globals (no DOM types here)
      [...(globalThis as any).document.images].every(
        (img: { complete: boolean; naturalWidth: number; offsetParent: unknown }) =>
          img.offsetParent === null || (img.complete && img.naturalWidth > 0),
      ),
    undefined,
    { timeout: 30_000 },
  );
  expect(
    await seriousViolations(page),
    `${name}: serious or critical accessibility violations`,
  ).toEqual([]);
  await screenshot(page, name);
}

describe("sending the sample campaign from the browser alone", () => {
  let campaignUrl = "";

  it("signs in, makes the campaign, imports its recipients, proofs, submits and downloads the batch", async () => {
    const page = await newPage();
    await signIn(page, OWNER);
    await looked(page, "campaigns-empty");

    // 1. The campaign: the thank-you design, the sample's message and sender, the sample photo.
    await page.getByRole("link", { name: "New campaign" }).click();
    await page.getByLabel("Campaign name").fill(sample.name);
    await page.getByLabel("Thank you", { exact: true }).check();
    await page.locator('input[name="template"][value="thank-you"]').check();
    await page.locator('input[name="format"][value="card_5x7"]').check();
    await page.getByLabel("Your own variables").fill(sample.merge_fields.join(", "));
    await page.locator("#message").fill(sample.message);
    await page.locator("#photo").setInputFiles("examples/photo.jpg");
    await expect
      .poll(() => page.locator("#photo-verdict").textContent(), { timeout: 20_000 })
      .toMatch(/\S/);
    const s = sample.sender;
    await page.locator('input[name="business_name"]').fill(s.business_name);
    await page.locator('input[name="signature"]').fill(s.signature);
    await page.getByText("Return address (optional)").click();
    await page.locator('input[name="return_line1"]').fill(s.return_address.line1);
    await page.locator('input[name="return_city"]').fill(s.return_address.city);
    await page.locator('input[name="return_region"]').fill(s.return_address.region);
    await page.locator('input[name="return_postal_code"]').fill(s.return_address.postal_code);
    await page.locator('input[name="return_country"]').fill(s.return_address.country);
    await looked(page, "campaign-new");
    await page.getByRole("button", { name: "Create the campaign" }).click();
    await page.waitForURL(/\/campaigns\/cmp_\w+\?created=1$/);
    campaignUrl = page.url().split("?")[0] as string;
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(sample.name);

    // 2. Recipients: drop the CSV, fix the one column it could not guess, import.
    await page
      .getByRole("link", { name: /^Recipients/ })
      .first()
      .click();
    await page.locator("#csv-file").setInputFiles({
      name: "customers.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(CSV),
    });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("heading", { name: "Match the columns" }).waitFor();
    await looked(page, "recipients-mapping");
    const jobColumn = page.getByLabel("Job we did");
    await jobColumn.selectOption({ value: "custom:lastPurchase" });
    await page.getByRole("button", { name: "Import recipients" }).click();
    await page.getByRole("heading", { name: /^Import of/ }).waitFor();
    const errors = page.locator("table").filter({ hasText: "ABCDE" });
    // Two rows to fix (a row may have several fields wrong: one line each), named by their row.
    await errors.waitFor();
    const rowsToFix = new Set(
      (
        await errors.locator("tbody tr td:first-child, tbody tr th:first-child").allTextContents()
      ).map((t) => t.trim()),
    );
    expect([...rowsToFix].sort()).toEqual(["32", "33"]);
    expect(await page.textContent("main")).toContain("30");
    const failures = page.getByRole("link", { name: "Download the failures CSV" }).first();
    expect(await failures.getAttribute("href")).toMatch(/failures\.csv$/);
    await looked(page, "recipients-import");

    // 3. Proofs: the gallery, one card full size, approve, submit now.
    await page.getByRole("link", { name: "Check the proofs" }).first().click();
    await page.getByRole("heading", { name: "Check the proofs" }).waitFor();
    const firstProof = page.locator("[data-enlarge] img").first();
    await expect
      .poll(() => firstProof.evaluate((img: { naturalWidth: number }) => img.naturalWidth), {
        timeout: 30_000,
      })
      .toBeGreaterThan(100);
    await looked(page, "proofs");
    await page.locator("[data-enlarge]").first().click();
    const dialog = page.locator("dialog[open]");
    await dialog.waitFor();
    await screenshot(page, "proof-enlarged");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" }).catch(() => dialog.waitFor({ state: "hidden" }));
    await page.getByLabel(/I have checked these proofs/).check();
    await page.getByRole("button", { name: "Approve the proofs" }).click();
    await page.getByRole("button", { name: "Submit the campaign" }).click();
    await page.waitForURL(campaignUrl);

    // 4. Progress, live, until ready; then the batch ZIP.
    await expect
      .poll(() => page.locator("#campaign-status").textContent(), {
        timeout: 120_000,
        interval: 500,
      })
      .toBe("ready");
    const zipLink = page.getByRole("link", { name: "ZIP", exact: true }).first();
    await zipLink.waitFor();
    await looked(page, "campaign-ready");
    const [download] = await Promise.all([page.waitForEvent("download"), zipLink.click()]);
    const path = await download.path();
    expect(readFileSync(path).subarray(0, 4)).toEqual(Buffer.from("PK\x03\x04", "latin1"));

    await page.goto(`${base}/campaigns`);
    await looked(page, "campaigns");
    await page.close();
  }, 240_000);

  it("another account's person gets the 404 page for this campaign", async () => {
    const page = await newPage();
    await signIn(page, STRANGER);
    const res = await page.goto(campaignUrl);
    expect(res?.status()).toBe(404);
    expect(await page.textContent("main")).toContain("another account");
    expect(await page.textContent("main")).not.toContain(sample.name);
    await looked(page, "not-found");
    await page.close();
  });

  it("a form posted without its CSRF token is refused (403) and changes nothing", async () => {
    const page = await newPage();
    await signIn(page, OWNER);
    const status = await page.evaluate(async (url: string) => {
      const res = await fetch(`${url}/delete`, {
        method: "POST",
        body: new URLSearchParams({ confirm: "yes" }),
      });
      return res.status;
    }, campaignUrl);
    expect(status).toBe(403);
    expect((await page.goto(campaignUrl))?.status()).toBe(200);
    await page.close();
  });

  it("no page missed a picture, script, stylesheet or icon it asked for", () => {
    expect(brokenResources).toEqual([]);
  });

  // How long (npm run bench:console prints it against its 100 ms target; a test on a busy
  // machine would only time the machine): every page says, in its Server-Timing header.
  it("every page it opened says how long the server took (Server-Timing)", () => {
    expect(pageTimes.size).toBeGreaterThan(5);
    for (const [path, ms] of pageTimes) expect(Number.isFinite(ms) && ms > 0, path).toBe(true);
  });
});
