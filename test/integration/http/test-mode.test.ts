/**
 * Test mode: test keys (cmk_test_…) act on the account's test twin. Their objects are invisible to
 * live keys and the other way round (404, as another account's ids), their cards carry the SAMPLE
 * mark, and their batches reach only test vendor keys.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashSecret } from "../../../src/modules/accounts/api-key-secret.ts";
import { SAMPLE_MARK_TEXT } from "../../../src/render/sample-mark.ts";
import { startProcessors } from "../../../workers/processors/index.ts";
import { BIRTHDAY, createAutomation, insertContacts } from "../../support/automation-fixtures.ts";
import { draftCampaign, uploadPhoto, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

const run = promisify(execFile);
let ctx: TestContext;
let accountId: string;
let liveAdmin: string;

beforeAll(async () => {
  ctx = await createTestContext();
  const a = await ctx.account({ name: "Mode Co" });
  accountId = a.accountId;
  liveAdmin = a.secret;
}, 60_000);
afterAll(() => ctx.close());

async function newKey(body: Record<string, unknown>, secret = liveAdmin) {
  const res = await ctx.app.inject({
    method: "POST",
    url: "/v1/api_keys",
    headers: bearer(secret),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string; prefix: string; mode: string };
}

async function pageText(pdf: Buffer, page: number): Promise<string> {
  const path = join(tmpdir(), `cardmerge-test-mode-${process.pid}-${Date.now()}.pdf`);
  await writeFile(path, pdf);
  const args = ["-enc", "UTF-8", "-f", String(page), "-l", String(page), path, "-"];
  return (await run("pdftotext", args)).stdout.replace(/\s+/g, " ");
}

const get = (url: string, secret: string) => ctx.app.inject({ url, headers: bearer(secret) });

describe("test-mode keys", () => {
  it("say their mode in the prefix, in key listings and on /v1/account", async () => {
    const test = await newKey({ scopes: ["campaigns", "batches"], mode: "test" });
    const live = await newKey({ scopes: ["campaigns"] });
    expect(test.secret).toMatch(/^cmk_test_[0-9A-Za-z]{32}$/);
    expect(test).toMatchObject({ mode: "test", prefix: expect.stringMatching(/^cmk_test_.{8}$/) });
    expect(live.secret).toMatch(/^cmk_live_[0-9A-Za-z]{32}$/);
    expect(live.mode).toBe("live");

    const listed = (await get("/v1/api_keys?limit=100", liveAdmin)).json().data as Array<{
      id: string;
      mode: string;
    }>;
    expect(listed.find((k) => k.id === test.id)?.mode).toBe("test");
    expect(listed.find((k) => k.id === live.id)?.mode).toBe("live");

    const account = (await get("/v1/account", test.secret)).json();
    expect(account).toMatchObject({ id: accountId, name: "Mode Co", mode: "test" });
    expect(account.key).toMatchObject({ id: test.id, mode: "test" });
    expect((await get("/v1/account", live.secret)).json().mode).toBe("live");
  });

  it("keep keys made before test mode (cmk_ + 32 characters) working, as live keys", async () => {
    const legacy = `cmk_${"a1B2c3D4".repeat(4)}`;
    await ctx.deps.pool.query(
      `INSERT INTO api_keys (id, account_id, name, prefix, secret_hash, scopes)
       VALUES ('key_legacy', $1, 'old', 'cmk_a1B2c3D4', $2, ARRAY['campaigns'])`,
      [accountId, hashSecret(legacy)],
    );
    const res = await get("/v1/account", legacy);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: accountId, mode: "live" });
  });

  it("refuse a mode other than live or test, naming the field (400)", async () => {
    // (A one-element ["test"] is read as "test": the app coerces arrays for query strings.)
    for (const mode of [
      "prod",
      "TEST",
      "test\u0000",
      "live\u0000x",
      "",
      1,
      null,
      ["test", "live"],
      { $ne: "live" },
    ]) {
      const res = await ctx.app.inject({
        method: "POST",
        url: "/v1/api_keys",
        headers: bearer(liveAdmin),
        payload: { scopes: ["campaigns"], mode },
      });
      expect(res.statusCode, JSON.stringify(mode)).toBe(400);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(res.body, JSON.stringify(mode)).toContain("mode");
    }
    // The CLI's way in (no schema in front of it) refuses the same, by field.
    await expect(
      ctx.deps.accounts.createKey(accountId, { scopes: ["batches"], mode: "test\u0000" }),
    ).rejects.toMatchObject({ status: 400, errors: [{ field: "mode" }] });
  });

  it("cannot reach live keys from a test admin key", async () => {
    const testAdmin = await newKey({ scopes: ["admin"], mode: "test" });
    const live = await newKey({ scopes: ["campaigns"] });
    const made = await ctx.app.inject({
      method: "POST",
      url: "/v1/api_keys",
      headers: bearer(testAdmin.secret),
      payload: { scopes: ["admin"] },
    });
    expect(made.statusCode).toBe(403);
    expect(made.json().detail).toContain('"mode": "test"');
    const listed = (await get("/v1/api_keys?limit=100", testAdmin.secret)).json().data as Array<{
      mode: string;
    }>;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((k) => k.mode === "test")).toBe(true);
    const revoke = await ctx.app.inject({
      method: "POST",
      url: `/v1/api_keys/${live.id}/revoke`,
      headers: bearer(testAdmin.secret),
    });
    expect(revoke.statusCode).toBe(404);
    expect((await get("/v1/account", live.secret)).statusCode).toBe(200);
    // A test key may make another test key.
    expect((await newKey({ scopes: ["batches"], mode: "test" }, testAdmin.secret)).mode).toBe(
      "test",
    );
  });
});

describe("test-mode objects", () => {
  it("are invisible to live keys and the other way round (404, and absent from lists)", async () => {
    const test = (await newKey({ scopes: ["campaigns"], mode: "test" })).secret;
    const live = (await newKey({ scopes: ["campaigns"] })).secret;
    const testCampaign = await draftCampaign(ctx, test, { recipients: 1 });
    const liveCampaign = await draftCampaign(ctx, live, { recipients: 1 });
    const testPhoto = await uploadPhoto(ctx, test, "test-photo.jpg", await noisyJpeg(400, 300));
    const testContact = (
      await ctx.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: bearer(test),
        payload: { first_name: "Tess", last_name: "Mode", external_id: "crm-test-1" },
      })
    ).json().id as string;

    expect((await get(`/v1/campaigns/${testCampaign}`, test)).statusCode).toBe(200);
    expect((await get(`/v1/campaigns/${testCampaign}`, live)).statusCode).toBe(404);
    expect((await get(`/v1/campaigns/${liveCampaign}`, test)).statusCode).toBe(404);
    expect((await get(`/v1/photos/${testPhoto}`, live)).statusCode).toBe(404);
    expect((await get(`/v1/contacts/${testContact}`, live)).statusCode).toBe(404);
    const ids = async (url: string, secret: string) =>
      ((await get(url, secret)).json().data as Array<{ id: string }>).map((o) => o.id);
    expect(await ids("/v1/campaigns?limit=100", live)).not.toContain(testCampaign);
    expect(await ids("/v1/campaigns?limit=100", live)).toContain(liveCampaign);
    expect(await ids("/v1/campaigns?limit=100", test)).toEqual([testCampaign]);
    expect(await ids("/v1/contacts?limit=100", live)).not.toContain(testContact);
    expect(await ids("/v1/photos?limit=100", live)).not.toContain(testPhoto);
    // The same external_id lives once per mode: a test import never updates a live contact.
    const liveContact = await ctx.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: bearer(live),
      payload: { first_name: "Liv", last_name: "Mode", external_id: "crm-test-1" },
    });
    expect(liveContact.statusCode).toBe(201);
    expect(liveContact.json().id).not.toBe(testContact);
  });

  it("include automations: theirs are test automations, and their days make test campaigns", async () => {
    const test = (await newKey({ scopes: ["campaigns"], mode: "test" })).secret;
    const live = (await newKey({ scopes: ["campaigns"] })).secret;
    const automation = await createAutomation(ctx, test, BIRTHDAY, "2027-01-01");
    expect((await get(`/v1/automations/${automation}`, test)).statusCode).toBe(200);
    expect((await get(`/v1/automations/${automation}`, live)).statusCode).toBe(404);
    const twin = await ctx.deps.accounts.accountOfMode(accountId, "test");
    expect(twin).toBeDefined();
    expect(twin).not.toBe(accountId);
    await insertContacts(ctx, twin as string, [{ birthday: "--01-20" }]);
    // The live account's day makes nothing from a test automation.
    expect(await ctx.deps.dailyRun.runDay({ date: "2027-01-10", accountId })).toEqual([]);
    const [day] = await ctx.deps.dailyRun.runDay({ date: "2027-01-10", accountId: twin });
    expect(day).toMatchObject({ automation_id: automation, status: "made", cards: 1 });
    const { rows } = await ctx.deps.pool.query("SELECT mode FROM campaigns WHERE id = $1", [
      day?.campaign_id,
    ]);
    expect(rows[0]?.mode).toBe("test");
    expect((await get(`/v1/campaigns/${day?.campaign_id}`, test)).statusCode).toBe(200);
    expect((await get(`/v1/campaigns/${day?.campaign_id}`, live)).statusCode).toBe(404);
  });

  it("print SAMPLE on both sides; their batches reach test vendor keys only", async () => {
    const test = (await newKey({ scopes: ["campaigns"], mode: "test" })).secret;
    const live = (await newKey({ scopes: ["campaigns"] })).secret;
    const testVendor = (await newKey({ scopes: ["batches"], mode: "test" })).secret;
    const liveVendor = (await newKey({ scopes: ["batches"] })).secret;
    const testCampaign = await draftCampaign(ctx, test, { recipients: 2 });
    const liveCampaign = await draftCampaign(ctx, live, { recipients: 2 });

    // A proof made with a test key is marked too, front and back.
    const rid = (await get(`/v1/campaigns/${testCampaign}/recipients?limit=1`, test)).json().data[0]
      .id;
    const proof = await get(`/v1/campaigns/${testCampaign}/recipients/${rid}/proof.pdf`, test);
    expect(proof.statusCode).toBe(200);
    expect(await pageText(proof.rawPayload, 1)).toContain(SAMPLE_MARK_TEXT);
    expect(await pageText(proof.rawPayload, 2)).toContain(SAMPLE_MARK_TEXT);

    const processors = await startProcessors(ctx.deps);
    try {
      for (const [id, secret] of [
        [testCampaign, test],
        [liveCampaign, live],
      ] as const) {
        const submit = await ctx.app.inject({
          method: "POST",
          url: `/v1/campaigns/${id}/submit`,
          headers: bearer(secret),
        });
        expect(submit.statusCode, submit.body).toBeLessThan(300);
      }
      await waitForCampaign(ctx, test, testCampaign, (c) => c.status === "ready", 90_000);
      await waitForCampaign(ctx, live, liveCampaign, (c) => c.status === "ready", 90_000);
    } finally {
      await processors.close();
    }
    const batchOf = async (id: string, secret: string) =>
      (await get(`/v1/campaigns/${id}`, secret)).json().batches[0].id as string;
    const testBatch = await batchOf(testCampaign, test);
    const liveBatch = await batchOf(liveCampaign, live);

    const listed = async (secret: string) =>
      ((await get("/v1/batches?status=ready", secret)).json().data as Array<{ id: string }>).map(
        (b) => b.id,
      );
    // The twin's earlier daily run may have a batch of its own: each list holds its mode's only.
    const liveList = await listed(liveVendor);
    const testList = await listed(testVendor);
    expect(liveList).toContain(liveBatch);
    expect(liveList).not.toContain(testBatch);
    expect(testList).toContain(testBatch);
    expect(testList).not.toContain(liveBatch);
    for (const path of ["", "/pdf", "/manifest.csv", "/zip"]) {
      expect((await get(`/v1/batches/${testBatch}${path}`, liveVendor)).statusCode, path).toBe(404);
      expect((await get(`/v1/batches/${liveBatch}${path}`, testVendor)).statusCode, path).toBe(404);
    }
    const ack = await ctx.app.inject({
      method: "POST",
      url: `/v1/batches/${testBatch}/acknowledge`,
      headers: bearer(liveVendor),
      payload: { status: "printed" },
    });
    expect(ack.statusCode).toBe(404);

    const testPdf = await get(`/v1/batches/${testBatch}/pdf`, testVendor);
    expect(testPdf.statusCode).toBe(200);
    const livePdf = await get(`/v1/batches/${liveBatch}/pdf`, liveVendor);
    expect(livePdf.statusCode).toBe(200);
    // Two cards of two pages (front, back): every page marked in test mode, none in live.
    for (let page = 1; page <= 4; page++) {
      expect(await pageText(testPdf.rawPayload, page), `test page ${page}`).toContain(
        SAMPLE_MARK_TEXT,
      );
      expect(await pageText(livePdf.rawPayload, page), `live page ${page}`).not.toContain("SAMPLE");
    }
  }, 180_000);
});
