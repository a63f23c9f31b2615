/**
 * The built-in handwritten note through the API: listed with the other designs, its proofs pass
 * the print preflight, and each card that prints is its proof byte for byte, in a hand of its own.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcessors } from "../../../workers/processors/index.ts";
import { recipientsCsv, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { boxSizeIn, pdfText, preflight } from "../../support/preflight.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;
let business: string;
let dir: string;
let campaignId: string;
let recipientIds: string[];

const MESSAGE = "Dear {{firstName}},\nthank you for letting us do your {{lastPurchase}}.";

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-handwritten-"));
  ctx = await createTestContext({ STORAGE_DIR: dir });
  processors = await startProcessors(ctx.deps);
  business = (await ctx.account()).secret;
  const created = await ctx.app.inject({
    method: "POST",
    url: "/v1/campaigns",
    headers: bearer(business),
    payload: {
      name: "Handwritten thanks",
      occasion: "thank_you",
      template: "handwritten-note",
      format: "card_5x7",
      message: MESSAGE,
      merge_fields: ["lastPurchase"],
      sender: { business_name: "Acme Plumbing", signature: "Maria" },
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  campaignId = created.json().id;
  const imported = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${campaignId}/recipients`,
    headers: { ...bearer(business), "content-type": "text/csv" },
    payload: recipientsCsv(2),
  });
  expect(imported.statusCode, imported.body).toBe(201);
  const list = await ctx.app.inject({
    url: `/v1/campaigns/${campaignId}/recipients`,
    headers: bearer(business),
  });
  recipientIds = list.json().data.map((r: { id: string }) => r.id);
}, 60_000);

afterAll(async () => {
  await processors?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

const proof = async (rid: string) => {
  const res = await ctx.app.inject({
    url: `/v1/campaigns/${campaignId}/recipients/${rid}/proof.pdf`,
    headers: bearer(business),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.rawPayload;
};

describe("the handwritten note", () => {
  it("is listed with the built-in designs, in its three formats", async () => {
    const res = await ctx.app.inject({ url: "/v1/templates", headers: bearer(business) });
    const note = res.json().data.find((t: { id: string }) => t.id === "handwritten-note");
    expect(note).toMatchObject({ name: "Handwritten Note", occasion: "thank_you" });
    expect(note.formats).toEqual(["card_5x7", "a2_folded", "postcard_4x6"]);
  });

  it("proofs that pass the print preflight, with the message as written", async () => {
    expect(recipientIds).toHaveLength(2);
    for (const rid of recipientIds) {
      const file = path.join(dir, `proof-${rid}.pdf`);
      await writeFile(file, await proof(rid));
      const pf = await preflight(file);
      expect(pf.qpdfOk, pf.qpdfOutput).toBe(true);
      expect(pf.pages).toBe(2);
      for (const trim of pf.trimBoxes) expect(boxSizeIn(trim)).toEqual({ w: 5, h: 7 });
      expect(pf.fonts.map((f) => f.name.split("+")[1])).toContain("Caveat-Regular");
      for (const f of pf.fonts)
        expect(f, f.name).toMatchObject({ embedded: true, subset: true, unicode: true });
      expect(await pdfText(file)).toContain("thank you for letting us do your boiler service.");
    }
  });

  it("prints each card as its proof, byte for byte, and no two cards alike", async () => {
    const proofs = await Promise.all(recipientIds.map(proof));
    const submitted = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/submit`,
      headers: bearer(business),
      payload: {},
    });
    expect(submitted.statusCode, submitted.body).toBe(200);
    await waitForCampaign(ctx, business, campaignId, (c) => c.status === "ready", 120_000);
    const { rows } = await ctx.deps.pool.query<{ id: string; recipient_id: string }>(
      "SELECT id, recipient_id FROM cards WHERE campaign_id = $1 ORDER BY seq",
      [campaignId],
    );
    expect(rows).toHaveLength(2);
    for (const card of rows) {
      const res = await ctx.app.inject({
        url: `/v1/campaigns/${campaignId}/cards/${card.id}.pdf`,
        headers: bearer(business),
      });
      expect(res.statusCode).toBe(200);
      const own = proofs[recipientIds.indexOf(card.recipient_id)] as Buffer;
      expect(res.rawPayload.equals(own), card.id).toBe(true);
    }
    expect((proofs[0] as Buffer).equals(proofs[1] as Buffer)).toBe(false);
  }, 180_000);
});
