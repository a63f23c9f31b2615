import { describe, expect, it } from "vitest";
import { createProofCache, proofKey } from "../../../src/modules/recipients/proof-cache.ts";
import type { CardInput } from "../../../src/render/index.ts";

const input = (over: Record<string, unknown> = {}) =>
  ({
    template: { id: "thank-you", art: Buffer.from("art bytes") },
    format: "card_5x7",
    data: { recipient: { firstName: "Ann", custom: { a: "1", b: "2" } }, seed: "s" },
    message: "Dear {{firstName}}",
    photo: { id: "pho_1", jpeg: Buffer.from("jpeg bytes"), widthPx: 10, heightPx: 10 },
    options: {},
    ...over,
  }) as unknown as CardInput;

describe("proofKey", () => {
  it("is the same for the same content, whatever the key order or buffer instance", () => {
    const a = input();
    const b = input({
      data: { seed: "s", recipient: { custom: { b: "2", a: "1" }, firstName: "Ann" } },
      photo: { heightPx: 10, widthPx: 10, jpeg: Buffer.from("jpeg bytes"), id: "pho_1" },
    });
    expect(proofKey(a)).toBe(proofKey(b));
  });

  it("changes with anything the picture depends on: message, merge value, photo bytes, colour mode, art", () => {
    const base = proofKey(input());
    const changed = [
      input({ message: "Hi {{firstName}}" }),
      input({ data: { recipient: { firstName: "Anne", custom: { a: "1", b: "2" } }, seed: "s" } }),
      input({ photo: { id: "pho_1", jpeg: Buffer.from("jpeg byteZ"), widthPx: 10, heightPx: 10 } }),
      input({ options: { colourMode: "cmyk" } }),
      input({ template: { id: "thank-you", art: Buffer.from("art byteZ") } }),
      input({ format: "postcard_4x6" }),
      input({ message: undefined }),
    ].map(proofKey);
    for (const key of changed) expect(key).not.toBe(base);
    expect(new Set(changed).size).toBe(changed.length);
    // A value and its string are different content.
    expect(proofKey(input({ options: { sequence: 1 } }))).not.toBe(
      proofKey(input({ options: { sequence: "1" } })),
    );
  });
});

describe("createProofCache", () => {
  it("makes a value once for callers at the same time, then serves it as a hit", async () => {
    const cache = createProofCache({ maxBytes: 1000 });
    let made = 0;
    const make = async () => {
      made++;
      await new Promise((r) => setTimeout(r, 10));
      return { value: Buffer.from("png"), bytes: 3 };
    };
    const [a, b] = await Promise.all([cache.get("k", make), cache.get("k", make)]);
    expect(made).toBe(1);
    expect(a.hit).toBe(false);
    expect(b.hit).toBe(true);
    expect(b.value).toBe(a.value);
    expect((await cache.get("k", make)).hit).toBe(true);
  });

  it("stays within its bytes, dropping the least recently used first", async () => {
    const cache = createProofCache({ maxBytes: 250 });
    const of = (n: number) => async () => ({ value: n, bytes: 100 });
    await cache.get("a", of(1));
    await cache.get("b", of(2));
    await cache.get("a", of(1)); // a used last
    await cache.get("c", of(3)); // 300 bytes: b goes
    expect(cache.stats().bytes).toBeLessThanOrEqual(250);
    expect((await cache.get("a", of(1))).hit).toBe(true);
    expect((await cache.get("b", of(2))).hit).toBe(false);
    // Larger than the whole cache: served, never kept.
    const huge = await cache.get("h", async () => ({ value: 9, bytes: 10_000 }));
    expect(huge.value).toBe(9);
    expect((await cache.get("h", async () => ({ value: 9, bytes: 10_000 }))).hit).toBe(false);
  });

  it("keeps no failure: the next caller tries again", async () => {
    const cache = createProofCache({ maxBytes: 1000 });
    await expect(
      cache.get("k", async () => {
        throw new Error("pdftoppm took too long");
      }),
    ).rejects.toThrow("too long");
    const next = await cache.get("k", async () => ({ value: 1, bytes: 1 }));
    expect(next).toEqual({ value: 1, hit: false });
  });
});
