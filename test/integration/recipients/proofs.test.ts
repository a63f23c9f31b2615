import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign, uploadPhoto } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { pdfText, preflight } from "../../support/preflight.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;
let campaignId: string;
type Row = { id: string; full_name: string };
let recipients: Row[];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-proofs-"));
  ctx = await createTestContext();
  secret = (await ctx.account()).secret;
  const photoId = await uploadPhoto(ctx, secret, "front.jpg", await noisyJpeg(1600, 2200));
  campaignId = await draftCampaign(ctx, secret, { recipients: 2, photoId });
  recipients = (
    await ctx.app.inject({ url: `/v1/campaigns/${campaignId}/recipients`, headers: bearer(secret) })
  ).json().data;
});
afterAll(async () => {
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

const proof = (rid: string, kind: "pdf" | "png", query = "") =>
  ctx.app.inject({
    url: `/v1/campaigns/${campaignId}/recipients/${rid}/proof.${kind}${query}`,
    headers: bearer(secret),
  });

describe("proofs", () => {
  it("serves a print-ready PDF proof with the recipient's name", async () => {
    const [first] = recipients as [Row];
    const res = await proof(first.id, "pdf");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    const file = path.join(dir, "proof.pdf");
    await writeFile(file, res.rawPayload);
    expect(await pdfText(file)).toContain(first.full_name);
    expect((await preflight(file)).qpdfOk).toBe(true);
  });

  it("draws the name on top of the PNG proof: two recipients differ on top, not on the photo", async () => {
    const [a, b] = recipients as [Row, Row];
    const pngA = await proof(a.id, "png", "?page=1");
    expect(pngA.statusCode).toBe(200);
    expect(pngA.headers["content-type"]).toBe("image/png");
    const pngB = await proof(b.id, "png", "?page=1");
    const rows = async (png: Buffer, from: number, to: number) => {
      const img = sharp(png);
      const { width = 0, height = 0 } = await img.metadata();
      return img
        .extract({
          left: 0,
          top: Math.round(height * from),
          width,
          height: Math.round(height * (to - from)),
        })
        .raw()
        .toBuffer();
    };
    const meta = await sharp(pngA.rawPayload).metadata();
    expect(meta.width).toBeCloseTo(5.25 * 100, -1);
    // The name panel sits in the top fifth of the front; the photo fills the middle.
    expect((await rows(pngA.rawPayload, 0, 0.2)).equals(await rows(pngB.rawPayload, 0, 0.2))).toBe(
      false,
    );
    expect(
      (await rows(pngA.rawPayload, 0.45, 0.6)).equals(await rows(pngB.rawPayload, 0.45, 0.6)),
    ).toBe(true);
    const back = await proof(a.id, "png", "?page=2");
    expect(back.statusCode).toBe(200);
    expect((await proof(a.id, "png", "?page=3")).statusCode).toBe(400);
  });

  it("shows front and back side by side in the default PNG, each as ?page=N draws it", async () => {
    const [a] = recipients as [Row];
    const both = await proof(a.id, "png");
    expect(both.statusCode).toBe(200);
    expect(both.headers["content-type"]).toBe("image/png");
    const whole = await sharp(both.rawPayload).metadata();
    const front = await sharp((await proof(a.id, "png", "?page=1")).rawPayload).metadata();
    const back = await sharp((await proof(a.id, "png", "?page=2")).rawPayload).metadata();
    // Two 5.25 x 7.25 in pages (trim + bleed at 100 ppi) beside each other, labels above them.
    expect(front.width).toBeCloseTo(525, -1);
    expect(whole.width).toBeGreaterThanOrEqual((front.width ?? 0) + (back.width ?? 0));
    expect(whole.width).toBeLessThan(2 * (front.width ?? 0) + 100);
    expect(whole.height).toBeGreaterThan(front.height ?? 0);
    expect(whole.height).toBeLessThan((front.height ?? 0) + 150);
    // The halves are two different pictures: the front's photo and name, the back's text.
    const half = (left: number) =>
      sharp(both.rawPayload)
        .extract({
          left,
          top: 0,
          width: Math.floor((whole.width ?? 0) / 2),
          height: whole.height ?? 0,
        })
        .raw()
        .toBuffer();
    const [left, right] = [await half(0), await half(Math.ceil((whole.width ?? 0) / 2))];
    let differing = 0;
    for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) differing++;
    expect(differing / left.length).toBeGreaterThan(0.2);
    expect((await proof(a.id, "png", "?page=0")).statusCode).toBe(400);
  });

  it("puts the card's report in the recipient's JSON", async () => {
    const [first] = recipients as [Row];
    const res = (
      await ctx.app.inject({
        url: `/v1/campaigns/${campaignId}/recipients/${first.id}`,
        headers: bearer(secret),
      })
    ).json();
    expect(res.report).toMatchObject({
      format: "card_5x7",
      pages: 2,
      nameShrunk: expect.any(Boolean),
    });
    expect(res.report.photo.effectivePpi).toBeGreaterThanOrEqual(300);
  });
});
