import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign } from "../../support/campaign-fixtures.ts";
import { type ConsoleUser, consoleUser } from "../../support/console-session.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let account: { accountId: string; secret: string };
let user: ConsoleUser;
let campaignId: string;

const LONG = "Maximiliana-Wilhelmina";
const TOO_LONG = "Bartholomew-Featherstonehaugh-Montgomery-Cholmondeley-Fiennes";

beforeAll(async () => {
  ctx = await createTestContext();
  account = await ctx.account({ name: "Acme Plumbing" });
  user = await consoleUser(ctx, account.accountId);
  campaignId = await draftCampaign(ctx, account.secret, {
    recipients: 12,
    extraRows: [
      `${LONG},Featherstonehaugh-Smith,9 Long Road,Springfield,IL,62701,boiler service`,
      `${TOO_LONG},Wolfeschlegelsteinhausenbergerdorff-Smith,9 Longer Road,Springfield,IL,62701,tune-up`,
    ],
  });
});
afterAll(() => ctx.close());

/** The full-size pictures the gallery's cards link to. */
const images = (html: string) =>
  [...html.matchAll(/<a href="([^"]+)" data-enlarge/g)].map((m) => m[1] as string);
const figures = (html: string) =>
  [...html.matchAll(/<figure class="proof( risky)?">([\s\S]*?)<\/figure>/g)].map((m) => ({
    risky: Boolean(m[1]),
    name: /<strong>([^<]*)<\/strong>/.exec(m[2] as string)?.[1],
    warnings: [...(m[2] as string).matchAll(/<li>([^<]*)<\/li>/g)].map((w) => w[1]),
  }));
const isPng = (bytes: Buffer) =>
  bytes.subarray(0, 8).equals(Buffer.from("\x89PNG\r\n\x1a\n", "latin1"));

/** What the gallery page's approve form carries: the state of the campaign its proofs show. */
async function seenOn(id: string): Promise<string> {
  const page = await user.get(`/campaigns/${id}/proofs`);
  const seen = /name="seen" value="([^"]*)"/.exec(page.body)?.[1];
  expect(seen).toMatch(/^[\d.]+$/);
  return seen as string;
}

/** Approves as a person does: opens the gallery, ticks the box, sends the form. */
async function approve(id: string) {
  return user.post(`/campaigns/${id}/proofs/approve`, { checked: "on", seen: await seenOn(id) });
}

async function patchCampaign(id: string, payload: Record<string, unknown>) {
  const res = await ctx.app.inject({
    method: "PATCH",
    url: `/v1/campaigns/${id}`,
    headers: bearer(account.secret),
    payload,
  });
  expect(res.statusCode).toBe(200);
}

