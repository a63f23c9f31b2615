import { mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardInput, createPhotoLoader } from "../../../src/modules/cards/card-input.ts";
import { findPhoto } from "../../../src/modules/photos/photos.repository.ts";
import { renderCard } from "../../../src/render/index.ts";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign, uploadPhoto, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { pdfText, preflight } from "../../support/preflight.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;
let business: string;
let vendor: string;
let campaignId: string;
let dir: string;

const parseCsv = (text: string) =>
  text
    .trim()
    .split("\r\n")
    .map(
      (line) =>
        line
          .match(/("([^"]|"")*"|[^,]*)(,|$)/g)
          ?.map((c) => c.replace(/,$/, "").replace(/^"|"$/g, "").replaceAll('""', '"')) ?? [],
    );

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-pipeline-"));
  ctx = await createTestContext({ BATCH_SIZE: "120", RENDER_CHUNK_SIZE: "20", STORAGE_DIR: dir });
  processors = await startProcessors(ctx.deps);
  const { accountId, secret } = await ctx.account();
  business = secret;
  vendor = (await ctx.deps.accounts.createKey(accountId, { scopes: ["batches"] })).secret;
  const photoId = await uploadPhoto(ctx, business, "front.jpg", await noisyJpeg(1600, 2200));
  const story = "and then ".repeat(110).trim();
  campaignId = await draftCampaign(ctx, business, {
    recipients: 300,
    photoId,
    message:
      "Dear {{firstName}}, thank you for your {{lastPurchase}}. We loved working on your {{lastPurchase}}; may your {{lastPurchase}} serve you well, and call us about your {{lastPurchase}}.",
    extraRows: [
      `"=HYPERLINK(""http://x"")",Mallory,1 Evil Way,Springfield,IL,62701,tap`,
      `Verbose,Vic,2 Long Road,Springfield,IL,62702,"${story}"`,
    ],
  });
  const submitted = await ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${campaignId}/submit`,
    headers: bearer(business),
    payload: {},
  });
  expect(submitted.statusCode, submitted.body).toBe(200);
  await waitForCampaign(ctx, business, campaignId, (c) => c.status === "ready", 120_000);
}, 180_000);

afterAll(async () => {
  await processors?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

type File = { url: string; bytes: number; sha256: string };
type BatchJson = {
  id: string;
  number: number;
  pages: number;
  campaign_id: string;
  files: Record<"pdf" | "manifest" | "zip", File>;
};
type Manifest = { batch: BatchJson; rows: string[][] };

async function manifests(): Promise<Manifest[]> {
  const list = (
    await ctx.app.inject({ url: "/v1/batches?limit=100", headers: bearer(vendor) })
  ).json();
  const batches = list.data.filter((b: { campaign_id: string }) => b.campaign_id === campaignId);
  batches.sort((a: { number: number }, b: { number: number }) => a.number - b.number);
  const out = [];
  for (const b of batches) {
    const res = await ctx.app.inject({ url: b.files.manifest.url, headers: bearer(vendor) });
    out.push({ batch: b, rows: parseCsv(res.body).slice(1) });
  }
  return out;
}

describe("a 302-recipient campaign from submit to ready batches", () => {
  it("reports progress: every card has an outcome; the overflowing message failed with its reason", async () => {
    const campaign = (
      await ctx.app.inject({ url: `/v1/campaigns/${campaignId}`, headers: bearer(business) })
    ).json();
    expect(campaign).toMatchObject({
      status: "ready",
      cards: { pending: 0, rendered: 301, failed: 1 },
    });
    expect(campaign.batches.map((b: { cards: number }) => b.cards)).toEqual([120, 120, 61]);
    for (const at of ["submitted_at", "rendering_at", "batching_at", "ready_at"])
      expect(campaign[at], at).not.toBeNull();
    const failed = (
      await ctx.app.inject({
        url: `/v1/campaigns/${campaignId}/cards?status=failed`,
        headers: bearer(business),
      })
    ).json();
    expect(failed.data).toHaveLength(1);
    expect(failed.data[0]).toMatchObject({
      recipient_name: "Verbose Vic",
      status: "failed",
      failure_reason: "message_overflow",
    });
    expect(failed.data[0].failure_detail.length).toBeGreaterThan(10);
  });

  it("lists every rendered card exactly once across the manifests, in presort order", async () => {
    const all = await manifests();
    const ids = all.flatMap((m) => m.rows.map((r) => r[3]));
    expect(ids).toHaveLength(301);
    expect(new Set(ids).size).toBe(301);
    // Presort runs across batches too: batch 2 starts where batch 1 ended.
    const everyZip = all.flatMap((m) => m.rows.map((r) => `${r[11]} ${r[10]}`));
    expect(everyZip).toEqual([...everyZip].sort());
    for (const { rows } of all) {
      expect(rows.map((r) => Number(r[0]))).toEqual(rows.map((_, i) => i + 1));
    }
  });

  it("neutralises a formula in the manifest", async () => {
    const cells = (await manifests()).flatMap((m) => m.rows.map((r) => r[4]));
    const mallory = cells.find((c) => c?.includes("HYPERLINK"));
    expect(mallory?.startsWith("'=")).toBe(true);
  });

  it("writes batch PDFs that pass preflight, with page counts matching the manifests", async () => {
    for (const { batch, rows } of await manifests()) {
      const res = await ctx.app.inject({ url: batch.files.pdf.url, headers: bearer(vendor) });
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe(`"${batch.files.pdf.sha256}"`);
      const file = path.join(dir, `${batch.id}.pdf`);
      await writeFile(file, res.rawPayload);
      const report = await preflight(file);
      expect(report.qpdfOk, report.qpdfOutput).toBe(true);
      expect(report.pages).toBe(rows.reduce((n, r) => n + Number(r[2]), 0));
      expect(report.pages).toBe(batch.pages);
      expect(report.fonts.every((f) => f.embedded)).toBe(true);
      expect(new Set(report.images.map((i) => `${i.width}x${i.height}`)).size).toBe(1);
      if (batch.number === 1) expect(await pdfText(file)).toContain(rows[0]?.[4] as string);
    }
    // Poppler builds a colour transform from a PDF's output intent on every page: pdfimages and
    // pdftotext take about 12 ms of CPU per page more (240 pages: 3 s, not 0.1 s), past 30 s here.
  }, 120_000);

  it("serves byte ranges, conditional requests and the ZIP with checksums", async () => {
    const { batch } = (await manifests())[0] as Manifest;
    const part = await ctx.app.inject({
      url: batch.files.pdf.url,
      headers: { ...bearer(vendor), range: "bytes=0-7" },
    });
    expect(part.statusCode).toBe(206);
    expect(part.body.startsWith("%PDF-")).toBe(true);
    expect(part.headers["content-range"]).toBe(`bytes 0-7/${batch.files.pdf.bytes}`);
    const notModified = await ctx.app.inject({
      url: batch.files.pdf.url,
      headers: { ...bearer(vendor), "if-none-match": `"${batch.files.pdf.sha256}"` },
    });
    expect(notModified.statusCode).toBe(304);
    const bad = await ctx.app.inject({
      url: batch.files.pdf.url,
      headers: { ...bearer(vendor), range: `bytes=${batch.files.pdf.bytes + 10}-` },
    });
    expect(bad.statusCode).toBe(416);
    const backwards = await ctx.app.inject({
      url: batch.files.pdf.url,
      headers: { ...bearer(vendor), range: "bytes=9-3" },
    });
    expect(backwards.statusCode).toBe(200);
    expect(backwards.rawPayload.length).toBe(batch.files.pdf.bytes);
    const zip = await ctx.app.inject({ url: batch.files.zip.url, headers: bearer(vendor) });
    expect(zip.statusCode).toBe(200);
    expect(zip.rawPayload.subarray(0, 2).toString()).toBe("PK");
    expect(zip.rawPayload.includes(Buffer.from(`${batch.files.pdf.sha256}  `))).toBe(true);
    expect(zip.rawPayload.includes(Buffer.from(`${batch.files.manifest.sha256}  `))).toBe(true);
  });

  it("lets the vendor acknowledge, and the business sees it", async () => {
    const { batch } = (await manifests())[0] as Manifest;
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/batches/${batch.id}/acknowledge`,
      headers: bearer(vendor),
      payload: { status: "printed" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "printed" });
    expect(res.json().downloaded_at).not.toBeNull();
    const campaign = (
      await ctx.app.inject({ url: `/v1/campaigns/${campaignId}`, headers: bearer(business) })
    ).json();
    expect(campaign.batches.find((b: { id: string }) => b.id === batch.id).status).toBe("printed");
  });

  it("refuses an acknowledgement dated before the batch was ready, saying so", async () => {
    const { batch } = (await manifests())[0] as Manifest;
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/batches/${batch.id}/acknowledge`,
      headers: bearer(vendor),
      payload: { status: "mailed", at: "2020-01-01T00:00:00Z" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(
      /^at \(2020-01-01T00:00:00.000Z\) is before the batch was ready/,
    );
    expect(res.json().errors).toEqual([
      { field: "body.at", message: "before the batch's ready_at" },
    ]);
  });

  it("serves each rendered card's PDF", async () => {
    const cards = (
      await ctx.app.inject({
        url: `/v1/campaigns/${campaignId}/cards?status=rendered&limit=1`,
        headers: bearer(business),
      })
    ).json();
    const pdf = await ctx.app.inject({ url: cards.data[0].pdf_url, headers: bearer(business) });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    // The same bytes and ETag each time, and the bytes the renderer makes of the card's data now.
    const again = await ctx.app.inject({ url: cards.data[0].pdf_url, headers: bearer(business) });
    expect(again.rawPayload.equals(pdf.rawPayload)).toBe(true);
    expect(again.headers.etag).toBe(pdf.headers.etag);
    const { rows } = await ctx.deps.pool.query("SELECT * FROM cards WHERE id = $1", [
      cards.data[0].id,
    ]);
    const { rows: campaign } = await ctx.deps.pool.query("SELECT * FROM campaigns WHERE id = $1", [
      campaignId,
    ]);
    const fresh = await renderCard(
      await cardInput(
        {
          templates: ctx.deps.templates,
          photos: createPhotoLoader({
            storage: ctx.deps.storage,
            findPhoto: (a, id) => findPhoto(ctx.deps.pool, a, id),
          }),
        },
        campaign[0],
        rows[0],
      ),
    );
    expect(pdf.rawPayload.equals(fresh.pdf)).toBe(true);
    // Stored without the shared photo: the card's own object is a small part of its PDF.
    const stored = await stat(path.join(dir, rows[0].pdf_key));
    expect(stored.size).toBeLessThan(50_000);
    expect(pdf.rawPayload.length).toBeGreaterThan(stored.size + 500_000);

    // Its photo gone from storage: an error, never a PDF with a hole in it.
    const { rows: photo } = await ctx.deps.pool.query(
      "SELECT master_key FROM photos WHERE id = $1",
      [campaign[0].photo_id],
    );
    const master = path.join(dir, photo[0].master_key);
    await rename(master, `${master}.away`);
    try {
      const broken = await ctx.app.inject({
        url: cards.data[0].pdf_url,
        headers: bearer(business),
      });
      expect(broken.statusCode).toBe(500);
      expect(broken.headers["content-type"]).toMatch(/^application\/problem\+json/);
    } finally {
      await rename(`${master}.away`, master);
    }
  });

  it("keeps vendors out of campaigns and other accounts out of batches", async () => {
    expect(
      (await ctx.app.inject({ url: `/v1/campaigns/${campaignId}`, headers: bearer(vendor) }))
        .statusCode,
    ).toBe(403);
    const { batch } = (await manifests())[0] as Manifest;
    const other = await ctx.account();
    for (const url of [
      `/v1/batches/${batch.id}`,
      batch.files.pdf?.url,
      batch.files.zip?.url,
    ] as string[]) {
      expect((await ctx.app.inject({ url, headers: bearer(other.secret) })).statusCode, url).toBe(
        404,
      );
    }
    const list = (
      await ctx.app.inject({ url: "/v1/batches", headers: bearer(other.secret) })
    ).json();
    expect(list.data).toEqual([]);
  });
});
