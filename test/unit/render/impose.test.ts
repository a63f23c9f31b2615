import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { cutStackOrder } from "../../../src/render/cut-stack-order.ts";
import { imposeBatch, imposedPlace, imposition } from "../../../src/render/impose.ts";
import { sheetLayout } from "../../../src/render/impose-layout.ts";
import { loadBuiltinTemplate, type Template } from "../../../src/render/index.ts";
import { SHEET_IDS, SHEETS } from "../../../src/render/sheet-sizes.ts";
import { preflight } from "../../support/preflight.ts";
import { cardData, photoFor, writeTemp } from "./fixtures.ts";

const run = promisify(execFile);

async function collect(stream: PassThrough): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function impose(template: Template, count: number, format: "postcard_4x6" | "a2_folded") {
  const photo = await photoFor(format);
  const out = new PassThrough();
  const bytes = collect(out);
  const report = await imposeBatch(
    count,
    (i) => ({ template, format, data: cardData(`Person${i + 1} Smith`), photo }),
    out,
    { format, sheet: "12x18", batchId: "batch_T1" },
  );
  return { report, pdf: await bytes };
}

/** The text pdftotext finds inside one rectangle (points = pixels at 72 dpi), for every page. */
async function regionText(path: string, r: { x: number; y: number; w: number; h: number }) {
  const args = ["-x", r.x, "-y", r.y, "-W", r.w, "-H", r.h].map((v) =>
    String(typeof v === "number" ? Math.round(v) : v),
  );
  const { stdout } = await run("pdftotext", ["-r", "72", ...args, "-enc", "UTF-8", path, "-"], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.split("\f");
}

describe("cut-and-stack order", () => {
  it("puts consecutive cards in each pile, so the piles end to end are the batch order", () => {
    for (const [cards, perSheet] of [
      [500, 4],
      [10, 4],
      [1, 8],
      [17, 6],
    ] as const) {
      const o = cutStackOrder(cards, perSheet);
      expect(o.sheets).toBe(Math.ceil(cards / perSheet));
      const piles: number[][] = [];
      for (let p = 0; p < perSheet; p++) {
        piles[p] = [];
        for (let s = 0; s < o.sheets; s++) {
          const c = o.cardAt(s, p);
          if (c !== null) piles[p]?.push(c);
        }
      }
      expect(piles.flat()).toEqual([...Array(cards).keys()]);
      for (let i = 0; i < cards; i++) {
        const { sheet, position } = o.placeOf(i);
        expect(o.cardAt(sheet, position)).toBe(i);
      }
    }
  });

  it("fits 4x6 postcards (with bleed) 4-up on every sheet size, and refuses what cannot fit", () => {
    // 6.25 x 4.25 in with bleed: two across and two down fit in 17 x 11 in (a 12x18 sheet, landscape,
    // less its 0.5 in margins); three across would need 19 in.
    for (const id of SHEET_IDS) expect(sheetLayout(SHEETS[id], 6, 4, 0.125).perSheet).toBe(4);
    expect(sheetLayout(SHEETS["12x18"], 5, 7, 0.125).perSheet).toBe(4);
    expect(() => sheetLayout(SHEETS["11x17"], 11, 17, 0.125)).toThrow(/does not fit/);
  });
});

describe("an imposed 500-card 4x6 batch on 12x18", () => {
  let pdf: Buffer;
  let path: string;
  let report: Awaited<ReturnType<typeof impose>>["report"];
  const imp = imposition("postcard_4x6", "12x18", 500);
  beforeAll(async () => {
    ({ pdf, report } = await impose(await loadBuiltinTemplate("birthday"), 500, "postcard_4x6"));
    path = await writeTemp("imposed-500.pdf", pdf);
  }, 120_000);

  it("has 125 press sheets, fronts and backs alternating, on 18 x 12 in pages", async () => {
    expect(report).toEqual({ sheets: 125, perSheet: 4, pages: 250 });
    const pf = await preflight(path);
    expect(pf.qpdfOk).toBe(true);
    expect(pf.pages).toBe(250);
    for (const box of pf.mediaBoxes) expect(box).toEqual([0, 0, 1296, 864]);
    // Vectors and the one embedded photo: no rasterised card.
    expect(new Set(pf.images.map((i) => `${i.width}x${i.height}`)).size).toBe(1);
  });

  it("places every card's front and back once, at the sheet and position the manifest says, registered for duplex", async () => {
    const l = imp.layout;
    const seenFront = new Map<number, string>();
    const seenBack = new Map<number, string>();
    const sheets: number[][] = [];
    // pdftotext reads the 250 pages once per cell: the four runs go at once.
    const cells = await Promise.all(
      l.front.map((rect) => regionText(path, rect as (typeof l.front)[0])),
    );
    for (let r = 0; r < l.perSheet; r++) {
      const pages = cells[r] ?? [];
      for (let page = 0; page < 250; page++) {
        const text = pages[page] ?? "";
        const sheet = Math.floor(page / 2);
        const back = page % 2 === 1;
        // On a back page this rectangle holds the position mirrored left to right.
        const position = back
          ? l.back.findIndex((b) => b.x === l.front[r]?.x && b.y === l.front[r]?.y)
          : r;
        const names = [...text.matchAll(/Person(\d+) Smith/g)].map((m) => Number(m[1]));
        expect(names, `page ${page + 1}, cell ${r + 1}`).toHaveLength(1);
        const card = names[0] as number;
        const where = `${sheet + 1}:${position + 1}`;
        if (back) {
          // The sequence number printed on the back is the same card's.
          expect(text).toContain(`#${String(card).padStart(5, "0")}`);
          expect(seenBack.has(card)).toBe(false);
          seenBack.set(card, where);
        } else {
          expect(seenFront.has(card)).toBe(false);
          seenFront.set(card, where);
          sheets[sheet] ??= [];
          (sheets[sheet] as number[])[position] = card;
        }
        const m = imposedPlace(imp, card - 1);
        expect(where).toBe(`${m.sheet}:${m.position}`);
      }
    }
    expect(seenFront.size).toBe(500);
    expect(seenBack).toEqual(seenFront);

    // The cut: the whole stack at once, then the piles end to end.
    const piles = [...Array(l.perSheet).keys()].map((p) => sheets.map((s) => s[p] as number));
    expect(piles.flat()).toEqual([...Array(500).keys()].map((i) => i + 1));
  }, 180_000);

  it("draws crop marks on every trim line, all outside every card's bleed", async () => {
    const { stdout } = await run("qpdf", ["--qdf", "--object-streams=disable", path, "-"], {
      maxBuffer: 256 * 1024 * 1024,
      encoding: "latin1",
    });
    const blocks = [...stdout.matchAll(/\/CropMarks BMC(.*?)EMC/gs)].map((m) => m[1] ?? "");
    expect(blocks).toHaveLength(250);
    const l = imp.layout;
    const segs = [...(blocks[0] ?? "").matchAll(/([\d.]+) ([\d.]+) m ([\d.]+) ([\d.]+) l/g)].map(
      (m) => [1, 2, 3, 4].map((i) => Number(m[i])) as [number, number, number, number],
    );
    // 2 columns and 2 rows of cards: 4 trim x and 4 trim y, a mark at each end of each.
    expect(segs).toHaveLength(16);
    const b = l.bleedPt;
    const trimXs = new Set(l.front.flatMap((c) => [c.x + b, c.x + c.w - b]));
    for (const [x1, y1, x2, y2] of segs) {
      for (const c of l.front) {
        const inside = (x: number, y: number) =>
          x >= c.x && x <= c.x + c.w && y >= c.y && y <= c.y + c.h;
        expect(inside(x1, y1) || inside(x2, y2) || inside((x1 + x2) / 2, (y1 + y2) / 2)).toBe(
          false,
        );
      }
      if (x1 === x2) expect(trimXs.has(x1)).toBe(true);
    }
  });

  it("prints a slug line per sheet: batch, sheet number and side", async () => {
    const { stdout } = await run("pdftotext", ["-f", "3", "-l", "4", "-enc", "UTF-8", path, "-"]);
    expect(stdout).toContain("cardmerge batch batch_T1 · sheet 2 of 125 · front");
    expect(stdout).toContain("cardmerge batch batch_T1 · sheet 2 of 125 · back");
  });
});

describe("imposing", () => {
  it("is byte-identical on a re-run and imposes a folded A2 card", async () => {
    const t = await loadBuiltinTemplate("october-holiday");
    const a = await impose(t, 7, "a2_folded");
    const b = await impose(t, 7, "a2_folded");
    const sha = (x: Buffer) => createHash("sha256").update(x).digest("hex");
    expect(sha(a.pdf)).toBe(sha(b.pdf));
    expect(a.report.perSheet).toBe(sheetLayout(SHEETS["12x18"], 8.5, 5.5, 0.125).perSheet);
    expect(a.report.sheets).toBe(Math.ceil(7 / a.report.perSheet));
  });
});
