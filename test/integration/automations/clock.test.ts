/**
 * The automations' clock: the BullMQ job scheduler ticks (here every second), each tick runs the
 * due day of every account in its own time zone. The choice of day is table-tested as a pure
 * function in test/unit/automations/calendar.test.ts; here it goes through the tick itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findAutomation } from "../../../src/modules/automations/automations.repository.ts";
import { addDays, dueDay, localTime } from "../../../src/modules/shared/calendar.ts";
import { startProcessors } from "../../../workers/processors/index.ts";
import {
  BIRTHDAY,
  createAutomation,
  dayRecipients,
  insertContacts,
  setLastRun,
} from "../../support/automation-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;

beforeAll(async () => {
  ctx = await createTestContext({ AUTOMATION_TICK_SECONDS: "1", RECONCILE_SECONDS: "1" });
});
afterAll(async () => {
  await processors?.close();
  await ctx.close();
});

async function accountIn(timeZone: string, sendHour: number) {
  const { accountId, secret } = await ctx.account();
  const res = await ctx.app.inject({
    method: "PATCH",
    url: "/v1/account",
    headers: bearer(secret),
    payload: { time_zone: timeZone, send_hour: sendHour },
  });
  expect(res.statusCode, res.body).toBe(200);
  return { accountId, secret };
}

describe("a tick at a given instant", () => {
  it("runs each account's own day: Auckland and Los Angeles around their midnights and a daylight-saving change", async () => {
    const auckland = await accountIn("Pacific/Auckland", 0);
    const la = await accountIn("America/Los_Angeles", 6);
    for (const { secret } of [auckland, la])
      await createAutomation(ctx, secret, BIRTHDAY).then((id) => setLastRun(ctx, id, "2027-01-01"));
    const tick = async (instant: string) =>
      Object.fromEntries(
        (await ctx.deps.automationsClock.tick(new Date(instant)))
          .filter((r) => r.accountId === auckland.accountId || r.accountId === la.accountId)
          .map((r) => [r.accountId === auckland.accountId ? "auckland" : "la", r.date]),
      );
    // 23:59 and 00:00 in Auckland (UTC+13); 15:59 and 16:00 PST of the 13th in Los Angeles.
    expect(await tick("2027-01-14T10:59:00Z")).toEqual({
      auckland: "2027-01-14",
      la: "2027-01-13",
    });
    expect(await tick("2027-01-14T11:00:00Z")).toEqual({
      auckland: "2027-01-15",
      la: "2027-01-13",
    });
    // 05:59 and 06:00 PST on the 14th in Los Angeles.
    expect(await tick("2027-01-14T13:59:00Z")).toEqual({
      auckland: "2027-01-15",
      la: "2027-01-13",
    });
    expect(await tick("2027-01-14T14:00:00Z")).toEqual({
      auckland: "2027-01-15",
      la: "2027-01-14",
    });
    // 14 March 2027, daylight saving begins in Los Angeles: 06:00 PDT is 13:00 UTC.
    expect((await tick("2027-03-14T12:59:00Z")).la).toBe("2027-03-13");
    expect((await tick("2027-03-14T13:00:00Z")).la).toBe("2027-03-14");
  });
});

describe("the real clock", () => {
  it("ticks through the job scheduler and makes each account's due day", async () => {
    const now = new Date();
    // A send hour twelve hours from the local hour: no boundary is crossed while the test runs.
    const setups = [];
    for (const zone of ["Pacific/Auckland", "America/Los_Angeles"]) {
      const sendHour = (localTime(now, zone).hour + 12) % 24;
      const { accountId, secret } = await accountIn(zone, sendHour);
      const day = dueDay(now, zone, sendHour);
      const automationId = await createAutomation(ctx, secret, BIRTHDAY);
      await setLastRun(ctx, automationId, addDays(day, -1));
      const md = (d: string) => `--${d.slice(5)}`;
      const [due] = await insertContacts(ctx, accountId, [
        { name: "Due Today", birthday: md(addDays(day, 10)) },
        { name: "Due Tomorrow", birthday: md(addDays(day, 11)) },
      ]);
      setups.push({ accountId, automationId, day, due });
    }

    processors = await startProcessors(ctx.deps);
    const scheduler = await ctx.deps.producer.queue.getJobScheduler("automations-tick");
    expect(scheduler).toMatchObject({ every: 1000 });

    for (const s of setups) {
      await expect
        .poll(
          async () =>
            (await findAutomation(ctx.deps.pool, s.accountId, s.automationId))?.last_run_date,
          {
            timeout: 20_000,
            interval: 250,
          },
        )
        .toBe(s.day);
      const { rows } = await ctx.deps.pool.query<{ id: string }>(
        "SELECT id FROM campaigns WHERE automation_id = $1 AND send_date = $2",
        [s.automationId, s.day],
      );
      const recipients = await dayRecipients(ctx, rows[0]?.id as string);
      expect(recipients.map((r) => r.contact_id)).toEqual([s.due]);
    }
  }, 40_000);

  it("comes back when Redis loses its schedule (the reconciler's round upserts it again)", async () => {
    const queue = ctx.deps.producer.queue;
    expect(await queue.removeJobScheduler("automations-tick")).toBe(true);
    await expect
      .poll(async () => (await queue.getJobScheduler("automations-tick"))?.every, {
        timeout: 10_000,
        interval: 250,
      })
      .toBe(1000);
  });
});
