/**
 * Which contact gets a card on which day: birthdays (29 February, month and day only, the turn of
 * the year), anniversaries, the October window, catch-up after missed days and late cards. The
 * clock is driven by date parameters (runDay and upcoming), real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BIRTHDAY,
  createAutomation,
  dayRecipients,
  insertContacts,
  sendsOf,
  upcoming,
} from "../../support/automation-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ AUTOMATION_TICK_SECONDS: "0" });
});
afterAll(async () => {
  await ctx.close();
});

const OCTOBER = {
  ...BIRTHDAY,
  occasion: "october_holiday",
  template: "october-holiday",
  format: "postcard_6x9",
  message: null,
};

/** An account with its own birthday automation (last day done: `lastRun`). */
async function birthdaySetup(lastRun: string, extra: Record<string, unknown> = {}) {
  const { accountId, secret } = await ctx.account();
  const automationId = await createAutomation(ctx, secret, { ...BIRTHDAY, ...extra }, lastRun);
  const runDay = (date: string) => ctx.deps.dailyRun.runDay({ date, accountId });
  return { accountId, secret, automationId, runDay };
}

describe("birthdays", () => {
  it("sends a 29 February birthday on 28 February in 2027 and on 29 February in 2028", async () => {
    const { accountId, secret, automationId, runDay } = await birthdaySetup("2027-01-01");
    const [leapling] = await insertContacts(ctx, accountId, [
      { name: "Lea Leap", birthday: "2000-02-29" },
    ]);
    const seen = await upcoming(ctx, secret, automationId, "2027-02-01", "2028-02-29");
    expect(seen.data.map((d) => [d.occasion_date, d.send_date, d.skip_reason])).toEqual([
      ["2027-02-28", "2027-02-18", null],
      ["2028-02-29", "2028-02-19", null],
    ]);

    expect((await runDay("2027-02-17"))[0]?.cards).toBe(0);
    const first = await runDay("2027-02-18");
    expect(first[0]).toMatchObject({ status: "made", cards: 1 });
    expect((await runDay("2027-02-19"))[0]?.cards).toBe(0);
    const recipients = await dayRecipients(ctx, first[0]?.campaign_id as string);
    expect(recipients).toMatchObject([{ contact_id: leapling, data: { birthday: "2000-02-29" } }]);

    // A year on (the days between done without this contact).
    expect((await runDay("2028-02-18"))[0]?.cards).toBe(0);
    const second = await runDay("2028-02-19");
    expect(second[0]).toMatchObject({ cards: 1 });
    const sends = await sendsOf(ctx, automationId);
    expect(sends.map((s) => [s.occasion_year, s.occasion_date, s.send_date])).toEqual([
      [2027, "2027-02-28", "2027-02-18"],
      [2028, "2028-02-29", "2028-02-19"],
    ]);
  });

  it("works with a month and day only", async () => {
    const { accountId, secret, automationId, runDay } = await birthdaySetup("2027-06-01");
    const [id] = await insertContacts(ctx, accountId, [{ name: "Mo Day", birthday: "--07-04" }]);
    const seen = await upcoming(ctx, secret, automationId, "2027-06-02", "2027-07-31");
    expect(seen.data).toMatchObject([
      { contact_id: id, occasion_date: "2027-07-04", send_date: "2027-06-24", skip_reason: null },
    ]);
    const [day] = await runDay("2027-06-24");
    expect(day).toMatchObject({ cards: 1, caught_up_days: 22 });
    const recipients = await dayRecipients(ctx, day?.campaign_id as string);
    expect(recipients[0]?.data.birthday).toBe("--07-04");
  });

  it("sends a 3 January birthday with 10 lead days on 24 December of the year before", async () => {
    const { accountId, secret, automationId, runDay } = await birthdaySetup("2027-12-01");
    const [id] = await insertContacts(ctx, accountId, [
      { name: "Jan Three", birthday: "1990-01-03" },
    ]);
    const seen = await upcoming(ctx, secret, automationId, "2027-12-02", "2028-01-31");
    expect(seen.data).toMatchObject([
      { contact_id: id, occasion_date: "2028-01-03", send_date: "2027-12-24", skip_reason: null },
    ]);
    expect((await runDay("2027-12-23"))[0]?.cards).toBe(0);
    expect((await runDay("2027-12-24"))[0]?.cards).toBe(1);
    expect(await sendsOf(ctx, automationId)).toMatchObject([
      { contact_id: id, occasion_year: 2028, occasion_date: "2028-01-03", send_date: "2027-12-24" },
    ]);
    // The turn of the year does not make a second card for the same birthday.
    expect((await runDay("2028-01-02"))[0]?.cards).toBe(0);
  });

  it("makes no card on 1 January for contacts imported with placeholder birthdays", async () => {
    const { secret, automationId, runDay } = await birthdaySetup("2027-12-01");
    // The contacts import keeps no date for 1900-01-01 or 1970-01-01: it warns and drops it.
    const imported = await ctx.app.inject({
      method: "POST",
      url: "/v1/contacts/import",
      headers: { ...bearer(secret), "content-type": "text/csv" },
      payload: [
        "First Name,Last Name,Street,City,State,Zip,Birthday",
        "Pat,Placeholder,1 Elm St,Boston,MA,02134,1900-01-01",
        "Al,Unix,2 Elm St,Boston,MA,02134,01/01/1970",
      ].join("\r\n"),
    });
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json()).toMatchObject({ created: 2, warned: 2 });
    const seen = await upcoming(ctx, secret, automationId, "2027-12-02", "2028-01-31");
    expect(seen.data).toEqual([]);
    for (const day of ["2027-12-22", "2027-12-23", "2028-01-01"])
      expect((await runDay(day))[0]?.cards).toBe(0);
    expect(await sendsOf(ctx, automationId)).toEqual([]);
  });

  it("gives nothing to do-not-mail, returned, address-less or deleted contacts", async () => {
    const { accountId, secret, automationId, runDay } = await birthdaySetup("2027-05-01");
    const ids = await insertContacts(ctx, accountId, [
      { name: "Ok Person", birthday: "--05-20" },
      { name: "No Mail", birthday: "--05-20", mailStatus: "do_not_mail" },
      { name: "Moved Away", birthday: "--05-20", mailStatus: "returned" },
      { name: "No Where", birthday: "--05-20", address: false },
      { name: "Gone Soon", birthday: "--05-20" },
    ]);
    const seen = await upcoming(ctx, secret, automationId, "2027-05-02", "2027-05-31");
    expect(Object.fromEntries(seen.data.map((d) => [d.contact_id, d.skip_reason]))).toEqual({
      [ids[0] as string]: null,
      [ids[1] as string]: "do_not_mail",
      [ids[2] as string]: "returned",
      [ids[3] as string]: "no_address",
      [ids[4] as string]: null,
    });
    const deleted = await ctx.app.inject({
      method: "DELETE",
      url: `/v1/contacts/${ids[4]}`,
      headers: bearer(secret),
    });
    expect(deleted.statusCode).toBe(204);
    const [day] = await runDay("2027-05-10");
    expect(day).toMatchObject({
      cards: 1,
      skipped: { do_not_mail: 1, returned: 1, no_address: 1 },
    });
    const recipients = await dayRecipients(ctx, day?.campaign_id as string);
    expect(recipients.map((r) => r.contact_id)).toEqual([ids[0]]);
  });

  it("freezes the card at the run: an address changed after scheduling prints", async () => {
    const { accountId, secret, automationId, runDay } = await birthdaySetup("2027-08-01");
    const [id] = await insertContacts(ctx, accountId, [
      { name: "Ann Mover", birthday: "--08-25", address: { line1: "1 Old Road", city: "Boston" } },
    ]);
    expect(
      (await upcoming(ctx, secret, automationId, "2027-08-02", "2027-08-31")).data,
    ).toMatchObject([{ contact_id: id, send_date: "2027-08-15", skip_reason: null }]);
    const moved = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/contacts/${id}`,
      headers: bearer(secret),
      payload: {
        address: { line1: "9 New Street", city: "Cambridge", region: "MA", postal_code: "02139" },
      },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const [day] = await runDay("2027-08-15");
    const [recipient] = await dayRecipients(ctx, day?.campaign_id as string);
    expect(recipient?.data.address.line1).toBe("9 New Street");
    const { rows } = await ctx.deps.pool.query<{ data: { address: { line1: string } } }>(
      "SELECT data FROM cards WHERE campaign_id = $1",
      [day?.campaign_id],
    );
    expect(rows[0]?.data.address.line1).toBe("9 New Street");
  });

  it("only contacts with the automation's tag", async () => {
    const { accountId, runDay } = await birthdaySetup("2027-03-01", { tag: "vip" });
    await insertContacts(ctx, accountId, [
      { name: "Vip One", birthday: "--03-20", tags: ["vip", "2026"] },
      { name: "Plain Two", birthday: "--03-20" },
    ]);
    const [day] = await runDay("2027-03-10");
    expect(day).toMatchObject({ cards: 1, skipped: {} });
  });
});

describe("the daily run over missed days", () => {
  it("catches up three missed days: cards that can still arrive go out today, the rest are too_late", async () => {
    // lead 4: a missed day's card still goes if its birthday is at least 3 days (transit) away.
    const { accountId, automationId, runDay } = await birthdaySetup("2027-04-06", { lead_days: 4 });
    const [d3, d2, d1, d0] = await insertContacts(ctx, accountId, [
      { name: "Three Ago", birthday: "--04-11" }, // send day 04-07: birthday 1 day after the run
      { name: "Two Ago", birthday: "--04-12" }, // 04-08: 2 days after
      { name: "One Ago", birthday: "--04-13" }, // 04-09: 3 days after, still in time
      { name: "Today", birthday: "--04-14" }, // 04-10
    ]);
    const [day] = await runDay("2027-04-10");
    expect(day).toMatchObject({ caught_up_days: 3, cards: 2, skipped: { too_late: 2 } });
    const recipients = await dayRecipients(ctx, day?.campaign_id as string);
    expect(recipients.map((r) => r.contact_id).sort()).toEqual([d1, d0].sort());
    const sends = await sendsOf(ctx, automationId);
    expect(Object.fromEntries(sends.map((s) => [s.contact_id, s.skip_reason]))).toEqual({
      [d3 as string]: "too_late",
      [d2 as string]: "too_late",
      [d1 as string]: null,
      [d0 as string]: null,
    });
    // Every card of the catch-up is in the day's batch: sent on the day of the run.
    expect(new Set(sends.map((s) => s.send_date))).toEqual(new Set(["2027-04-10"]));
    // Running the day again makes nothing new and says what it made.
    const [again] = await runDay("2027-04-10");
    expect(again).toMatchObject({ status: "already_run", cards: 2, campaign_id: day?.campaign_id });
  });

  it("a contact added after its send day gets no late card, unless send_late and the birthday is ahead", async () => {
    for (const sendLate of [false, true]) {
      const { accountId, secret, automationId, runDay } = await birthdaySetup("2027-09-01", {
        send_late: sendLate,
      });
      await runDay("2027-09-05");
      // Added on the 5th: its send day (the 3rd) has passed; its birthday (the 13th) has not.
      const [late] = await insertContacts(ctx, accountId, [
        { name: "Late Comer", birthday: "--09-13" },
      ]);
      const seen = await upcoming(ctx, secret, automationId, "2027-09-01", "2027-09-30");
      expect(seen.data).toMatchObject([
        sendLate
          ? { contact_id: late, send_date: "2027-09-06", skip_reason: null }
          : { contact_id: late, send_date: "2027-09-03", skip_reason: "too_late" },
      ]);
      const [day] = await runDay("2027-09-06");
      expect(day).toMatchObject(sendLate ? { cards: 1 } : { cards: 0, skipped: { too_late: 1 } });
      expect((await runDay("2027-09-07"))[0]?.cards).toBe(0);
    }
  });
});

describe("a run that fails", () => {
  it("keeps the other automations' cards, and the failed one is retried by running the day again", async () => {
    const { accountId, secret } = await ctx.account();
    const broken = await createAutomation(ctx, secret, BIRTHDAY, "2027-11-01");
    const fine = await createAutomation(ctx, secret, { ...BIRTHDAY, name: "Second" }, "2027-11-01");
    await insertContacts(ctx, accountId, [{ birthday: "--11-12" }]);
    // A campaign already frozen for the broken automation's day: its run cannot make that day.
    await ctx.deps.pool.query(
      `INSERT INTO campaigns (id, account_id, name, occasion, template_id, format, sender, status,
                              automation_id, send_date)
       VALUES ('cmp_blocking', $1, 'x', 'birthday', 'birthday', 'postcard_4x6', '{"businessName":"x"}',
               'ready', $2, '2027-11-02')`,
      [accountId, broken],
    );
    const days = await ctx.deps.dailyRun.runDay({ date: "2027-11-02", accountId });
    expect(days.find((d) => d.automation_id === broken)).toMatchObject({
      status: "failed",
      error: expect.stringContaining("ready already"),
    });
    expect(days.find((d) => d.automation_id === fine)).toMatchObject({ status: "made", cards: 1 });
    expect(await sendsOf(ctx, broken)).toEqual([]);
  });
});

describe("anniversaries", () => {
  it("prints {{years}}: years married on the day", async () => {
    const { accountId, secret } = await ctx.account();
    const automationId = await createAutomation(
      ctx,
      secret,
      {
        ...BIRTHDAY,
        occasion: "anniversary",
        message: "Happy {{years}}th anniversary, {{firstName}} and {{spouseName}}!",
      },
      "2027-06-01",
    );
    const [wed, unknownYear] = await insertContacts(ctx, accountId, [
      { name: "Kim Wed", anniversary: "2002-06-20", spouseName: "Lee" },
      { name: "Sam Someday", anniversary: "--06-20" },
    ]);
    const seen = await upcoming(ctx, secret, automationId, "2027-06-02", "2027-06-30");
    expect(Object.fromEntries(seen.data.map((d) => [d.contact_id, d.skip_reason]))).toEqual({
      [wed as string]: null,
      // The message prints {{years}}, which a month-and-day-only date cannot give.
      [unknownYear as string]: "missing_field",
    });
    const [day] = await ctx.deps.dailyRun.runDay({ date: "2027-06-10", accountId });
    const [recipient] = await dayRecipients(ctx, day?.campaign_id as string);
    expect(recipient?.data.custom).toMatchObject({ years: "25", spouseName: "Lee" });
  });
});

describe("the October window", () => {
  it("spreads the cards evenly over the window's days, one per contact", async () => {
    const { accountId, secret } = await ctx.account();
    const automationId = await createAutomation(ctx, secret, OCTOBER, "2027-09-20");
    await insertContacts(
      ctx,
      accountId,
      Array.from({ length: 200 }, (_, i) => ({ name: `Oct Person${i}` })),
    );
    const seen = await upcoming(ctx, secret, automationId, "2027-09-21", "2027-10-31");
    expect(seen.totals.cards).toBe(200);
    const perDay = new Map<string, number>();
    for (const d of seen.data) perDay.set(d.send_date, (perDay.get(d.send_date) ?? 0) + 1);
    expect([...perDay.keys()].sort()).toEqual(
      Array.from({ length: 15 }, (_, i) => `2027-10-${String(i + 1).padStart(2, "0")}`),
    );
    const counts = [...perDay.values()];
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);

    let made = 0;
    for (let d = 1; d <= 15; d++) {
      const [day] = await ctx.deps.dailyRun.runDay({
        date: `2027-10-${String(d).padStart(2, "0")}`,
        accountId,
      });
      expect(day?.cards).toBe(perDay.get(`2027-10-${String(d).padStart(2, "0")}`));
      made += day?.cards ?? 0;
    }
    expect(made).toBe(200);
    expect((await ctx.deps.dailyRun.runDay({ date: "2027-10-16", accountId }))[0]?.cards).toBe(0);
    const sends = await sendsOf(ctx, automationId);
    expect(new Set(sends.map((s) => s.contact_id)).size).toBe(200);
  });

  it("a contact added in the middle of the window gets its card the next day", async () => {
    const { accountId, secret } = await ctx.account();
    await createAutomation(ctx, secret, OCTOBER, "2027-10-07");
    await insertContacts(ctx, accountId, [{ name: "Mid Window" }]);
    // Its place in the round-robin is 1 October, passed: it goes in the next day's batch.
    const [day] = await ctx.deps.dailyRun.runDay({ date: "2027-10-08", accountId });
    expect(day).toMatchObject({ cards: 1 });
  });
});
