/**
 * A batch whose cards have photos of their own: the worker reads a photo only one card shows into
 * buffers the batch reuses (PhotoBuffers), and every front of the batch PDF still carries its
 * card's photo, byte for byte the stored master (pdfimages -all writes each JPEG as embedded).
 */

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign, submitUntilReady, uploadPhoto } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

const run = promisify(execFile);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;
let business: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-photo-per-card-"));
  ctx = await createTestContext({ STORAGE_DIR: dir, RENDER_CHUNK_SIZE: "3" });
  processors = await startProcessors(ctx.deps);
  ({ secret: business } = await ctx.account());
}, 60_000);

afterAll(async () => {
  await processors?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a batch with a photo per card", () => {
  it("puts each card's own photo on its front, read into reused buffers", async () => {
    // Seven photos: the campaign's (for the card with none), one shown by two cards, and five
    // shown once each, more than one at a time in flight.
    const photos: Record<string, string> = {};
    for (const name of ["campaign", "twice", "a", "b", "c", "d", "e"])
      photos[name] = await uploadPhoto(ctx, business, `${name}.jpg`, await noisyJpeg(1600, 2200));
    const rows = [
      `Ann,Lee,1 Oak St,Springfield,IL,62701,lamp,a.jpg`,
      `Bob,Ray,2 Oak St,Springfield,IL,62702,desk,twice.jpg`,
      `Cy,Ng,3 Oak St,Springfield,IL,62703,rug,b.jpg`,
      `Di,Ho,4 Oak St,Springfield,IL,62704,bed,`,
      `Ed,Fu,5 Oak St,Springfield,IL,62705,sofa,twice.jpg`,
      `Flo,Ma,6 Oak St,Springfield,IL,62706,vase,c.jpg`,
      `Gus,Po,7 Oak St,Springfield,IL,62707,clock,d.jpg`,
      `Hal,Qi,8 Oak St,Springfield,IL,62708,chair,e.jpg`,
    ];
    const campaignId = await draftCampaign(ctx, business, {
      recipients: 0,
      photoId: photos.campaign as string,
      header: "First Name,Last Name,Street,City,State,Zip,Last Purchase,Photo",
      extraRows: rows,
    });
    await submitUntilReady(ctx, business, campaignId, 120_000);

    const { rows: cards } = await ctx.deps.pool.query<{
      id: string;
      photo_id: string | null;
      batch_id: string;
      batch_sequence: number;
    }>(
      "SELECT id, photo_id, batch_id, batch_sequence FROM cards WHERE campaign_id = $1 ORDER BY batch_sequence",
      [campaignId],
    );
    expect(cards.length).toBe(8);
    expect(new Set(cards.map((c) => c.batch_id)).size).toBe(1);
    const { rows: masters } = await ctx.deps.pool.query<{ id: string; master_key: string }>(
      "SELECT id, master_key FROM photos WHERE id = ANY($1)",
      [Object.values(photos)],
    );
    const masterSha = new Map<string, string>();
    for (const m of masters)
      masterSha.set(m.id, sha(await ctx.deps.storage.getBuffer(m.master_key)));

    const batch = (await ctx.app.inject({ url: "/v1/batches", headers: bearer(business) })).json()
      .data[0];
    const res = await ctx.app.inject({ url: batch.files.pdf.url, headers: bearer(business) });
    expect(res.statusCode).toBe(200);
    const pdf = path.join(dir, "batch.pdf");
    await writeFile(pdf, res.rawPayload);
    const out = path.join(dir, "images");
    await rm(out, { recursive: true, force: true });
    await run("mkdir", ["-p", out]);
    // -p: each image's file name carries the page it is drawn on (a shared one on each of them).
    await run("pdfimages", ["-all", "-p", pdf, path.join(out, "img")]);
    const byPage = new Map<number, string>();
    for (const file of await readdir(out)) {
      const page = Number(/^img-(\d+)-/.exec(file)?.[1]);
      byPage.set(page, sha(await readFile(path.join(out, file))));
    }
    // Card n (1-based sequence) has its front on page 2n - 1.
    for (const card of cards) {
      const shown = card.photo_id ?? (photos.campaign as string);
      expect(byPage.get(2 * card.batch_sequence - 1), `card ${card.batch_sequence}`).toBe(
        masterSha.get(shown),
      );
    }
    expect(byPage.size).toBe(8);
  }, 180_000);
});
