/**
 * One contract, two drivers: the local directory and S3 (against s3rver, an S3-compatible server
 * this test starts on loopback).
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalStorage } from "../../../src/storage/local-storage.ts";
import { createS3Storage, ensureBucket } from "../../../src/storage/s3-storage.ts";
import { type Storage, StorageNotFound } from "../../../src/storage/storage.ts";

let dir: string;
let s3dir: string;
let server: S3rver;
let endpoint: string;
const drivers: Record<string, Storage> = {};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-local-"));
  s3dir = await mkdtemp(path.join(tmpdir(), "cardmerge-s3-"));
  server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: s3dir,
    configureBuckets: [{ name: "cards", configs: [] }],
  });
  const { port } = (await server.run()) as { port: number };
  endpoint = `http://127.0.0.1:${port}`;
  drivers.local = createLocalStorage(dir);
  drivers.s3 = createS3Storage({
    bucket: "cards",
    region: "us-east-1",
    endpoint,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    forcePathStyle: true,
  });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
  await rm(s3dir, { recursive: true, force: true });
});

describe.each(["local", "s3"])("%s storage", (name) => {
  const storage = () => drivers[name] as Storage;

  it("puts a stream and a buffer, reporting size and SHA-256, and reads them back", async () => {
    const stored = await storage().put(
      "a/b/card.pdf",
      Readable.from([Buffer.from("%PDF-"), Buffer.from("1.7")]),
    );
    expect(stored).toEqual({
      key: "a/b/card.pdf",
      bytes: 8,
      sha256: createHash("sha256").update("%PDF-1.7").digest("hex"),
    });
    expect(await text(await storage().get("a/b/card.pdf"))).toBe("%PDF-1.7");
    await storage().put("a/b/c.txt", Buffer.from("hello"));
    expect((await storage().getBuffer("a/b/c.txt")).toString()).toBe("hello");
    expect((await storage().stat("a/b/c.txt"))?.bytes).toBe(5);
  });

  it("serves byte ranges", async () => {
    await storage().put("range.txt", Buffer.from("0123456789"));
    expect(await text(await storage().get("range.txt", { start: 2, end: 5 }))).toBe("2345");
  });

  it("overwrites an object whole", async () => {
    await storage().put("same.txt", Buffer.from("first version"));
    await storage().put("same.txt", Buffer.from("second"));
    expect((await storage().getBuffer("same.txt")).toString()).toBe("second");
  });

  it("reports a missing object", async () => {
    await expect(storage().get("nope/missing.pdf")).rejects.toBeInstanceOf(StorageNotFound);
    await expect(storage().getBuffer("nope/missing.pdf")).rejects.toBeInstanceOf(StorageNotFound);
    expect(await storage().stat("nope/missing.pdf")).toBeUndefined();
  });

  it("deletes one object and a whole prefix", async () => {
    await storage().put("p/1.txt", Buffer.from("1"));
    await storage().put("p/q/2.txt", Buffer.from("2"));
    await storage().put("pp/3.txt", Buffer.from("3"));
    await storage().delete("p/1.txt");
    expect(await storage().stat("p/1.txt")).toBeUndefined();
    await storage().deletePrefix("p");
    expect(await storage().stat("p/q/2.txt")).toBeUndefined();
    expect(await storage().stat("pp/3.txt")).toBeDefined();
  });

  it("writes into a folder another process removed since this one last wrote there", async () => {
    await storage().put("gone/1.txt", Buffer.from("1"));
    // Another process (an API deleting the campaign) removes the folder under this one.
    const other = name === "local" ? createLocalStorage(dir) : storage();
    await other.deletePrefix("gone");
    await storage().put("gone/2.txt", Buffer.from("2"));
    expect((await storage().getBuffer("gone/2.txt")).toString()).toBe("2");
  });

  it("refuses keys that could escape", async () => {
    await expect(storage().put("../etc/passwd", Buffer.from("x"))).rejects.toThrow(
      /Unsafe storage key/,
    );
    await expect(storage().put("a//b", Buffer.from("x"))).rejects.toThrow(/Unsafe/);
  });

  it("leaves nothing behind when the source stream fails", async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from("partial"));
        this.destroy(new Error("client went away"));
      },
    });
    await expect(storage().put("broken/file.csv", failing)).rejects.toThrow();
    expect(await storage().stat("broken/file.csv")).toBeUndefined();
    if (name === "local")
      expect(await readdir(path.join(dir, "broken")).catch(() => [])).toEqual([]);
  });

  it("reads an object into a buffer the caller gives for its size", async () => {
    await storage().put("into/photo.jpg", Buffer.from("0123456789"));
    const slab = Buffer.alloc(64, 0x2e);
    let asked = 0;
    const got = await storage().getInto("into/photo.jpg", async (bytes) => {
      asked = bytes;
      return slab.subarray(8, 8 + bytes);
    });
    expect(asked).toBe(10);
    expect(got.buffer).toBe(slab.buffer);
    expect(slab.toString("latin1", 6, 20)).toBe("..0123456789..");
    await expect(
      storage().getInto("into/missing.jpg", async (bytes) => Buffer.alloc(bytes)),
    ).rejects.toBeInstanceOf(StorageNotFound);
  });

  it("stores what a writer's stream was given once it is done, and nothing when aborted", async () => {
    const writer = await storage().openWriter("w/batch.pdf", { contentType: "application/pdf" });
    writer.stream.write(Buffer.from("%PDF-"));
    writer.stream.end(Buffer.from("1.7"));
    expect(await writer.done()).toEqual({
      key: "w/batch.pdf",
      bytes: 8,
      sha256: createHash("sha256").update("%PDF-1.7").digest("hex"),
    });
    expect((await storage().getBuffer("w/batch.pdf")).toString()).toBe("%PDF-1.7");

    const dropped = await storage().openWriter("w/dropped.pdf");
    dropped.stream.write(Buffer.from("half a batch"));
    await dropped.abort(new Error("a card failed"));
    expect(await storage().stat("w/dropped.pdf")).toBeUndefined();
    if (name === "local") expect(await readdir(path.join(dir, "w"))).toEqual(["batch.pdf"]);
  });
});

describe("an S3 bucket for a fresh deployment", () => {
  it("is created by ensureBucket when missing, and left alone when there", async () => {
    const opts = {
      bucket: "fresh-deployment",
      region: "us-east-1",
      endpoint,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
    };
    const storage = createS3Storage(opts);
    await expect(storage.put("first", Buffer.from("x"))).rejects.toThrow();
    expect(await ensureBucket(opts)).toBe(true);
    await storage.put("first", Buffer.from("x"));
    expect(await ensureBucket(opts)).toBe(false);
    expect((await storage.getBuffer("first")).toString()).toBe("x");
  });
});
