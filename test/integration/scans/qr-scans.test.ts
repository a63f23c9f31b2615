import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../../../src/db/transaction.ts";
import { findAutomation } from "../../../src/modules/automations/automations.repository.ts";
import { dayCampaign } from "../../../src/modules/automations/daily-run.repository.ts";
import { cardInput } from "../../../src/modules/cards/card-input.ts";
import { renderCard } from "../../../src/render/index.ts";
import { startProcessors } from "../../../workers/processors/index.ts";
import { BIRTHDAY } from "../../support/automation-fixtures.ts";
import { recipientsCsv, submitUntilReady } from "../../support/campaign-fixtures.ts";
import { decodeQrs } from "../../support/qr-decode.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

const PUBLIC_URL = "https://cards.example.test";
const LANDING = "https://shop.example.com/thanks?ref=card#top";
const SCAN_LIMIT = 12;

let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;
let business: string;
let stranger: string;
let dir: string;
let campaignId: string;
type Card = { id: string; qr_url: string; pdf_sha256: string; data: unknown; photo_id: null };
let cards: Card[];

const campaignBody = (extra: Record<string, unknown>) => ({
  name: "Spring thank-yous",
  occasion: "thank_you",
  template: "thank-you",
  format: "postcard_4x6",
  message: "Dear {{firstName}}, thank you for your {{lastPurchase}}.",
  merge_fields: ["lastPurchase"],
  sender: { business_name: "Acme Plumbing", signature: "Maria" },
  ...extra,
});

async function createCampaign(secret: string, extra: Record<string, unknown>) {
  return ctx.app.inject({
    method: "POST",
    url: "/v1/campaigns",
    headers: bearer(secret),
    payload: campaignBody(extra),
  });
}

const scan = (token: string, headers: Record<string, string> = {}, from = "203.0.113.9") =>
  ctx.app.inject({ url: `/q/${token}`, headers, remoteAddress: from });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-scans-"));
  ctx = await createTestContext({
    STORAGE_DIR: dir,
    PUBLIC_URL: `${PUBLIC_URL}/`,
    SCAN_RATE_LIMIT_MAX: String(SCAN_LIMIT),
  });
  processors = await startProcessors(ctx.deps);
  business = (await ctx.account()).secret;
  stranger = (await ctx.account({ name: "Other" })).secret;
  const created = await createCampaign(business, {
    landing_url: LANDING,
    metadata: { utm_content: "postcard-a" },
  });
  expect(created.statusCode, created.body).toBe(201);
  campaignId = created.json().id;
  const imported = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${campaignId}/recipients`,
    headers: { ...bearer(business), "content-type": "text/csv" },
    payload: recipientsCsv(3),
  });
  expect(imported.statusCode, imported.body).toBe(201);
  await submitUntilReady(ctx, business, campaignId, 120_000);
  cards = (
    await ctx.deps.pool.query<Card>("SELECT * FROM cards WHERE campaign_id = $1 ORDER BY seq", [
      campaignId,
    ])
  ).rows;
}, 180_000);

afterAll(async () => {
  await processors?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("landing URLs", () => {
  it("refuses anything but a plain http(s) URL, on campaigns and automations", async () => {
    const bad = [
      "javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "ftp://files.example.com/x",
      "https://user:secret@shop.example.com/",
      "https://shop.example.com/\r\nSet-Cookie: a=b",
      "https://shop.example.com/a b",
      "//evil.example.com/",
      "/thanks",
      "https://",
      `https://shop.example.com/${"a".repeat(2000)}`,
    ];
    for (const landing_url of bad) {
      const res = await createCampaign(business, { landing_url });
      expect(res.statusCode, landing_url).toBe(400);
      expect(JSON.stringify(res.json())).toContain("landing_url");
      const auto = await ctx.app.inject({
        method: "POST",
        url: "/v1/automations",
        headers: bearer(business),
        payload: { ...BIRTHDAY, landing_url },
      });
      expect(auto.statusCode, landing_url).toBe(400);
    }
  });

  it("keeps an automation's, and gives it to each of its days' campaigns", async () => {
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/automations",
      headers: bearer(business),
      payload: { ...BIRTHDAY, landing_url: "https://shop.example.com/birthday" },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().landing_url).toBe("https://shop.example.com/birthday");
    const account = (
      await ctx.app.inject({ url: "/v1/account", headers: bearer(business) })
    ).json();
    const row = await findAutomation(ctx.deps.pool, account.id, res.json().id);
    const day = await withTransaction(ctx.deps.pool, (tx) =>
      dayCampaign(tx, row as NonNullable<typeof row>, {
        id: "cmp_scanday1",
        date: "2027-03-01",
        mergeFields: [],
      }),
    );
    const got = await ctx.app.inject({ url: `/v1/campaigns/${day.id}`, headers: bearer(business) });
    expect(got.json().landing_url).toBe("https://shop.example.com/birthday");
  });
});

