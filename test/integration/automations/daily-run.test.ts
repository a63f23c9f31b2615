/**
 * The daily run with real worker processes (`npm run worker`'s entry): a day made once however many
 * runs race for it, and from contacts to the day's batch downloaded through the vendor API.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../../../src/db/transaction.ts";
import { createDeps, type Deps } from "../../../src/deps.ts";
import { newId } from "../../../src/ids.ts";
import { findAutomation } from "../../../src/modules/automations/automations.repository.ts";
import { insertDecisions } from "../../../src/modules/automations/daily-run.repository.ts";
import {
  BIRTHDAY,
  createAutomation,
  dayRecipients,
  insertContacts,
  sendsOf,
  upcoming,
} from "../../support/automation-fixtures.ts";
import { waitForCampaign } from "../../support/campaign-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";
import { startWorker, stopWorker, type WorkerProcess } from "../../support/worker-process.ts";

const run = promisify(execFile);
let ctx: TestContext;
let second: Deps;
let workers: WorkerProcess[];

beforeAll(async () => {
  ctx = await createTestContext({ AUTOMATION_TICK_SECONDS: "0", BATCH_SIZE: "25" });
  second = createDeps(ctx.config, "second");
  workers = [0, 1].map(() =>
    startWorker(ctx.config, { AUTOMATION_TICK_SECONDS: "0", BATCH_SIZE: "25" }),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => stopWorker(w)));
  await second?.close();
  await ctx?.close();
});

describe("two runs of the same day at once", () => {
  it("make each card once: two in this process, one in a worker process", async () => {
    const { accountId, secret } = await ctx.account();
    const automationId = await createAutomation(ctx, secret, BIRTHDAY, "2027-05-09");
    const contacts = await insertContacts(
      ctx,
      accountId,
      Array.from({ length: 60 }, (_, i) => ({ name: `Race Person${i}`, birthday: "--05-20" })),
    );
    // The worker process's run (as the clock enqueues it) and two runs here, at the same moment.
    await ctx.deps.producer.add("run-automations", { accountId, date: "2027-05-10" });
    const [a, b] = await Promise.all([
      ctx.deps.dailyRun.runDay({ date: "2027-05-10", accountId }),
      second.dailyRun.runDay({ date: "2027-05-10", accountId }),
    ]);
    // Exactly one of the runs here made the day, or the worker did and both found it done.
    const made = [a[0], b[0]].filter((d) => d?.status === "made");
    expect(made.length).toBeLessThanOrEqual(1);
    const campaignId = (a[0]?.campaign_id ?? b[0]?.campaign_id) as string;
    expect(a[0]?.campaign_id).toBe(b[0]?.campaign_id);

    const sends = await sendsOf(ctx, automationId);
    expect(sends).toHaveLength(60);
    expect(new Set(sends.map((s) => s.contact_id))).toEqual(new Set(contacts));
    expect(await dayRecipients(ctx, campaignId)).toHaveLength(60);
    const { rows } = await ctx.deps.pool.query<{ campaigns: number; cards: number }>(
      `SELECT count(DISTINCT k.campaign_id)::int AS campaigns, count(*)::int AS cards
         FROM cards k JOIN campaigns c ON c.id = k.campaign_id WHERE c.automation_id = $1`,
      [automationId],
    );
    expect(rows[0]).toEqual({ campaigns: 1, cards: 60 });
    // The worker's run, when it comes, finds the day done.
    await expect
      .poll(
        async () => (await findAutomation(ctx.deps.pool, accountId, automationId))?.last_run_date,
      )
      .toBe("2027-05-10");
    await waitForCampaign(ctx, secret, campaignId, (c) => c.status === "ready", 60_000);
    expect((await sendsOf(ctx, automationId)).length).toBe(60);
  }, 90_000);

  it("leaves the decision to the unique key: a second decision for the same contact and year is not recorded", async () => {
    const { accountId, secret } = await ctx.account();
    const automationId = await createAutomation(ctx, secret, BIRTHDAY, "2027-01-01");
    const [contactId] = await insertContacts(ctx, accountId, [{ birthday: "--03-01" }]);
    const a = await findAutomation(ctx.deps.pool, accountId, automationId);
    if (!a) throw new Error("no automation");
    const decide = (recipientId: string) =>
      withTransaction(ctx.deps.pool, (tx) =>
        insertDecisions(tx, a, "2027-02-19", [
          {
            id: newId("snd"),
            contactId: contactId as string,
            occasionYear: 2027,
            occasionDate: "2027-03-01",
            campaignId: null,
            recipientId,
            skipReason: null,
          },
        ]),
      );
    // No lock taken here: two writers at once, as if two runs got past it.
    const [first, other] = await Promise.all([decide("rcp_first"), decide("rcp_other")]);
    expect(first.size + other.size).toBe(1);
    expect(await sendsOf(ctx, automationId)).toHaveLength(1);
  });
});

describe("from contacts to the day's batch", () => {
  it("cardmerge automations run --wait prints the day's batches once the workers have made them", async () => {
    const { accountId, secret } = await ctx.account();
    await createAutomation(ctx, secret, BIRTHDAY, "2027-07-01");
    await insertContacts(ctx, accountId, [{ birthday: "--07-12" }, { birthday: "--07-12" }]);
    const { stdout } = await run(
      process.execPath,
      [
        "bin/cardmerge.js",
        "automations",
        "run",
        "--date",
        "2027-07-02",
        "--account",
        accountId,
        "--wait",
        "60",
      ],
      {
        env: {
          ...process.env,
          DATABASE_SCHEMA: ctx.config.databaseSchema,
          REDIS_PREFIX: ctx.config.redisPrefix,
          STORAGE_DIR: ctx.config.storageDir,
          LOG_LEVEL: "silent",
        },
      },
    );
    const out = JSON.parse(stdout);
    expect(out.automations[0]).toMatchObject({ status: "made", cards: 2 });
    expect(out.campaigns).toMatchObject([
      { status: "ready", cards: { rendered: 2 }, batches: [{ status: "ready", cards: 2 }] },
    ]);
    expect(out.campaigns[0].batches[0].zip_url).toMatch(/^\/v1\/batches\/batch_\w+\/zip$/);
  }, 90_000);

  it("runs the day, renders with the workers and hands the batch to the vendor", async () => {
    const { accountId, secret } = await ctx.account({ name: "Bloom Florists" });
    const vendor = (await ctx.deps.accounts.createKey(accountId, { scopes: ["batches"] })).secret;
    const automationId = await createAutomation(
      ctx,
      secret,
      { ...BIRTHDAY, name: "Customer birthdays" },
      "2027-03-01",
    );
    const imported = await ctx.app.inject({
      method: "POST",
      url: "/v1/contacts/import",
      headers: { ...bearer(secret), "content-type": "text/csv" },
      payload: [
        "First Name,Last Name,Street,City,State,Zip,Birthday,CRM id",
        "Zoë,Ångström,1 Rose Lane,Salem,MA,01970,03/14/1985,c-1",
        "Dmitri,Petrov,2 Oak Street,Salem,MA,01970,--03-14,c-2",
        "Not,Today,3 Elm Street,Salem,MA,01970,March 15,c-3",
      ].join("\r\n"),
    });
    expect(imported.json()).toMatchObject({ created: 3, rejected: 0 });
    const listed = await ctx.app.inject({ url: "/v1/contacts", headers: bearer(secret) });
    const idOf = new Map(
      listed.json().data.map((c: { id: string; external_id: string }) => [c.external_id, c.id]),
    );
    const ids = ["c-1", "c-2"].map((x) => idOf.get(x));
    const seen = await upcoming(ctx, secret, automationId, "2027-03-02", "2027-03-31");
    expect(seen.data.filter((d) => d.send_date === "2027-03-04")).toHaveLength(2);

    const [day] = await ctx.deps.dailyRun.runDay({ date: "2027-03-04", accountId });
    expect(day).toMatchObject({ status: "made", cards: 2, caught_up_days: 2 });
    const campaignId = day?.campaign_id as string;
    const ready = await waitForCampaign(
      ctx,
      secret,
      campaignId,
      (c) => c.status === "ready",
      60_000,
    );
    expect(ready).toMatchObject({
      name: "Customer birthdays · 2027-03-04",
      automation_id: automationId,
      send_date: "2027-03-04",
      cards: { rendered: 2, failed: 0 },
    });

    const list = await ctx.app.inject({ url: "/v1/batches?status=ready", headers: bearer(vendor) });
    const batches = list.json().data as {
      id: string;
      cards: number;
      automation: { id: string; name: string; send_date: string } | null;
      files: { zip: { url: string; sha256: string }; manifest: { url: string } };
    }[];
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({
      cards: 2,
      automation: { id: automationId, name: "Customer birthdays", send_date: "2027-03-04" },
    });
    const batch = batches[0] as (typeof batches)[number];
    const detail = await ctx.app.inject({
      url: `/v1/batches/${batch.id}`,
      headers: bearer(vendor),
    });
    expect(detail.json().automation).toMatchObject({ id: automationId });
    const zip = await ctx.app.inject({ url: batch.files.zip.url, headers: bearer(vendor) });
    expect(zip.statusCode).toBe(200);
    expect(zip.rawPayload.subarray(0, 2).toString()).toBe("PK");
    const manifest = await ctx.app.inject({
      url: batch.files.manifest.url,
      headers: bearer(vendor),
    });
    expect(manifest.body).toContain("Zoë Ångström");
    expect(manifest.body).toContain("1 Rose Lane");
    expect(manifest.body).not.toContain("Not Today");

    // The business sees what the automation made.
    const cards = await ctx.app.inject({
      url: `/v1/automations/${automationId}/cards`,
      headers: bearer(secret),
    });
    expect(cards.json().data).toHaveLength(2);
    expect(cards.json().data[0]).toMatchObject({
      status: "rendered",
      send_date: "2027-03-04",
      batch_id: batch.id,
      campaign_id: campaignId,
    });
    expect(new Set(cards.json().data.map((c: { contact_id: string }) => c.contact_id))).toEqual(
      new Set(ids),
    );
  }, 90_000);
});
