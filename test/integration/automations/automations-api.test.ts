/**
 * The automations API: create, read with counts, edit, pause, delete; thank-you sends with their
 * Idempotency-Key; the account's clock. And what a hostile caller tries with each new input.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localTime } from "../../../src/modules/shared/calendar.ts";
import {
  BIRTHDAY,
  createAutomation,
  dayRecipients,
  insertContacts,
  sendsOf,
} from "../../support/automation-fixtures.ts";
import { uploadPhoto } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ AUTOMATION_TICK_SECONDS: "0" });
});
afterAll(async () => {
  await ctx.close();
});

const THANK_YOU = {
  occasion: "thank_you",
  template: "thank-you",
  format: "card_5x7",
  message:
    "Dear {{firstName}}, thank you for trusting {{businessName}} with your {{lastPurchase}}.",
  merge_fields: ["lastPurchase"],
  sender: { business_name: "Acme Plumbing", signature: "Maria" },
};

const today = (zone = "America/New_York") => localTime(new Date(), zone).day;

describe("automations", () => {
  it("are created with defaults, listed, read with counts, edited and deleted", async () => {
    const { secret } = await ctx.account();
    const created = await ctx.app.inject({
      method: "POST",
      url: "/v1/automations",
      headers: bearer(secret),
      payload: BIRTHDAY,
    });
    expect(created.statusCode, created.body).toBe(201);
    const a = created.json();
    expect(a).toMatchObject({
      object: "automation",
      name: "Birthday cards",
      occasion: "birthday",
      lead_days: 10,
      send_late: false,
      active: true,
      window: null,
      tag: null,
    });
    // Nothing before the day it was made: its first day is today.
    expect(a.last_run_date < today()).toBe(true);

    const list = await ctx.app.inject({ url: "/v1/automations", headers: bearer(secret) });
    expect(list.json().data.map((x: { id: string }) => x.id)).toEqual([a.id]);

    const got = await ctx.app.inject({ url: `/v1/automations/${a.id}`, headers: bearer(secret) });
    expect(got.json().counts).toEqual({
      sent_this_year: 0,
      upcoming_30_days: 0,
      skipped_this_year: {},
    });

    const patched = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/automations/${a.id}`,
      headers: bearer(secret),
      payload: { lead_days: 14, tag: "vip", send_late: true },
    });
    expect(patched.json()).toMatchObject({ lead_days: 14, tag: "vip", send_late: true });

    const gone = await ctx.app.inject({
      method: "DELETE",
      url: `/v1/automations/${a.id}`,
      headers: bearer(secret),
    });
    expect(gone.statusCode).toBe(204);
    const after = await ctx.app.inject({ url: `/v1/automations/${a.id}`, headers: bearer(secret) });
    expect(after.statusCode).toBe(404);
  });

  it("counts what was sent this year, what comes in 30 days and what was skipped", async () => {
    const { accountId, secret } = await ctx.account();
    const day = today();
    const year = Number(day.slice(0, 4));
    const automationId = await createAutomation(ctx, secret, { ...BIRTHDAY, lead_days: 0 });
    const md = (offset: number) => {
      const d = new Date(`${day}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() + offset);
      return `--${d.toISOString().slice(5, 10)}`;
    };
    await insertContacts(ctx, accountId, [
      { birthday: md(0) },
      { birthday: md(0), mailStatus: "do_not_mail" },
      { birthday: md(5) },
      { birthday: md(20) },
      { birthday: md(40) },
    ]);
    await ctx.deps.dailyRun.runDay({ date: day, accountId });
    const got = await ctx.app.inject({
      url: `/v1/automations/${automationId}`,
      headers: bearer(secret),
    });
    const sent = day.startsWith(String(year)) ? 1 : 0;
    expect(got.json().counts).toEqual({
      sent_this_year: sent,
      upcoming_30_days: 2,
      skipped_this_year: { do_not_mail: 1 },
    });
  });

  it("pages through upcoming with a cursor, totals over the whole range", async () => {
    const { accountId, secret } = await ctx.account();
    const automationId = await createAutomation(ctx, secret, BIRTHDAY, "2027-01-01");
    await insertContacts(
      ctx,
      accountId,
      Array.from({ length: 25 }, (_, i) => ({
        birthday: `--02-${String((i % 20) + 1).padStart(2, "0")}`,
      })),
    );
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const url = `/v1/automations/${automationId}/upcoming?from=2027-01-02&to=2027-03-01&limit=10${after ? `&after=${after}` : ""}`;
      const res = await ctx.app.inject({ url, headers: bearer(secret) });
      expect(res.statusCode, res.body).toBe(200);
      const body: {
        totals: unknown;
        data: { contact_id: string; send_date: string }[];
        next_after: string | null;
      } = res.json();
      expect(body.totals).toEqual({ cards: 25, skipped: {} });
      seen.push(...body.data.map((d) => `${d.send_date} ${d.contact_id}`));
      after = body.next_after;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect([...seen].sort()).toEqual(seen);
    // Looking sent nothing.
    expect(await sendsOf(ctx, automationId)).toEqual([]);
  });

  it("a paused automation makes nothing; resumed, it starts from today", async () => {
    const { accountId, secret } = await ctx.account();
    const automationId = await createAutomation(ctx, secret, BIRTHDAY, "2027-01-01");
    await insertContacts(ctx, accountId, [{ birthday: "--01-20" }]);
    await ctx.app.inject({
      method: "PATCH",
      url: `/v1/automations/${automationId}`,
      headers: bearer(secret),
      payload: { active: false },
    });
    expect(await ctx.deps.dailyRun.runDay({ date: "2027-01-10", accountId })).toEqual([]);
    const resumed = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/automations/${automationId}`,
      headers: bearer(secret),
      payload: { active: true },
    });
    // The days it was paused are not missed days (last day done: at least yesterday).
    expect(resumed.json().last_run_date >= "2027-01-01").toBe(true);
    expect(resumed.json().active).toBe(true);
  });
});

describe("thank-you sends", () => {
  it("make one card per send; a replay with its Idempotency-Key makes none", async () => {
    const { accountId, secret } = await ctx.account();
    const automationId = await createAutomation(ctx, secret, THANK_YOU);
    const [contactId] = await insertContacts(ctx, accountId, [
      { name: "Ann Buyer", externalId: "crm-42" },
    ]);
    const post = (key: string, payload: Record<string, unknown>) =>
      ctx.app.inject({
        method: "POST",
        url: `/v1/automations/${automationId}/sends`,
        headers: { ...bearer(secret), "idempotency-key": key },
        payload,
      });
    const body = { external_id: "crm-42", merge: { lastPurchase: "water heater" } };
    const first = await post("job-1001", body);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      contact_id: contactId,
      status: "waiting",
      send_date: today(),
      merge: { lastPurchase: "water heater" },
    });
    const replay = await post("job-1001", body);
    expect(replay.statusCode).toBe(201);
    expect(replay.json().id).toBe(first.json().id);
    // Another job for the same customer is another card, with a photo of the job; one later,
    // with a delay, waits.
    const photoId = await uploadPhoto(ctx, secret, "boiler.jpg", await noisyJpeg(600, 400));
    await post("job-1002", {
      contact_id: contactId,
      merge: { lastPurchase: "boiler service" },
      photo_id: photoId,
    });
    const delayed = await post("job-1003", { ...body, delay_days: 3 });
    expect(delayed.json().send_date > today()).toBe(true);

    const [day] = await ctx.deps.dailyRun.runDay({ date: today(), accountId });
    expect(day).toMatchObject({ cards: 2 });
    const recipients = await dayRecipients(ctx, day?.campaign_id as string);
    expect(recipients.map((r) => r.data.custom.lastPurchase).sort()).toEqual([
      "boiler service",
      "water heater",
    ]);
    const { rows: photos } = await ctx.deps.pool.query(
      "SELECT data->'custom'->>'lastPurchase' AS what, photo_id FROM recipients WHERE campaign_id = $1 ORDER BY 1",
      [day?.campaign_id],
    );
    expect(photos).toEqual([
      { what: "boiler service", photo_id: photoId },
      { what: "water heater", photo_id: null },
    ]);
    // Replayed after the run: still the same send, still one card.
    expect((await post("job-1001", body)).json().id).toBe(first.json().id);
    const sends = await sendsOf(ctx, automationId);
    expect(sends.filter((s) => s.recipient_id)).toHaveLength(2);
    // A send after today's run goes into the next day's batch.
    const late = await post("job-1004", body);
    expect(late.json().send_date > today()).toBe(true);
  });

  it("take an inline contact, upserted by its external_id", async () => {
    const { accountId, secret } = await ctx.account();
    const automationId = await createAutomation(ctx, secret, THANK_YOU);
    const contact = {
      external_id: "shop-7",
      first_name: "Rae",
      last_name: "Rivers",
      address: { line1: "4 Pine Road", city: "Portland", region: "OR", postal_code: "97201" },
    };
    const post = (payload: Record<string, unknown>) =>
      ctx.app.inject({
        method: "POST",
        url: `/v1/automations/${automationId}/sends`,
        headers: bearer(secret),
        payload,
      });
    const first = await post({ contact, merge: { lastPurchase: "deck" } });
    expect(first.statusCode, first.body).toBe(201);
    // The same person again, moved: the contact is updated, not duplicated.
    const moved = { ...contact, address: { ...contact.address, line1: "8 Cedar Road" } };
    const second = await post({ contact: moved, merge: { lastPurchase: "fence" } });
    expect(second.json().contact_id).toBe(first.json().contact_id);
    const { rows } = await ctx.deps.pool.query("SELECT data FROM contacts WHERE account_id = $1", [
      accountId,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].data.address.line1).toBe("8 Cedar Road");
    const bad = await post({ contact: { first_name: "" }, merge: { lastPurchase: "x" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toMatch(/^contact/);
  });

  it("are refused without what the message prints, for an unknown contact, or on another occasion", async () => {
    const { accountId, secret } = await ctx.account();
    const automationId = await createAutomation(ctx, secret, THANK_YOU);
    const birthdayId = await createAutomation(ctx, secret, BIRTHDAY);
    const [contactId] = await insertContacts(ctx, accountId, [{ name: "No Purchase" }]);
    const post = (id: string, payload: Record<string, unknown>) =>
      ctx.app.inject({
        method: "POST",
        url: `/v1/automations/${id}/sends`,
        headers: bearer(secret),
        payload,
      });
    const noMerge = await post(automationId, { contact_id: contactId });
    expect(noMerge.statusCode).toBe(400);
    expect(noMerge.json().errors).toEqual([
      expect.objectContaining({ field: "merge.lastPurchase" }),
    ]);
    expect(
      (await post(automationId, { contact_id: "ct_nope", merge: { lastPurchase: "x" } }))
        .statusCode,
    ).toBe(400);
    expect((await post(automationId, { merge: { lastPurchase: "x" } })).statusCode).toBe(400);
    expect(
      (
        await post(automationId, {
          contact_id: contactId,
          external_id: "a",
          merge: { lastPurchase: "x" },
        })
      ).statusCode,
    ).toBe(400);
    expect((await post(birthdayId, { contact_id: contactId })).statusCode).toBe(409);
  });
});

describe("the account's clock", () => {
  it("takes an IANA time zone and a send hour", async () => {
    const { secret } = await ctx.account();
    const before = await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
    expect(before.json()).toMatchObject({ time_zone: "America/New_York", send_hour: 6 });
    const set = await ctx.app.inject({
      method: "PATCH",
      url: "/v1/account",
      headers: bearer(secret),
      payload: { time_zone: "Pacific/Auckland", send_hour: 7 },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ time_zone: "Pacific/Auckland", send_hour: 7 });
  });

  it.each([
    [{ time_zone: "Mars/Olympus_Mons" }],
    [{ time_zone: "../../etc/localtime" }],
    [{ time_zone: "x".repeat(65) }],
    [{ send_hour: 24 }],
    [{ send_hour: -1 }],
    [{}],
    [{ time_zone: "UTC", extra: 1 }],
  ])("refuses %j", async (payload) => {
    const { secret } = await ctx.account();
    const res = await ctx.app.inject({
      method: "PATCH",
      url: "/v1/account",
      headers: bearer(secret),
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toContain("application/problem+json");
  });

  it("needs an admin key", async () => {
    const { accountId } = await ctx.account();
    const key = await ctx.deps.accounts.createKey(accountId, { scopes: ["campaigns"] });
    const res = await ctx.app.inject({
      method: "PATCH",
      url: "/v1/account",
      headers: bearer(key.secret),
      payload: { send_hour: 3 },
    });
    expect(res.statusCode).toBe(403);
  });
});

describe("attacks on the automations API", () => {
  it("answers 404 for another account's automation, on every route", async () => {
    const owner = await ctx.account();
    const other = await ctx.account();
    const birthday = await createAutomation(ctx, owner.secret, BIRTHDAY);
    const thanks = await createAutomation(ctx, owner.secret, THANK_YOU);
    const [theirContact] = await insertContacts(ctx, owner.accountId, [{ externalId: "x1" }]);
    const h = bearer(other.secret);
    const tries = [
      ctx.app.inject({ url: `/v1/automations/${birthday}`, headers: h }),
      ctx.app.inject({ url: `/v1/automations/${birthday}/upcoming`, headers: h }),
      ctx.app.inject({ url: `/v1/automations/${birthday}/cards`, headers: h }),
      ctx.app.inject({
        method: "PATCH",
        url: `/v1/automations/${birthday}`,
        headers: h,
        payload: { active: false },
      }),
      ctx.app.inject({ method: "DELETE", url: `/v1/automations/${birthday}`, headers: h }),
      ctx.app.inject({
        method: "POST",
        url: `/v1/automations/${thanks}/sends`,
        headers: h,
        payload: { contact_id: theirContact, merge: { lastPurchase: "x" } },
      }),
    ];
    for (const res of await Promise.all(tries)) expect(res.statusCode, res.body).toBe(404);
    // An inline contact sent to another account's automation is not written anywhere.
    const inline = await ctx.app.inject({
      method: "POST",
      url: `/v1/automations/${thanks}/sends`,
      headers: h,
      payload: {
        contact: { external_id: "planted", first_name: "Eve", last_name: "Evil" },
        merge: { lastPurchase: "x" },
      },
    });
    expect(inline.statusCode).toBe(404);
    const planted = await ctx.deps.pool.query(
      "SELECT 1 FROM contacts WHERE external_id = 'planted'",
    );
    expect(planted.rows).toEqual([]);
    expect((await ctx.app.inject({ url: "/v1/automations", headers: h })).json().data).toEqual([]);
    // Their own thank-you automation cannot reach the owner's contact either.
    const mine = await createAutomation(ctx, other.secret, THANK_YOU);
    for (const payload of [
      { contact_id: theirContact, merge: { lastPurchase: "x" } },
      { external_id: "x1", merge: { lastPurchase: "x" } },
    ]) {
      const res = await ctx.app.inject({
        method: "POST",
        url: `/v1/automations/${mine}/sends`,
        headers: h,
        payload,
      });
      expect(res.statusCode).toBe(400);
    }
    // Nor does the owner's automation take the other account's photo.
    const res = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/automations/${birthday}`,
      headers: bearer(owner.secret),
      payload: { photo_id: "photo_someone_elses" },
    });
    expect(res.statusCode).toBe(400);
  });

  it.each([
    ["lead_days above 60", { lead_days: 61 }],
    ["negative lead_days", { lead_days: -1 }],
    ["lead_days as text", { lead_days: "10; DROP TABLE contacts" }],
    ["a window on a birthday", { window: { start: "10-01", end: "10-15" } }],
    ["an unknown field", { cron: "* * * * *" }],
    ["a message outside the merge language", { message: "{{#each @root}}{{this}}{{/each}}" }],
    ["a helper that logs", { message: "{{log firstName}}" }],
    ["an unknown variable", { message: "Hi {{secretField}}" }],
    ["a lookup", { message: "{{lookup this 'constructor'}}" }],
    ["a template path", { template: "../../etc/passwd" }],
    ["a tag too long", { tag: "t".repeat(65) }],
    ["a message too long", { message: "a".repeat(5001) }],
    ["an occasion change", { occasion: "thank_you" }],
    ["a merge field that is not a name", { merge_fields: ["__proto__"] }],
  ])("refuses %s", async (_what, patch) => {
    const { secret } = await ctx.account();
    const id = await createAutomation(ctx, secret, BIRTHDAY);
    const res = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/automations/${id}`,
      headers: bearer(secret),
      payload: patch,
    });
    expect(res.statusCode, res.body).toBe(400);
  });

  it.each([
    ["a window of February 29", { start: "02-29", end: "03-10" }],
    ["a window backwards", { start: "10-15", end: "10-01" }],
    ["a window too long", { start: "01-01", end: "12-31" }],
    ["a window of nonsense", { start: "13-40", end: "10-15" }],
    ["a window that is not MM-DD", { start: "10-1", end: "10-15" }],
  ])("refuses %s for the October automation", async (_what, window) => {
    const { secret } = await ctx.account();
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/automations",
      headers: bearer(secret),
      payload: {
        ...BIRTHDAY,
        occasion: "october_holiday",
        template: "october-holiday",
        format: "postcard_6x9",
        message: null,
        window,
      },
    });
    expect(res.statusCode, res.body).toBe(400);
  });

  it.each([
    ["a range over 400 days", "from=2027-01-01&to=2028-02-15"],
    ["to before from", "from=2027-03-01&to=2027-02-01"],
    ["an impossible day", "from=2027-02-30&to=2027-03-01"],
    ["a day far in the past", "from=0001-01-01&to=0001-02-01"],
    ["a day far ahead", "from=9999-12-01&to=9999-12-31"],
    ["a forged cursor", "from=2027-01-01&to=2027-02-01&after=bm90IGEgY3Vyc29y"],
    [
      "a cursor with SQL",
      `after=${Buffer.from("2027-01-01' OR 1=1 -- ct_x").toString("base64url")}`,
    ],
    ["a limit too high", "limit=100000"],
    ["a day with SQL", "from=2027-01-01'--&to=2027-02-01"],
  ])("refuses upcoming with %s", async (_what, query) => {
    const { secret } = await ctx.account();
    const id = await createAutomation(ctx, secret, BIRTHDAY);
    const res = await ctx.app.inject({
      url: `/v1/automations/${id}/upcoming?${query}`,
      headers: bearer(secret),
    });
    expect(res.statusCode, res.body).toBe(400);
  });

  it("drops a __proto__ key from merge data (the JSON parser removes it)", async () => {
    const { accountId, secret } = await ctx.account();
    const id = await createAutomation(ctx, secret, THANK_YOU);
    const [contactId] = await insertContacts(ctx, accountId, [{}]);
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/automations/${id}/sends`,
      headers: { ...bearer(secret), "content-type": "application/json" },
      payload: `{"contact_id":"${contactId}","merge":{"__proto__":{"polluted":"yes"},"lastPurchase":"y"}}`,
    });
    expect(res.statusCode).toBeLessThan(500);
    if (res.statusCode === 201) expect(res.json().merge).toEqual({ lastPurchase: "y" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    [
      "merge with too many keys",
      { merge: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])) },
    ],
    ["a merge value too long", { merge: { lastPurchase: "x".repeat(501) } }],
    ["a merge key that is not a name", { merge: { "last purchase": "x", lastPurchase: "y" } }],
    ["a delay over 60 days", { delay_days: 61, merge: { lastPurchase: "x" } }],
    ["an unknown photo", { photo_id: "photo_nope", merge: { lastPurchase: "x" } }],
    ["a NUL in merge data", { merge: { lastPurchase: "a\u0000b" } }],
  ])("refuses a send with %s", async (_what, extra) => {
    const { accountId, secret } = await ctx.account();
    const id = await createAutomation(ctx, secret, THANK_YOU);
    const [contactId] = await insertContacts(ctx, accountId, [{}]);
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/automations/${id}/sends`,
      headers: bearer(secret),
      payload: { contact_id: contactId, ...extra },
    });
    expect(res.statusCode, res.body).toBe(400);
  });
});
