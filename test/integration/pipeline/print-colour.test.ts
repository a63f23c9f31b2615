/**
 * Print colour (issue 11 §4): an account asks for CMYK, and its next campaign's batch, imposed
 * sheets and cards come out with a CMYK output intent and no RGB object left (pdfimages -list, and
 * the uncompressed page content qpdf --qdf writes). Switched back to RGB, the next batch declares
 * sRGB; the first batch keeps the mode it was made in.
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign, submitUntilReady, uploadPhoto } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { colourPreflight, preflight } from "../../support/preflight.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;
let business: string;
let accountId: string;
let dir: string;

interface BatchJson {
  id: string;
  campaign_id: string;
  color_mode: string;
  files: { pdf: { url: string } };
}

async function setColour(color_mode: string) {
  return ctx.app.inject({
    method: "PATCH",
    url: "/v1/account",
    headers: bearer(business),
    payload: { color_mode },
  });
}

/** Submits a campaign of `recipients` cards sharing one photo, with QR codes, and waits for ready. */
async function readyBatch(photoId: string, recipients: number): Promise<BatchJson> {
  const campaignId = await draftCampaign(ctx, business, {
    recipients,
    photoId,
    landingUrl: "https://acme.example/thanks",
  });
  await submitUntilReady(ctx, business, campaignId, 240_000);
  const list = (await ctx.app.inject({ url: "/v1/batches", headers: bearer(business) })).json();
  return list.data.find((b: BatchJson) => b.campaign_id === campaignId);
}

async function download(url: string, name: string): Promise<string> {
  const res = await ctx.app.inject({ url, headers: bearer(business) });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  const file = path.join(dir, name);
  await writeFile(file, res.rawPayload);
  return file;
}

async function expectCmykOnly(file: string) {
  const colour = await colourPreflight(file);
  expect(colour.outputIntents).toEqual([
    {
      subtype: "GTS_PDFX",
      identifier: "Artifex CMYK SWOP Profile",
      info: "Artifex CMYK SWOP Profile",
      profileComponents: 4,
    },
  ]);
  expect(colour.imageColours.length).toBeGreaterThan(0);
  expect(colour.imageColours.every((c) => c === "cmyk")).toBe(true);
  expect(colour.rgbOperators).toEqual([]);
  expect(colour.rgbColourSpaces).toEqual([]);
  expect((await preflight(file)).qpdfOk).toBe(true);
}

let cmykBatch: BatchJson;
let photoId: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-colour-"));
  ctx = await createTestContext({ STORAGE_DIR: dir });
  processors = await startProcessors(ctx.deps);
  ({ secret: business, accountId } = await ctx.account());
  photoId = await uploadPhoto(ctx, business, "shop.jpg", await noisyJpeg(1600, 2200));
  const patched = await setColour("cmyk");
  expect(patched.statusCode, patched.body).toBe(200);
  expect(patched.json().color_mode).toBe("cmyk");
  cmykBatch = await readyBatch(photoId, 3);
}, 300_000);

