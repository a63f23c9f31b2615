/** `cardmerge automations run`, as a user runs it: a child process against the test's schema. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIRTHDAY, createAutomation, insertContacts } from "../../support/automation-fixtures.ts";
import { runCardmerge } from "../../support/cli.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ AUTOMATION_TICK_SECONDS: "0" });
});
afterAll(() => ctx.close());

const cardmerge = (args: string[]) =>
  runCardmerge(args, {
    DATABASE_SCHEMA: ctx.config.databaseSchema,
    REDIS_PREFIX: ctx.config.redisPrefix,
    STORAGE_DIR: ctx.config.storageDir,
  });

describe("cardmerge automations run", () => {
  it("answers --help", async () => {
    for (const args of [
      ["automations", "--help"],
      ["automations", "run", "--help"],
    ]) {
      const result = await cardmerge(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("cardmerge automations run --date YYYY-MM-DD");
    }
    expect((await cardmerge(["--help"])).stdout).toContain("automations run");
  });

  it("runs a day, prints what it made, and makes nothing new the second time", async () => {
    const { accountId, secret } = await ctx.account();
    const automationId = await createAutomation(ctx, secret, BIRTHDAY, "2027-03-01");
    await insertContacts(ctx, accountId, [
      { name: "Ann Day", birthday: "--03-14" },
      { name: "Bob Day", birthday: "--03-14", mailStatus: "do_not_mail" },
    ]);
    const first = await cardmerge([
      "automations",
      "run",
      "--date",
      "2027-03-04",
      "--account",
      accountId,
    ]);
    expect(first.code, first.stderr).toBe(0);
    const out = JSON.parse(first.stdout);
    expect(out.automations).toMatchObject([
      {
        automation_id: automationId,
        status: "made",
        cards: 1,
        skipped: { do_not_mail: 1 },
        caught_up_days: 2,
      },
    ]);
    const campaignId = out.automations[0].campaign_id;
    expect(out.campaigns).toMatchObject([{ id: campaignId, status: "scheduled" }]);
    expect(first.stderr).toContain("1 new card(s)");

    const again = await cardmerge([
      "automations",
      "run",
      "--date",
      "2027-03-04",
      "--account",
      accountId,
    ]);
    const second = JSON.parse(again.stdout);
    expect(second.automations).toMatchObject([
      { status: "already_run", cards: 1, skipped: { do_not_mail: 1 }, campaign_id: campaignId },
    ]);
    expect(again.stderr).toContain("0 new card(s)");
    const { rows } = await ctx.deps.pool.query("SELECT count(*)::int AS n FROM cards");
    expect(rows[0].n).toBe(1);
  });

  it.each([
    [["automations", "run"], /--date/],
    [["automations", "run", "--date", "2027-02-29"], /--date/],
    [["automations", "run", "--date", "2027-03-04", "--nope"], /Unknown option/],
    [["automations", "fly"], /unknown action/],
  ])("refuses %j", async (args, message) => {
    const result = await cardmerge(args);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
  });

  it("says so when the account does not exist", async () => {
    const result = await cardmerge([
      "automations",
      "run",
      "--date",
      "2027-03-04",
      "--account",
      "acct_nope",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Account was not found");
  });
});
