/**
 * A card's PDF stored without its photo (src/modules/cards/card-pdf.ts), on both drivers: the
 * local directory and S3 (s3rver on loopback). Real render processes draw the cards; the download
 * is compared with a fresh render of the same input by the renderer itself.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CardPdfUnavailable,
  createCardPdfStore,
  type PhotoRef,
  readCardPdf,
} from "../../../src/modules/cards/card-pdf.ts";
import {
  type CardInput,
  loadBuiltinTemplate,
  type Photo,
  renderCard,
} from "../../../src/render/index.ts";
import { createRenderPool, type RenderPool } from "../../../src/render-sandbox/render-pool.ts";
import { createLocalStorage } from "../../../src/storage/local-storage.ts";
import { createS3Storage } from "../../../src/storage/s3-storage.ts";
import { type Storage, StorageNotFound } from "../../../src/storage/storage.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { cardData } from "../../unit/render/fixtures.ts";

let dir: string;
let s3dir: string;
let server: S3rver;
let pool: RenderPool;
let photo: Photo;
const drivers: Record<string, Storage> = {};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-card-pdf-"));
  s3dir = await mkdtemp(path.join(tmpdir(), "cardmerge-card-pdf-s3-"));
  server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: s3dir,
    configureBuckets: [{ name: "cards", configs: [] }],
  });
  const { port } = (await server.run()) as { port: number };
  drivers.local = createLocalStorage(dir);
  drivers.s3 = createS3Storage({
    bucket: "cards",
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    forcePathStyle: true,
  });
  pool = createRenderPool({
    processes: 1,
    heapMb: 128,
    timeoutMs: 60_000,
    maxPdfBytes: 16 * 1024 * 1024,
  });
  photo = { id: "ph_1", jpeg: await noisyJpeg(1575, 2175), widthPx: 1575, heightPx: 2175 };
}, 60_000);

afterAll(async () => {
  await pool?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
  await rm(s3dir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe.each(["local", "s3"])("a card PDF stored without its photo (%s)", (name) => {
  const storage = () => drivers[name] as Storage;

  const card = (id: string) => ({ account_id: "acct_1", campaign_id: `camp_${name}`, id });
  async function storedCard(id: string, input: CardInput, ref: PhotoRef | undefined) {
    const parts = await pool.renderParts(input);
    return createCardPdfStore(storage())(card(id), parts, ref);
  }

  async function withPhoto(key: string): Promise<{ input: CardInput; ref: PhotoRef }> {
    const jpeg = photo.jpeg;
    await storage().put(key, jpeg);
    const input: CardInput = {
      template: await loadBuiltinTemplate("thank-you"),
      format: "card_5x7",
      data: cardData("Zoë Ångström"),
      photo,
    };
    return { input, ref: { key, bytes: jpeg.length, sha256: sha256(jpeg) } };
  }

  it("reads back byte for byte what the renderer makes, with the photo stored once", async () => {
    const { input, ref } = await withPhoto("photos/shared.jpg");
    const first = await storedCard("one", input, ref);
    const second = await storedCard("two", { ...input, data: cardData("Дмитрий Шостакович") }, ref);
    // The card's own object is a small fraction of its PDF: the photo and fonts are not in it.
    expect(first.bytes).toBeLessThan(20_000);
    const fresh = await renderCard(input);
    expect(fresh.pdf.length).toBeGreaterThan(first.bytes + photo.jpeg.length);
    const read = await readCardPdf(storage(), first.key);
    expect(read.equals(fresh.pdf)).toBe(true);
    expect((await readCardPdf(storage(), first.key)).equals(read)).toBe(true);
    const other = await readCardPdf(storage(), second.key);
    expect(other.subarray(0, 5).toString()).toBe("%PDF-");
    expect(other.equals(read)).toBe(false);
    expect(other.includes(photo.jpeg)).toBe(true);
  }, 60_000);

  it("keeps the checksum of a re-rendered card: same input, same object, same SHA-256", async () => {
    const { input, ref } = await withPhoto("photos/again.jpg");
    const first = await storedCard("again", input, ref);
    const rerendered = await storedCard("again", input, ref);
    expect(rerendered.sha256).toBe(first.sha256);
    expect(sha256(await storage().getBuffer(first.key))).toBe(first.sha256);
  }, 60_000);

  it("fails loudly when the card's photo is gone or changed, never serving a broken PDF", async () => {
    const { input, ref } = await withPhoto("photos/gone.jpg");
    const stored = await storedCard("orphan", input, ref);
    expect((await readCardPdf(storage(), stored.key)).equals((await renderCard(input)).pdf)).toBe(
      true,
    );
    await storage().put(ref.key, photo.jpeg.subarray(0, 1000));
    await expect(readCardPdf(storage(), stored.key)).rejects.toThrow(CardPdfUnavailable);
    await storage().put(ref.key, Buffer.from(photo.jpeg).fill(7, 500, 600));
    await expect(readCardPdf(storage(), stored.key)).rejects.toThrow(/has changed/);
    await storage().delete(ref.key);
    await expect(readCardPdf(storage(), stored.key)).rejects.toThrow(
      /piece photos\/gone.jpg is gone/,
    );
    await storage().put(ref.key, photo.jpeg);
    expect((await readCardPdf(storage(), stored.key)).subarray(0, 5).toString()).toBe("%PDF-");
    // Its font programs, stored once for the campaign, gone: the same loud failure.
    await storage().deletePrefix(`accounts/acct_1/campaigns/camp_${name}/pieces`);
    await expect(readCardPdf(storage(), stored.key)).rejects.toThrow(
      /pieces\/[0-9a-f]{64} is gone/,
    );
    await storage().delete(stored.key);
    await expect(readCardPdf(storage(), stored.key)).rejects.toThrow(StorageNotFound);
  }, 60_000);

  it("stores a card without a photo whole, and serves a card stored before as it is", async () => {
    const input: CardInput = {
      template: await loadBuiltinTemplate("thank-you"),
      format: "card_5x7",
      data: cardData("José Núñez"),
    };
    const stored = await storedCard("plain", input, undefined);
    expect((await readCardPdf(storage(), stored.key)).equals((await renderCard(input)).pdf)).toBe(
      true,
    );
    const legacy = await storage().put("cards/legacy.pdf", Buffer.from("%PDF-1.7 whole"));
    expect((await readCardPdf(storage(), legacy.key)).toString()).toBe("%PDF-1.7 whole");
  }, 60_000);
});
