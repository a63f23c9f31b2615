/**
 * A campaign's console page with real workers: its progress while it renders (progress.json), its
 * batches and their downloads (the same bytes as the API's), failed cards with their reasons,
 * deleting a draft, and nothing of another account's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { type ConsoleUser, consoleUser } from "../../support/console-session.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let account: { accountId: string; secret: string };
let other: { accountId: string; secret: string };
let user: ConsoleUser;
let readyId: string;
let batchId: string;

const api = (url: string, secret = account.secret) =>
  ctx.app.inject({ url, headers: bearer(secret) });

beforeAll(async () => {
  ctx = await createTestContext();
  account = await ctx.account({ name: "Acme Plumbing" });
  other = await ctx.account({ name: "Other Co" });
  user = await consoleUser(ctx, account.accountId);
  readyId = await draftCampaign(ctx, account.secret, { recipients: 6 });
  // Submitted with no worker running: the campaign sits in rendering, its cards pending.
  const submitted = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${readyId}/submit`,
    headers: bearer(account.secret),
    payload: {},
  });
  if (submitted.statusCode !== 200) throw new Error(submitted.body);
}, 60_000);
afterAll(() => ctx.close());

describe("campaign page", () => {
  it("shows live progress while cards render, then its batches with downloads and vendor acknowledgements", async () => {
    const rendering = await user.get(`/campaigns/${readyId}/progress.json`);
    expect(rendering.statusCode).toBe(200);
    expect(rendering.headers["cache-control"]).toBe("no-store");
    expect(rendering.json()).toMatchObject({
      status: "rendering",
      total: 6,
      done: 0,
      pending: 6,
      percent: 0,
      moving: true,
    });
    const page = await user.get(`/campaigns/${readyId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-moving="1"');
    expect(page.body).toMatch(/campaign-progress\.js/);
    expect(page.body).toContain(`href="/campaigns/${readyId}">refresh</a>`);
    expect(page.body).toContain("Thank you");
    expect(page.body).toContain("Flat card 5 x 7 in");
    expect(page.body).toContain("<dd>Golden Thanks</dd>");
    expect(page.body).toContain("Acme Plumbing, signed “Maria”");

    const processors = await startProcessors(ctx.deps);
    try {
      await waitForCampaign(ctx, account.secret, readyId, (c) => c.status === "ready", 90_000);
    } finally {
      await processors.close();
    }
    const ready = (await user.get(`/campaigns/${readyId}/progress.json`)).json();
    expect(ready).toMatchObject({ status: "ready", total: 6, done: 6, rendered: 6, percent: 100 });
    expect(ready.moving).toBe(false);
    expect(ready.batches).toBeGreaterThan(0);

    const shown = await user.get(`/campaigns/${readyId}`);
    expect(shown.body).not.toContain('data-moving="1"');
    const batch = (await api(`/v1/campaigns/${readyId}`)).json().batches[0];
    batchId = batch.id;
    for (const file of ["zip", "pdf", "manifest.csv"])
      expect(shown.body).toContain(`href="/campaigns/${readyId}/batches/${batchId}/${file}"`);
    expect(shown.body).toContain("Flat card 5 x 7 in #1");
    expect(shown.body).toContain("Not picked up yet");
  }, 100_000);

  it("the batch ZIP downloads through the console byte for byte as the API serves it", async () => {
    const zip = await user.get(`/campaigns/${readyId}/batches/${batchId}/zip`);
    expect(zip.statusCode).toBe(200);
    expect(zip.headers["content-type"]).toBe("application/zip");
    expect(zip.headers["content-disposition"]).toMatch(/^attachment; filename=".+\.zip"$/);
    expect(zip.rawPayload.subarray(0, 4).toString("latin1")).toBe("PK\x03\x04");
    const pdf = await user.get(`/campaigns/${readyId}/batches/${batchId}/pdf`);
    expect(pdf.rawPayload.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const manifest = await user.get(`/campaigns/${readyId}/batches/${batchId}/manifest.csv`);
    expect(manifest.headers["content-type"]).toMatch(/^text\/csv/);

    // The vendor downloads through the API: the same bytes, and the page shows the acknowledgement.
    const fromApi = await api(`/v1/batches/${batchId}/zip`);
    expect(fromApi.statusCode).toBe(200);
    expect(Buffer.compare(zip.rawPayload, fromApi.rawPayload)).toBe(0);
    const mailed = await ctx.app.inject({
      method: "POST",
      url: `/v1/batches/${batchId}/acknowledge`,
      headers: bearer(account.secret),
      payload: { status: "mailed" },
    });
    expect(mailed.statusCode).toBe(200);
    const page = await user.get(`/campaigns/${readyId}`);
    expect(page.body).toMatch(/Mailed [A-Z][a-z]{2} \d/);
    expect(page.body).toMatch(/Downloaded [A-Z][a-z]{2} \d/);
    expect(page.body).not.toContain("Not picked up yet");
  });

  it("another account's campaign, its batch or ids with ../ answer the console's 404 page", async () => {
    const theirs = await draftCampaign(ctx, other.secret, { recipients: 1 });
    const stranger = await consoleUser(ctx, other.accountId);
    for (const url of [
      `/campaigns/${theirs}`,
      `/campaigns/${theirs}/progress.json`,
      `/campaigns/cmp_doesnotexist`,
      `/campaigns/..%2F..%2Fetc%2Fpasswd`,
      `/campaigns/${readyId}/batches/..%2F${batchId}/zip`,
      `/campaigns/${theirs}/batches/${batchId}/zip`,
      `/campaigns/${readyId}/batches/bat_doesnotexist/zip`,
    ]) {
      const res = await user.get(url);
      expect(res.statusCode, url).toBe(404);
      if (!url.endsWith(".json")) expect(res.body, url).toContain("belongs to another account");
    }
    // Signed in to the other account, this account's campaign and batch are as absent.
    expect((await stranger.get(`/campaigns/${readyId}`)).statusCode).toBe(404);
    expect((await stranger.get(`/campaigns/${readyId}/batches/${batchId}/zip`)).statusCode).toBe(
      404,
    );
    // Deleting another account's draft is a 404 too, and it stays.
    expect((await user.post(`/campaigns/${theirs}/delete`)).statusCode).toBe(404);
    expect((await api(`/v1/campaigns/${theirs}`, other.secret)).statusCode).toBe(200);
  });

  it("cards that failed are listed with their reasons", async () => {
    // A message that cannot fit the card for one recipient: that card fails with its reason.
    const story = "and then ".repeat(110).trim();
    const id = await draftCampaign(ctx, account.secret, {
      recipients: 1,
      message:
        "Dear {{firstName}}, thank you for your {{lastPurchase}}. We loved your {{lastPurchase}}; may your {{lastPurchase}} serve you well.",
      extraRows: [`Verbose,Vic,2 Long Road,Springfield,IL,62702,"${story}"`],
    });
    const processors = await startProcessors(ctx.deps);
    try {
      await ctx.app.inject({
        method: "POST",
        url: `/v1/campaigns/${id}/submit`,
        headers: bearer(account.secret),
        payload: {},
      });
      await waitForCampaign(ctx, account.secret, id, (c) => c.status === "ready", 90_000);
    } finally {
      await processors.close();
    }
    const cards = (await api(`/v1/campaigns/${id}/cards?status=failed`)).json().data;
    expect(cards).toHaveLength(1);
    const page = await user.get(`/campaigns/${id}`);
    expect(page.body).toContain("Cards that failed (1)");
    expect(page.body).toContain("Verbose Vic");
    expect(page.body).toContain(`<code>${cards[0].failure_reason}</code>`);
    expect(page.body).toContain(cards[0].failure_detail.replaceAll("'", "&#x27;").slice(0, 40));
  }, 100_000);

  it("a draft is deleted after confirming, with its CSRF token; a submitted one is kept", async () => {
    const id = await draftCampaign(ctx, account.secret, { recipients: 2 });
    const page = await user.get(`/campaigns/${id}`);
    expect(page.body).toContain(`action="/campaigns/${id}/delete"`);
    const refused = await ctx.app.inject({
      method: "POST",
      url: `/campaigns/${id}/delete`,
      headers: { cookie: user.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    expect(refused.statusCode).toBe(403);
    expect((await api(`/v1/campaigns/${id}`)).statusCode).toBe(200);

    const deleted = await user.post(`/campaigns/${id}/delete`);
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe("/campaigns?deleted=Autumn%20thank-yous");
    expect((await api(`/v1/campaigns/${id}`)).statusCode).toBe(404);
    expect((await user.get(String(deleted.headers.location))).body).toContain(
      "“Autumn thank-yous” was deleted.",
    );

    const kept = await user.post(`/campaigns/${readyId}/delete`);
    expect(kept.statusCode).toBe(409);
    expect(kept.body).toContain("cancel it before deleting");
    expect((await api(`/v1/campaigns/${readyId}`)).statusCode).toBe(200);
  });

  it("the list filters by status", async () => {
    const ready = await user.get("/campaigns?status=ready");
    expect(ready.body).toContain(`href="/campaigns/${readyId}"`);
    const drafts = await user.get("/campaigns?status=draft");
    expect(drafts.body).not.toContain(`href="/campaigns/${readyId}"`);
    // An unknown status, or one sent twice, shows them all rather than failing.
    for (const q of [
      "status=nonsense",
      "status=ready&status=draft",
      `status=${"x".repeat(5000)}`,
    ]) {
      const res = await user.get(`/campaigns?${q}`);
      expect(res.statusCode, q).toBe(200);
      expect(res.body).toContain(`href="/campaigns/${readyId}"`);
    }
  });
});