describe("console: proofs of a campaign", () => {
  it("the gallery shows the first six cards and a risky one (a very long name) with its warning as text", async () => {
    const page = await user.get(`/campaigns/${campaignId}/proofs`);
    expect(page.statusCode).toBe(200);
    const shown = figures(page.body);
    expect(shown.length).toBeGreaterThan(6);
    expect(shown.length).toBeLessThanOrEqual(12);
    expect(shown.slice(0, 6).every((f) => !f.risky)).toBe(true);
    expect(shown[0]?.name).toBe("Zoë Ångström 0");
    const long = shown.find((f) => f.name?.startsWith(LONG));
    expect(long?.risky).toBe(true);
    expect(long?.warnings.join(" ")).toMatch(/The name (is set smaller|runs over)/);
    // A name that cannot fit at all comes first among the risky ones, with what is wrong.
    expect(shown[6]?.name).toMatch(new RegExp(`^${TOO_LONG}`));
    expect(page.body).toContain("1 of these cards cannot be printed");
    expect(page.body).toMatch(/<p class="alert">the name &quot;Bartholomew[^<]*does not fit/);
    // Each picture is a link to itself (without JS it opens the PNG) and the dialog is there.
    expect(page.body).toMatch(
      /<a href="([^"]+)" data-enlarge[^>]*>\s*<img src="\1\?size&#x3D;thumbnail"/,
    );
    expect(page.body).toContain('<dialog id="enlarged"');
    expect(page.body).toContain("proofs-gallery.js");
    expect(page.body).not.toMatch(/\son\w+="/);
  });

  it("a proof picture is a PNG of both sides, the same bytes from the cache, and a new picture when the message changes", async () => {
    const page = await user.get(`/campaigns/${campaignId}/proofs`);
    const src = images(page.body)[1] as string;
    const first = await user.get(src);
    expect(first.statusCode).toBe(200);
    expect(first.headers["content-type"]).toBe("image/png");
    expect(isPng(first.rawPayload)).toBe(true);
    // Both sides side by side: wider than tall for a portrait 5x7 card.
    const width = first.rawPayload.readUInt32BE(16);
    const height = first.rawPayload.readUInt32BE(20);
    expect(width).toBeGreaterThan(height);
    // The gallery's thumbnail: the same card, a quarter of the pixels.
    const thumbnail = await user.get(`${src}?size=thumbnail`);
    expect(isPng(thumbnail.rawPayload)).toBe(true);
    expect(thumbnail.rawPayload.readUInt32BE(16)).toBeLessThan(width * 0.6);
    const again = await user.get(src);
    expect(again.headers["x-proof-cache"]).toBe("hit");
    expect(again.rawPayload.equals(first.rawPayload)).toBe(true);

    await patchCampaign(campaignId, {
      message: "Hello {{firstName}}, thanks again for the {{lastPurchase}}! See you in spring.",
    });
    const changed = await user.get(src);
    expect(changed.statusCode).toBe(200);
    expect(changed.headers["x-proof-cache"]).toBe("miss");
    expect(isPng(changed.rawPayload)).toBe(true);
    expect(changed.rawPayload.equals(first.rawPayload)).toBe(false);
    // The API's picture of the same card is the same picture.
    const rid = /proofs\/([^/]+)\/picture\.png/.exec(src)?.[1];
    const api = await ctx.app.inject({
      url: `/v1/campaigns/${campaignId}/recipients/${rid}/proof.png`,
      headers: bearer(account.secret),
    });
    expect(api.rawPayload.equals(changed.rawPayload)).toBe(true);
  });

  it("submit is refused until the proofs are approved; approving then submitting sends the campaign", async () => {
    const id = await draftCampaign(ctx, account.secret, { recipients: 3 });
    const early = await user.post(`/campaigns/${id}/proofs/submit`, { when: "now" });
    expect(early.statusCode).toBe(409);
    expect(early.body).toContain("Check the proofs first");
    expect((await ctx.deps.campaigns.get(account.accountId, id)).status).toBe("draft");

    const unticked = await user.post(`/campaigns/${id}/proofs/approve`, {});
    expect(unticked.statusCode).toBe(400);
    expect(unticked.body).toContain("Tick “I have checked these proofs”");

    const approved = await approve(id);
    expect(approved.statusCode).toBe(303);
    const page = await user.get(`/campaigns/${id}/proofs`);
    expect(page.body).toContain("Proofs approved by you");
    const row = await ctx.deps.campaigns.get(account.accountId, id);
    expect(row.proofs_approved_at).toBeInstanceOf(Date);

    // A schedule in the past or not a time is refused, and nothing is sent.
    for (const send_at of ["2001-01-01T10:00", "tomorrow", "2026-13-45T99:99", "x".repeat(5000)]) {
      const res = await user.post(`/campaigns/${id}/proofs/submit`, { when: "later", send_at });
      expect(res.statusCode, send_at).toBe(400);
    }
    const sent = await user.post(`/campaigns/${id}/proofs/submit`, { when: "now" });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`/campaigns/${id}`);
    expect(["rendering", "scheduled"]).toContain(
      (await ctx.deps.campaigns.get(account.accountId, id)).status,
    );
  });

  it("a scheduled submit keeps its time; a change to the design or the recipients clears the approval", async () => {
    const id = await draftCampaign(ctx, account.secret, { recipients: 2 });
    const approvedAt = async () =>
      (await ctx.deps.campaigns.get(account.accountId, id)).proofs_approved_at ?? null;

    await approve(id);
    // Metadata is on no card: the approval stays.
    await patchCampaign(id, { metadata: { ref: "spring" } });
    expect(await approvedAt()).not.toBeNull();
    await patchCampaign(id, { message: "Hi {{firstName}}, thank you for your {{lastPurchase}}." });
    expect(await approvedAt()).toBeNull();
    const refused = await user.post(`/campaigns/${id}/proofs/submit`, { when: "now" });
    expect(refused.statusCode).toBe(409);

    await approve(id);
    const imported = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/recipients`,
      headers: { ...bearer(account.secret), "content-type": "text/csv" },
      payload:
        "First Name,Last Name,Street,City,State,Zip,Last Purchase\r\nNew,Person,5 Oak St,Springfield,IL,62701,tune-up",
    });
    expect(imported.statusCode).toBe(201);
    expect(await approvedAt()).toBeNull();

    await approve(id);
    const at = new Date(Date.now() + 3 * 86_400_000);
    const send_at = at.toISOString().slice(0, 16);
    const sent = await user.post(`/campaigns/${id}/proofs/submit`, { when: "later", send_at });
    expect(sent.statusCode).toBe(303);
    const row = await ctx.deps.campaigns.get(account.accountId, id);
    expect(row.status).toBe("scheduled");
    expect(row.send_at?.toISOString().slice(0, 16)).toBe(send_at);
    // Submitted: it cannot be approved again (not a draft).
    const seen = await ctx.deps.campaigns.proofsFingerprint(account.accountId, id);
    const late = await user.post(`/campaigns/${id}/proofs/approve`, { checked: "on", seen });
    expect(late.statusCode).toBe(409);
  });

  it("proofs seen before a change cannot be approved: the page asks to look again", async () => {
    const id = await draftCampaign(ctx, account.secret, { recipients: 2 });
    const seen = await seenOn(id);
    const imported = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/recipients`,
      headers: { ...bearer(account.secret), "content-type": "text/csv" },
      payload:
        "First Name,Last Name,Street,City,State,Zip,Last Purchase\r\nLate,Comer,7 Oak St,Springfield,IL,62701,tune-up",
    });
    expect(imported.statusCode).toBe(201);
    for (const stale of [seen, "", "1.2.3.4", "x".repeat(10_000)]) {
      const res = await user.post(`/campaigns/${id}/proofs/approve`, {
        checked: "on",
        seen: stale,
      });
      expect(res.statusCode).toBe(409);
      expect(res.body).toContain("changed while you were checking");
    }
    expect(
      (await ctx.deps.campaigns.get(account.accountId, id)).proofs_approved_at ?? null,
    ).toBeNull();
    expect((await approve(id)).statusCode).toBe(303);
  });

  it("another account's campaign or recipient is 404 everywhere; ids that are paths are 404", async () => {
    const other = await ctx.account({ name: "Other Co" });
    const theirs = await draftCampaign(ctx, other.secret, { recipients: 2 });
    const theirRid = (await ctx.deps.recipients.list(other.accountId, theirs, { limit: 1 }))[0]?.id;
    const mine = (await ctx.deps.recipients.list(account.accountId, campaignId, { limit: 1 }))[0]
      ?.id;
    for (const url of [
      `/campaigns/${theirs}/proofs`,
      `/campaigns/${theirs}/proofs/${theirRid}/picture.png`,
      `/campaigns/${campaignId}/proofs/${theirRid}/picture.png`,
      `/campaigns/${theirs}/proofs/${mine}/picture.png`,
      `/campaigns/${campaignId}/proofs/..%2F..%2F${mine}/picture.png`,
      "/campaigns/..%2F..%2Fetc%2Fpasswd/proofs",
    ]) {
      const res = await user.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers["content-type"]).toMatch(/text\/html/);
    }
    expect(
      (await user.post(`/campaigns/${theirs}/proofs/approve`, { checked: "on" })).statusCode,
    ).toBe(404);
    expect(
      (await user.post(`/campaigns/${theirs}/proofs/submit`, { when: "now" })).statusCode,
    ).toBe(404);
    const row = await ctx.deps.campaigns.get(other.accountId, theirs);
    expect(row.status).toBe("draft");
    expect(row.proofs_approved_at ?? null).toBeNull();
  });

  it("approve and submit without the CSRF token are refused (403) and change nothing", async () => {
    const id = await draftCampaign(ctx, account.secret, { recipients: 1 });
    for (const [path, fields] of [
      ["approve", { checked: "on" }],
      ["submit", { when: "now" }],
    ] as const) {
      const res = await ctx.app.inject({
        method: "POST",
        url: `/campaigns/${id}/proofs/${path}`,
        headers: { cookie: user.cookie, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(fields).toString(),
      });
      expect(res.statusCode).toBe(403);
    }
    const row = await ctx.deps.campaigns.get(account.accountId, id);
    expect(row.status).toBe("draft");
    expect(row.proofs_approved_at ?? null).toBeNull();
  });
});
