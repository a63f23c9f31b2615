/**
 * The renderer's process-wide caches (analysed merge texts, shaped runs, font subsets and their
 * dictionaries) must never change a card's bytes: a card rendered after any others is the card a
 * fresh process renders. And the photo reaches the output as its own bytes, not a copy.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  compileMessage,
  loadBuiltinTemplate,
  MessageError,
  renderBatch,
  renderCard,
  renderCardTo,
} from "../../../src/render/index.ts";
import { preflight } from "../../support/preflight.ts";
import { cardData, photoFor, writeTemp } from "./fixtures.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const run = promisify(execFile);

/** Names that take different paths: plain Latin, diacritics, Greek and Cyrillic fallbacks. */
const NAMES = ["Emma Walker", "Zoë Ångström", "Nguyễn Thị Minh Khai", "Αθηνά Παπαδοπούλου"];

async function alone(names: string[], mode: "card" | "batch"): Promise<string> {
  const photo = await photoFor("card_5x7");
  const path = await writeTemp(`alone-${mode}.jpg`, photo.jpeg);
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "test/unit/render/render-alone.ts", path, ...names],
    {
      env: {
        ...process.env,
        RENDER_ALONE: mode,
        PHOTO_W: String(photo.widthPx),
        PHOTO_H: String(photo.heightPx),
      },
    },
  );
  return (JSON.parse(stdout.trim().split("\n").pop() ?? "[]") as string[])[0] ?? "";
}

async function inputs(names: string[]) {
  const template = await loadBuiltinTemplate("thank-you");
  const photo = await photoFor("card_5x7");
  return names.map((name) => ({
    template,
    format: "card_5x7" as const,
    data: cardData(name),
    photo,
  }));
}

async function batchSha(names: string[]): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await renderBatch(await inputs(names), out, { sequence: true });
  return sha(Buffer.concat(chunks));
}

describe("render caches", () => {
  it("give each card the bytes a fresh process gives it, in whatever order cards come", async () => {
    const cards = await inputs(NAMES);
    const forward: string[] = [];
    for (const c of cards) forward.push(sha((await renderCard(c)).pdf));
    const backward: string[] = [];
    for (const c of [...cards].reverse()) backward.unshift(sha((await renderCard(c)).pdf));
    expect(backward).toEqual(forward);
    expect(new Set(forward).size).toBe(NAMES.length);
    // Each name alone, in a process whose caches are empty.
    const cold = await Promise.all([
      alone([NAMES[1] as string], "card"),
      alone([NAMES[3] as string], "card"),
    ]);
    expect(cold).toEqual([forward[1], forward[3]]);
  }, 60_000);

  it("give a batch the bytes a fresh process gives it, after other cards and batches", async () => {
    await batchSha([...NAMES].reverse());
    const warm = await batchSha(NAMES.slice(0, 3));
    expect(await batchSha(NAMES.slice(0, 3))).toBe(warm);
    expect(await alone(NAMES.slice(0, 3), "batch")).toBe(warm);
  }, 60_000);

  it("hand the photo to the output as its own bytes, once, in a PDF that passes qpdf", async () => {
    const [input] = await inputs(["José Núñez"]);
    if (!input) throw new Error("no input");
    const chunks: Buffer[] = [];
    await renderCardTo(input, { write: (c: Buffer) => chunks.push(c) });
    const jpeg = input.photo.jpeg;
    const same = chunks.filter((c) => c.buffer === jpeg.buffer && c.byteOffset === jpeg.byteOffset);
    expect(same.map((c) => c.length)).toEqual([jpeg.length]);
    const pdf = Buffer.concat(chunks);
    expect(sha(pdf)).toBe(sha((await renderCard(input)).pdf));
    const pf = await preflight(await writeTemp("own-bytes.pdf", pdf));
    expect(pf.qpdfOk).toBe(true);
    expect(pf.images.length).toBe(1);
  });
});

describe("compileMessage", () => {
  it("answers the same for a source seen before, and its answers are the caller's to change", () => {
    const source =
      "Dear {{firstName}}, {{#if spouseName}}and {{spouseName}}{{/if}} {{lastPurchase}}";
    const first = compileMessage(source);
    first.variables.push("mutated");
    first.required.length = 0;
    expect(compileMessage(source)).toEqual({
      variables: ["firstName", "lastPurchase", "spouseName"],
      required: ["firstName", "lastPurchase"],
    });
  });

  it("refuses a source that does not compile every time it is asked", () => {
    for (let i = 0; i < 2; i++) expect(() => compileMessage("Hi {{#if x}}")).toThrow(MessageError);
  });
});

describe("sequence numbers composed from single characters", () => {
  it("shape as each shipped face shapes them", async () => {
    const { FONT_KEYS, getFont } = await import("../../../src/render/fonts.ts");
    const numbers = [1, 7, 42, 99, 100, 500, 1234, 9999, 10_000, 99_999, 100_000].map(
      (n) => `#${String(n).padStart(5, "0")}`,
    );
    for (const key of FONT_KEYS) {
      const font = getFont(key);
      const raw = Object.getPrototypeOf(font.fk) as typeof font.fk;
      for (const text of [...numbers, "2026", "0123456789"]) {
        const shaped = raw.layout(text);
        const run = font.run(text);
        expect(
          run.glyphs.map((g) => g.id),
          `${key} ${text}`,
        ).toEqual(shaped.glyphs.map((g) => g.id));
        expect(run.positions, `${key} ${text}`).toEqual(
          shaped.positions.map((p) => ({
            xAdvance: p.xAdvance,
            yAdvance: p.yAdvance,
            xOffset: p.xOffset,
            yOffset: p.yOffset,
          })),
        );
        expect(run.advance).toBe(shaped.advanceWidth);
      }
    }
  });
});
