/**
 * Photos lent to a batch (PhotoBuffers): a buffer comes back only when its bytes are in the file,
 * so reusing it never changes a batch's bytes; one the batch does not write comes back at once.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { makePhoto } from "../../../bench/render-photos.ts";
import {
  type BatchCardInput,
  loadBuiltinTemplate,
  type Photo,
  PhotoBuffers,
  renderBatch,
  type Template,
} from "../../../src/render/index.ts";
import { cardData } from "./fixtures.ts";

const W = 1700;
const H = 2300;
let template: Template;
let dir: string;
/** Three different photos, as fresh buffers. */
let photos: Photo[];

beforeAll(async () => {
  template = await loadBuiltinTemplate("thank-you");
  dir = await mkdtemp(join(tmpdir(), "cardmerge-lend-"));
  photos = await Promise.all(
    [1, 2, 3].map(async (seed) => ({
      id: `photo-${seed}`,
      jpeg: await makePhoto(W, H, seed),
      widthPx: W,
      heightPx: H,
    })),
  );
}, 60_000);

const card = (i: number, photo: Photo, extra: Partial<BatchCardInput> = {}): BatchCardInput => ({
  id: `card-${i}`,
  template,
  format: "card_5x7",
  data: cardData(`Guest ${i}`),
  photo,
  ...extra,
});

/** The batch of `cards` rendered into a file; `lend` reads each card's photo into its buffers. */
async function batchFile(
  name: string,
  cards: BatchCardInput[],
  lend?: PhotoBuffers,
): Promise<{ pdf: Buffer; failed: number }> {
  async function* inputs() {
    for (const c of cards) {
      if (!lend || !c.photo) {
        yield c;
        continue;
      }
      const into = await lend.take(c.photo.jpeg.length);
      c.photo.jpeg.copy(into);
      yield { ...c, photo: { ...c.photo, jpeg: into } };
    }
  }
  const path = join(dir, name);
  const report = await renderBatch(inputs(), createWriteStream(path), {
    sequence: true,
    ...(lend ? { photoBuffers: lend } : {}),
  });
  return { pdf: await readFile(path), failed: report.failed };
}

describe("PhotoBuffers", () => {
  it("lends views of its slots, waits when all are out, and gives larger photos their own", async () => {
    const pool = new PhotoBuffers({ slots: 1, slotBytes: 1024 });
    const a = await pool.take(100);
    expect(a.length).toBe(100);
    expect(pool.owns(a)).toBe(true);
    let second: Buffer | undefined;
    const waiting = pool.take(200).then((b) => {
      second = b;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBeUndefined();
    pool.give(a);
    await waiting;
    expect(second?.length).toBe(200);
    // The same memory again, now lent as the second view; the first is no longer the pool's.
    expect(second?.buffer).toBe(a.buffer);
    expect(pool.owns(a)).toBe(false);
    const big = await pool.take(4096);
    expect(pool.owns(big)).toBe(false);
    pool.give(big);
  });
});

describe("renderBatch with lent photos", () => {
  it("writes the same bytes as with fresh buffers, each buffer reused only once its photo is in the file", async () => {
    // Three photos through ONE slot: each take waits until the file has the previous photo.
    const cards = [0, 1, 2, 3, 4, 5].map((i) => card(i, photos[i % 3] as Photo, { id: `c${i}` }));
    const distinct = cards.map((c, i) => ({
      ...c,
      photo: { ...(c.photo as Photo), id: `photo-of-card-${i}` },
    }));
    const fresh = await batchFile("fresh.pdf", distinct);
    const slot = (photos[0] as Photo).jpeg.length + 64 * 1024;
    const lentOnce = await batchFile(
      "lent.pdf",
      distinct,
      new PhotoBuffers({
        slots: 1,
        slotBytes: Math.max(slot, ...photos.map((p) => p.jpeg.length)),
      }),
    );
    expect(lentOnce.failed).toBe(0);
    expect(lentOnce.pdf.equals(fresh.pdf)).toBe(true);
  }, 60_000);

  it("gives back at once a photo it does not write: one already embedded, or a failed card's", async () => {
    const pool = new PhotoBuffers({ slots: 1, slotBytes: 4 * 1024 * 1024 });
    const shared = photos[0] as Photo;
    // The same photo id on every card (embedded once), and a card that fails before drawing:
    // with one slot, the batch finishes only if each of those buffers comes back.
    const cards = [
      card(0, shared),
      card(1, shared),
      card(2, shared, { message: "Hello {{nickname}}" }),
      card(3, shared),
    ];
    const lentOnce = await batchFile("shared-lent.pdf", cards, pool);
    const fresh = await batchFile("shared-fresh.pdf", cards);
    expect(lentOnce.failed).toBe(1);
    expect(lentOnce.pdf.equals(fresh.pdf)).toBe(true);
    const again = await pool.take(10);
    expect(pool.owns(again)).toBe(true);
  }, 60_000);

  it("refuses to lend to a stream that may keep a chunk after calling back", async () => {
    await expect(
      renderBatch([card(0, photos[0] as Photo)], new PassThrough(), {
        photoBuffers: new PhotoBuffers(),
      }),
    ).rejects.toThrow(/file or socket stream/);
  });
});
