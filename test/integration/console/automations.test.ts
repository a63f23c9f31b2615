import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIRTHDAY, createAutomation, insertContacts } from "../../support/automation-fixtures.ts";
import { type ConsoleUser, consoleUser } from "../../support/console-session.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let accountId: string;
let secret: string;
let user: ConsoleUser;
let automationId: string;
let today: string;

/** `--MM-DD` of the day `offset` days after today. */
const md = (offset: number) => `--${addDays(offset).slice(5)}`;
const addDays = (offset: number) => {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
};
const DAY = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const shown = (iso: string) => DAY.format(new Date(`${iso}T00:00:00Z`));

beforeAll(async () => {
  ctx = await createTestContext();
  ({ accountId, secret } = await ctx.account({ name: "Bright Smiles Dental" }));
  user = await consoleUser(ctx, accountId);
  today = await ctx.deps.automations.today(accountId);
  automationId = await createAutomation(ctx, secret, {
    ...BIRTHDAY,
    name: "Patient birthdays",
    lead_days: 0,
  });
  await insertContacts(ctx, accountId, [
    { name: "Late Larry", birthday: md(12) },
    { name: "Early Erin", birthday: md(3) },
    { name: "Quiet Quinn", birthday: md(12), mailStatus: "do_not_mail" },
    { name: "Far Fiona", birthday: md(45) },
  ]);
});
afterAll(() => ctx.close());

describe("console automations", () => {
  it("lists each automation with its next 30 days of cards, in send-day order", async () => {
    const res = await user.get("/automations");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Patient birthdays");
    expect(res.body).toContain("Birthday · birthday on postcard_4x6");
    const order = ["Early Erin", "Late Larry", "Quiet Quinn"].map((n) => res.body.indexOf(n));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order[0]).toBeLessThan(order[1] as number);
    expect(res.body).not.toContain("Far Fiona");
    expect(res.body).toContain("2 cards to make from");

    const page = await user.get(`/automations/${automationId}`);
    expect(page.statusCode).toBe(200);
    // One heading per send day, in order, each card under its day.
    const days = [...page.body.matchAll(/<strong>([^<]+)<\/strong>/g)].map((m) => m[1]);
    expect(days).toEqual([shown(addDays(3)), shown(addDays(12))]);
    expect(page.body).toMatch(/Quiet Quinn<\/span><span class="hint">not sent: do not mail/);
    expect(page.body).toContain("2 cards to make; 1 not sent: do not mail.");
    expect(page.body).not.toContain("Far Fiona");
  });

  it("pauses and resumes through the automations service", async () => {
    const paused = await user.post(`/automations/${automationId}/active`, { active: "false" });
    expect(paused.statusCode).toBe(303);
    expect(paused.headers.location).toBe(`/automations/${automationId}`);
    expect((await ctx.deps.automations.get(accountId, automationId)).active).toBe(false);
    expect((await user.get("/automations")).body).toContain("Resume Patient birthdays");
    const resumed = await user.post(`/automations/${automationId}/active`, {
      active: "true",
      back: "list",
    });
    expect(resumed.headers.location).toBe("/automations");
    expect((await ctx.deps.automations.get(accountId, automationId)).active).toBe(true);
  });

  it("another account's automation is not found; bad input and a missing CSRF token are refused", async () => {
    const other = await ctx.account();
    const theirs = await createAutomation(ctx, other.secret, BIRTHDAY);
    expect((await user.get(`/automations/${theirs}`)).statusCode).toBe(404);
    expect((await user.post(`/automations/${theirs}/active`, { active: "false" })).statusCode).toBe(
      404,
    );
    expect((await ctx.deps.automations.get(other.accountId, theirs)).active).toBe(true);
    expect((await user.get("/automations")).body).not.toContain(theirs);
    expect((await user.get("/automations/..%2F..%2Fsettings")).statusCode).toBe(404);
    expect(
      (await user.post(`/automations/${automationId}/active`, { active: "maybe" })).statusCode,
    ).toBe(400);
    expect((await user.get(`/automations/${automationId}?after=nonsense`)).statusCode).toBe(400);
    expect((await user.get(`/automations/${automationId}?after=a&after=b`)).statusCode).toBe(400);
    const noToken = await ctx.app.inject({
      method: "POST",
      url: `/automations/${automationId}/active`,
      headers: { cookie: user.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: "active=false",
    });
    expect(noToken.statusCode).toBe(403);
    expect((await ctx.deps.automations.get(accountId, automationId)).active).toBe(true);
  });
});
