import { readdir } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cmykJpeg,
  exifRotatedJpeg,
  noisyJpeg,
  png16WithAlpha,
  pngBomb,
  textNamedJpeg,
  truncatedJpeg,
} from "../../support/image-fixtures.ts";
import { multipart } from "../../support/multipart.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let account: { accountId: string; secret: string };

beforeAll(async () => {
  ctx = await createTestContext({
    STORAGE_DIR: path.join("out", "test-storage", `photos-${process.pid}`),
  });
  account = await ctx.account();
});
afterAll(() => ctx.close());

const upload = (files: { filename: string; data: Buffer }[], secret = account.secret) => {
  const body = multipart(files.map((f) => ({ name: "file", filename: f.filename, data: f.data })));
  return ctx.app.inject({
    method: "POST",
    url: "/v1/photos",
    headers: { ...bearer(secret), ...body.headers },
    payload: body.payload,
  });
};

async function storedFiles(): Promise<string[]> {
  const dir = path.join(ctx.config.storageDir, "accounts", account.accountId, "photos");
  return readdir(dir, { recursive: true }).catch(() => []);
}

describe("photo uploads", () => {
  it("turns an EXIF-rotated JPEG upright and strips its metadata", async () => {
    const res = await upload([{ filename: "job.jpg", data: await exifRotatedJpeg() }]);
    expect(res.statusCode).toBe(201);
    const [photo] = res.json().data;
    expect(photo).toMatchObject({ object: "photo", filename: "job.jpg", source_format: "jpeg" });
    expect(photo.height).toBeGreaterThan(photo.width);
    const { jpeg } = await ctx.deps.photos.master(account.accountId, photo.id);
    const meta = await sharp(jpeg).metadata();
    expect(meta.orientation ?? 1).toBe(1);
    expect(meta.exif).toBeUndefined();
    expect(meta.space).toBe("srgb");
  });

  it.each([
    ["CMYK JPEG", "cmyk.jpg", cmykJpeg],
    ["16-bit PNG with alpha", "logo.png", png16WithAlpha],
  ])("accepts a %s as an sRGB print master", async (_label, filename, make) => {
    const res = await upload([{ filename, data: await make() }]);
    expect(res.statusCode).toBe(201);
    const { jpeg } = await ctx.deps.photos.master(account.accountId, res.json().data[0].id);
    const meta = await sharp(jpeg).metadata();
    expect(meta).toMatchObject({ format: "jpeg", space: "srgb", channels: 3, depth: "uchar" });
  });

  it("warns when a photo is too small to print sharp", async () => {
    const res = await upload([{ filename: "small.jpg", data: await noisyJpeg(600, 400) }]);
    expect(res.statusCode).toBe(201);
    expect(res.json().data[0].warnings.join(" ")).toMatch(/ppi/);
  });

  it.each([
    ["a 20000x20000 PNG bomb", "bomb.png", () => pngBomb(20_000), /pixels/i],
    ["a truncated JPEG", "cut.jpg", () => truncatedJpeg(), /truncated|incomplete|corrupt/i],
    ["a zero-byte file", "empty.jpg", () => Buffer.alloc(0), /empty/i],
    ["a text file named .jpg", "notes.jpg", () => textNamedJpeg(), /not an image|image/i],
  ])(
    "refuses %s with a 4xx problem and stores nothing",
    async (_label, filename, make, message) => {
      const before = await storedFiles();
      const res = await upload([{ filename, data: await make() }]);
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.headers["content-type"]).toMatch(/application\/problem\+json/);
      expect(res.json().errors[0].field).toBe(filename);
      expect(res.json().detail).toMatch(message);
      expect(await storedFiles()).toEqual(before);
    },
  );

  it("stores none of a batch when one file is refused", async () => {
    const before = await storedFiles();
    const res = await upload([
      { filename: "good.jpg", data: await noisyJpeg(300, 200) },
      { filename: "bad.jpg", data: Buffer.alloc(0) },
    ]);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toHaveLength(1);
    // The reason's name is `code`, as a CSV import's problem has it: per file, and the first's.
    expect(res.json().errors[0].code).toEqual(expect.any(String));
    expect(res.json().code).toBe(res.json().errors[0].code);
    expect(res.json()).not.toHaveProperty("codes");
    expect(await storedFiles()).toEqual(before);
  });

  it("lists, previews and deletes photos; other accounts get 404", async () => {
    const { id } = (
      await upload([{ filename: "team.jpg", data: await noisyJpeg(800, 600) }])
    ).json().data[0];
    const list = (
      await ctx.app.inject({ url: "/v1/photos?limit=100", headers: bearer(account.secret) })
    ).json();
    expect(list.data.map((p: { id: string }) => p.id)).toContain(id);
    const preview = await ctx.app.inject({
      url: `/v1/photos/${id}/preview.jpg`,
      headers: bearer(account.secret),
    });
    expect(preview.statusCode).toBe(200);
    expect(preview.headers["content-type"]).toBe("image/jpeg");
    expect((await sharp(preview.rawPayload).metadata()).width).toBeLessThanOrEqual(800);

    const other = await ctx.account();
    for (const url of [`/v1/photos/${id}`, `/v1/photos/${id}/preview.jpg`]) {
      expect((await ctx.app.inject({ url, headers: bearer(other.secret) })).statusCode).toBe(404);
    }
    expect(
      (
        await ctx.app.inject({
          method: "DELETE",
          url: `/v1/photos/${id}`,
          headers: bearer(other.secret),
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (
        await ctx.app.inject({
          method: "DELETE",
          url: `/v1/photos/${id}`,
          headers: bearer(account.secret),
        })
      ).statusCode,
    ).toBe(204);
    expect(
      (await ctx.app.inject({ url: `/v1/photos/${id}`, headers: bearer(account.secret) }))
        .statusCode,
    ).toBe(404);
  });
});

describe("a ZIP of photos", () => {
  async function zipOf(entries: { name: string; data: Buffer }[]): Promise<Buffer> {
    const { default: yazl } = await import("yazl");
    const zip = new yazl.ZipFile();
    for (const e of entries) zip.addBuffer(e.data, e.name);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  it("unpacks each image under its own file name, skipping folders and macOS litter", async () => {
    const zip = await zipOf([
      { name: "jobs/kitchen.jpg", data: await noisyJpeg(300, 200) },
      { name: "jobs/bath.png", data: await png16WithAlpha() },
      { name: "__MACOSX/jobs/._kitchen.jpg", data: Buffer.from("resource fork") },
      { name: ".DS_Store", data: Buffer.from("x") },
    ]);
    const res = await upload([{ filename: "jobs.zip", data: zip }]);
    expect(res.statusCode, res.body).toBe(201);
    expect(
      res
        .json()
        .data.map((p: { filename: string }) => p.filename)
        .sort(),
    ).toEqual(["bath.png", "kitchen.jpg"]);
  });

  it("stores nothing when a file inside is not an image, and refuses a damaged ZIP", async () => {
    const before = await storedFiles();
    const zip = await zipOf([
      { name: "ok.jpg", data: await noisyJpeg(300, 200) },
      { name: "notes.jpg", data: textNamedJpeg() },
    ]);
    const res = await upload([{ filename: "mixed.zip", data: zip }]);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].field).toBe("notes.jpg");
    const broken = await upload([
      { filename: "broken.zip", data: zip.subarray(0, zip.length - 30) },
    ]);
    expect(broken.statusCode).toBe(422);
    expect(await storedFiles()).toEqual(before);
  });
});