describe("each card's short URL", () => {
  it("is random (128 bits), derived from nothing, fixed on the card, and on PUBLIC_URL", () => {
    expect(cards).toHaveLength(3);
    const tokens = cards.map((c) => {
      const m = /^https:\/\/cards\.example\.test\/q\/([A-Za-z0-9_-]{22})$/.exec(c.qr_url);
      expect(m, c.qr_url).not.toBeNull();
      return m?.[1] as string;
    });
    expect(new Set(tokens).size).toBe(3);
    for (const [i, t] of tokens.entries()) {
      expect(Buffer.from(t, "base64url")).toHaveLength(16);
      expect(t).not.toContain((cards[i] as Card).id.slice(5, 15));
    }
  });

  it("is shown on each card in the API, so a business can test it or print it elsewhere", async () => {
    const res = await ctx.app.inject({
      url: `/v1/campaigns/${campaignId}/cards`,
      headers: bearer(business),
    });
    expect(res.statusCode, res.body).toBe(200);
    const listed = res.json().data as Array<{ id: string; qr_url: string | null }>;
    expect(Object.fromEntries(listed.map((c) => [c.id, c.qr_url]))).toEqual(
      Object.fromEntries(cards.map((c) => [c.id, c.qr_url])),
    );
  });

  it("is the QR code zbarimg reads on the card, and the card re-renders byte for byte", async () => {
    const campaign = (
      await ctx.deps.pool.query("SELECT * FROM campaigns WHERE id = $1", [campaignId])
    ).rows[0];
    for (const card of cards) {
      const res = await ctx.app.inject({
        url: `/v1/campaigns/${campaignId}/cards/${card.id}.pdf`,
        headers: bearer(business),
      });
      expect(res.statusCode).toBe(200);
      const file = path.join(dir, `${card.id}.pdf`);
      await writeFile(file, res.rawPayload);
      expect(await decodeQrs(file, 2)).toEqual([card.qr_url]);
      const deps = { templates: ctx.deps.templates, photos: async () => undefined };
      const again = await renderCard(await cardInput(deps, campaign, card as never));
      // The card as downloaded (put back together from its stored parts) is the fresh render.
      expect(again.pdf.equals(res.rawPayload)).toBe(true);
    }
  }, 60_000);

  it("shows on a draft's proof as a sample of the same size that leads nowhere", async () => {
    const created = await createCampaign(business, { landing_url: LANDING });
    const id = created.json().id;
    await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/recipients`,
      headers: { ...bearer(business), "content-type": "text/csv" },
      payload: recipientsCsv(1),
    });
    const list = await ctx.app.inject({
      url: `/v1/campaigns/${id}/recipients?limit=1`,
      headers: bearer(business),
    });
    const rid = list.json().data[0].id;
    const proof = await ctx.app.inject({
      url: `/v1/campaigns/${id}/recipients/${rid}/proof.pdf`,
      headers: bearer(business),
    });
    expect(proof.statusCode).toBe(200);
    const file = path.join(dir, "proof.pdf");
    await writeFile(file, proof.rawPayload);
    const [sample] = await decodeQrs(file, 2);
    expect(sample).toMatch(/^https:\/\/cards\.example\.test\/q\/[A-Za-z0-9_-]{22}$/);
    expect(sample?.length).toBe((cards[0] as Card).qr_url.length);
    expect((await scan((sample as string).split("/q/")[1] as string)).statusCode).toBe(404);
  }, 60_000);

  it("is on the imposed sheet too", async () => {
    const batch = (await ctx.app.inject({ url: "/v1/batches", headers: bearer(business) })).json()
      .data[0];
    const res = await ctx.app.inject({
      url: `/v1/batches/${batch.id}/imposed.pdf?sheet=12x18`,
      headers: bearer(business),
    });
    const file = path.join(dir, "imposed.pdf");
    await writeFile(file, res.rawPayload);
    expect((await decodeQrs(file, 2)).sort()).toEqual(cards.map((c) => c.qr_url).sort());
  }, 60_000);
});

describe("GET /q/:token", () => {
  it("redirects to the landing URL with the campaign's UTM tags, records the scan and counts it", async () => {
    const card = cards[0] as Card;
    const token = card.qr_url.split("/q/")[1] as string;
    const res = await scan(token, { "user-agent": "Mozilla/5.0 (iPhone)" });
    expect(res.statusCode).toBe(302);
    const to = new URL(res.headers.location as string);
    expect(`${to.origin}${to.pathname}`).toBe("https://shop.example.com/thanks");
    expect(to.hash).toBe("#top");
    expect(Object.fromEntries(to.searchParams)).toEqual({
      ref: "card",
      utm_source: "cardmerge",
      utm_medium: "print",
      utm_campaign: "spring-thank-yous",
      utm_content: "postcard-a",
    });
    await scan(token, { "user-agent": "x".repeat(5000) });
    const { rows } = await ctx.deps.pool.query("SELECT card_id, user_agent FROM scans ORDER BY id");
    expect(rows).toEqual([
      { card_id: card.id, user_agent: "Mozilla/5.0 (iPhone)" },
      { card_id: card.id, user_agent: "x".repeat(300) },
    ]);
    const campaign = await ctx.app.inject({
      url: `/v1/campaigns/${campaignId}`,
      headers: bearer(business),
    });
    expect(campaign.json().scans).toEqual({ total: 2, cards: 1 });
    // Each scan is a card.scanned event about the card, for webhooks and the event list.
    const events = await ctx.app.inject({
      url: `/v1/events?type=card.scanned&object_id=${card.id}`,
      headers: bearer(business),
    });
    expect(events.statusCode, events.body).toBe(200);
    expect(
      events
        .json()
        .data.map((e: { type: string; data: { object: { id: string } } }) => [
          e.type,
          e.data.object.id,
        ]),
    ).toEqual([
      ["card.scanned", card.id],
      ["card.scanned", card.id],
    ]);
    const other = await ctx.app.inject({
      url: `/v1/campaigns/${campaignId}`,
      headers: bearer(stranger),
    });
    expect(other.statusCode).toBe(404);
  });

  it("answers 404 alike for a wrong, malformed or near-miss token, and records nothing", async () => {
    const real = (cards[1] as Card).qr_url.split("/q/")[1] as string;
    const nearMiss = `${real.slice(0, 21)}${real.endsWith("A") ? "B" : "A"}`;
    const answers = [];
    for (const token of [
      "AAAAAAAAAAAAAAAAAAAAAA",
      nearMiss,
      "..%2f..%2fetc",
      "x",
      "a".repeat(90),
    ]) {
      const res = await scan(token);
      expect(res.statusCode, token).toBe(404);
      answers.push(res.json().title);
    }
    expect(new Set(answers).size).toBe(1);
    const { rows } = await ctx.deps.pool.query("SELECT count(*)::int AS n FROM scans");
    expect(rows[0].n).toBe(2);
  });

  it("is rate-limited per address", async () => {
    let limited = 0;
    for (let i = 0; i < SCAN_LIMIT + 2; i++) {
      const res = await scan("BBBBBBBBBBBBBBBBBBBBBB", {}, "198.51.100.7");
      if (res.statusCode === 429) limited++;
    }
    expect(limited).toBeGreaterThan(0);
    // Another address still gets through.
    expect((await scan("BBBBBBBBBBBBBBBBBBBBBB", {}, "198.51.100.8")).statusCode).toBe(404);
  });
});