afterAll(async () => {
  await processors?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("print colour", () => {
  it("is rgb by default and refuses a mode that is not rgb or cmyk", async () => {
    const other = await ctx.account({ name: "Other shop" });
    const shown = await ctx.app.inject({ url: "/v1/account", headers: bearer(other.secret) });
    expect(shown.json().color_mode).toBe("rgb");
    for (const bad of ["CMYK", "rgba", "", 4])
      expect((await setColour(bad as string)).statusCode).toBe(400);
  });

  it("a CMYK batch has a CMYK output intent and no RGB image or colour left", async () => {
    expect(cmykBatch.color_mode).toBe("cmyk");
    await expectCmykOnly(await download(cmykBatch.files.pdf.url, "cmyk-batch.pdf"));
  });

  it("so do its imposed sheets and its cards' own PDFs", async () => {
    await expectCmykOnly(
      await download(`/v1/batches/${cmykBatch.id}/imposed.pdf?sheet=12x18`, "cmyk-imposed.pdf"),
    );
    const cards = (
      await ctx.app.inject({
        url: `/v1/campaigns/${cmykBatch.campaign_id}/cards`,
        headers: bearer(business),
      })
    ).json().data as Array<{ id: string }>;
    const card = cards[0] as { id: string };
    await expectCmykOnly(
      await download(`/v1/campaigns/${cmykBatch.campaign_id}/cards/${card.id}.pdf`, "card.pdf"),
    );
  });

  it("separates a shared photo once, by its content", async () => {
    // Three cards, each rendered alone, then in the batch and on the sheets: one copy in storage.
    const copies = await readdir(path.join(dir, `accounts/${accountId}/photos/cmyk`));
    expect(copies.filter((f) => f.endsWith(".jpg"))).toHaveLength(1);
  });

  it("a draft's proof is drawn in the account's mode as it is now", async () => {
    const draft = await draftCampaign(ctx, business, { recipients: 1, photoId });
    const recipients = (
      await ctx.app.inject({
        url: `/v1/campaigns/${draft}/recipients`,
        headers: bearer(business),
      })
    ).json().data as Array<{ id: string }>;
    const rid = (recipients[0] as { id: string }).id;
    await expectCmykOnly(
      await download(`/v1/campaigns/${draft}/recipients/${rid}/proof.pdf`, "proof.pdf"),
    );
  });

  it("an RGB batch declares sRGB, while the CMYK batch keeps the mode it was made in", async () => {
    expect((await setColour("rgb")).json().color_mode).toBe("rgb");
    const rgbBatch = await readyBatch(photoId, 2);
    expect(rgbBatch.color_mode).toBe("rgb");
    const colour = await colourPreflight(await download(rgbBatch.files.pdf.url, "rgb-batch.pdf"));
    expect(colour.outputIntents).toEqual([
      {
        subtype: "GTS_PDFX",
        identifier: "Artifex Software sRGB ICC Profile",
        info: "Artifex Software sRGB ICC Profile",
        profileComponents: 3,
      },
    ]);
    expect(colour.imageColours).toContain("rgb");
    // A card's own PDF is stored without its photo and names the print master by its hash: it
    // comes back whole only if that hash is the master's.
    const [card] = (
      await ctx.app.inject({
        url: `/v1/campaigns/${rgbBatch.campaign_id}/cards`,
        headers: bearer(business),
      })
    ).json().data as Array<{ id: string }>;
    const cardColour = await colourPreflight(
      await download(`/v1/campaigns/${rgbBatch.campaign_id}/cards/${card?.id}.pdf`, "rgb-card.pdf"),
    );
    expect(cardColour.imageColours).toContain("rgb");
    const again = await ctx.app.inject({
      url: `/v1/batches/${cmykBatch.id}`,
      headers: bearer(business),
    });
    expect(again.json().color_mode).toBe("cmyk");
  }, 300_000);
});

describe("the colour mode as input", () => {
  it.each([
    ["another colour model", "lab"],
    ["a different case", "CMYK"],
    ["a NUL", "cmyk\u0000"],
    ["a huge string", "c".repeat(100_000)],
    ["a number", 4],
    ["null", null],
    // A one-element array is coerced to its element (Fastify's coerceTypes "array", app-wide).
    ["an array of two", ["cmyk", "rgb"]],
  ])("refuses %s with 400 naming color_mode, and keeps the mode", async (_what, value) => {
    const mode = async () =>
      (await ctx.app.inject({ url: "/v1/account", headers: bearer(business) })).json().color_mode;
    const before = await mode();
    const res = await ctx.app.inject({
      method: "PATCH",
      url: "/v1/account",
      headers: bearer(business),
      payload: { color_mode: value },
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
    expect(res.body).toContain("color_mode");
    expect(await mode()).toBe(before);
  });

  it("is set only with an admin key: a vendor key gets 403", async () => {
    const vendor = (await ctx.deps.accounts.createKey(accountId, { scopes: ["batches"] })).secret;
    const res = await ctx.app.inject({
      method: "PATCH",
      url: "/v1/account",
      headers: bearer(vendor),
      payload: { color_mode: "cmyk" },
    });
    expect(res.statusCode).toBe(403);
  });
});
