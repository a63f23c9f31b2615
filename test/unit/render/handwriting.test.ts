/**
 * The handwritten look (pen.ts, pen-draw.ts): one card always draws the same bytes, two cards with
 * one message draw it differently, adjacent identical letters never look alike, and the text
 * stays text that pdftotext gives back as written, inside its box, in the design's ink.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  type CardData,
  type FormatId,
  loadBuiltinTemplate,
  parseDesign,
  renderCard,
  type Template,
} from "../../../src/render/index.ts";
import { fillRgb } from "../../../src/render/pdf-ops.ts";
import { INKS } from "../../../src/render/pen.ts";
import { preflight } from "../../support/preflight.ts";
import { cardData, photoFor, writeTemp } from "./fixtures.ts";

const run = promisify(execFile);
const template = await loadBuiltinTemplate("handwritten-note");

/** A card of the handwritten note, 5x7: the message is written on page 2, the back. */
async function card(data: CardData, message: string, t: Template = template, format = "card_5x7") {
  const { pdf } = await renderCard({
    template: t,
    format: format as FormatId,
    data,
    message,
    photo: await photoFor(format as FormatId),
  });
  return pdf;
}

let files = 0;
/** The uncompressed content of each page (qpdf's QDF form). */
async function pageContents(pdf: Buffer): Promise<string[]> {
  const path = await writeTemp(`hand-${files++}.pdf`, pdf);
  const { stdout } = await run("qpdf", ["--qdf", "--object-streams=disable", path, "-"], {
    maxBuffer: 64 * 1024 * 1024,
    encoding: "latin1",
  });
  return stdout
    .split(/%% Contents for page \d+/)
    .slice(1)
    .map((s) => s.slice(0, s.indexOf("endstream")));
}

interface DrawnGlyph {
  /** a b c d of its text matrix: its size and lean. */
  matrix: string;
  e: number;
  f: number;
  code: string;
}

/** Every glyph a page draws under its own text matrix, in drawing order. */
function drawnGlyphs(content: string): DrawnGlyph[] {
  const re =
    /(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) Tm <([0-9a-f]+)> Tj/g;
  return [...content.matchAll(re)].map((m) => ({
    matrix: m.slice(1, 5).join(" "),
    e: Number(m[5]),
    f: Number(m[6]),
    code: m[7] ?? "",
  }));
}

async function textOfPage(pdf: Buffer, page: number): Promise<string> {
  const path = await writeTemp(`hand-text-${files++}.pdf`, pdf);
  const { stdout } = await run("pdftotext", [
    "-enc",
    "UTF-8",
    "-f",
    String(page),
    "-l",
    String(page),
    path,
    "-",
  ]);
  return stdout;
}

const emma = () => cardData("Emma Walker");
const liam = () => ({ ...cardData("Liam Brown"), seed: "cmp_1/rcp_liam" });

describe("handwritten note", () => {
  it("renders one card byte-identical twice, also after rendering another", async () => {
    const message = "Dear Emma,\n\nThank you so much.";
    const first = await card(emma(), message);
    await card(liam(), message);
    const again = await card(emma(), message);
    expect(again.equals(first)).toBe(true);
    const seeded = { ...emma(), seed: "cmp_1/rcp_emma" };
    expect((await card(seeded, message)).equals(await card(seeded, message))).toBe(true);
  });

  it("gives a card the bytes a process that rendered nothing else gives it", async () => {
    // Greek falls back to Noto Sans inside the pen's text: two faces' subsets, both stable.
    const name = "Αθηνά Παπαδοπούλου";
    const photo = await photoFor("card_5x7");
    const path = await writeTemp("hand-alone.jpg", photo.jpeg);
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "test/unit/render/render-alone.ts", path, name],
      {
        env: {
          ...process.env,
          TEMPLATE: "handwritten-note",
          RENDER_ALONE: "card",
          PHOTO_W: String(photo.widthPx),
          PHOTO_H: String(photo.heightPx),
        },
      },
    );
    const alone = JSON.parse(stdout.trim().split("\n").pop() ?? "[]")[0];
    await card(liam(), "Ένα μήνυμα, and another hand");
    const { pdf } = await renderCard({ template, format: "card_5x7", data: cardData(name), photo });
    expect(createHash("sha256").update(pdf).digest("hex")).toBe(alone);
  }, 60_000);

  it("writes one message differently on two recipients' cards: same glyphs, other strokes", async () => {
    const message = "Hello Anna, the committee thanks you.\nSee you soon!";
    const [, a] = await pageContents(await card(emma(), message));
    const [, b] = await pageContents(await card(liam(), message));
    const ga = drawnGlyphs(a ?? "");
    const gb = drawnGlyphs(b ?? "");
    expect(ga.length).toBeGreaterThan(50);
    expect(gb.map((g) => g.code)).toEqual(ga.map((g) => g.code));
    const moved = ga.filter((g, i) => {
      const o = gb[i] as DrawnGlyph;
      return g.matrix !== o.matrix || g.f !== o.f;
    });
    expect(moved.length / ga.length).toBeGreaterThan(0.9);
    // The lines start at other places too: the first glyph of each text object is a line's.
    const starts = (content: string) =>
      content
        .split("BT")
        .slice(1)
        .map((line) => drawnGlyphs(line)[0]?.e);
    expect(starts(a ?? "").slice(0, 2)).not.toEqual(starts(b ?? "").slice(0, 2));
  });

  it("never draws two adjacent identical letters alike: Hello, Anna, committee", async () => {
    const message = "Hello Anna committee";
    const [, back] = await pageContents(await card(emma(), message));
    // The message is the back's first text: one drawn glyph per character, spaces included.
    const glyphs = drawnGlyphs(back ?? "").slice(0, message.length);
    const pairs = [...message].flatMap((ch, i) =>
      /\p{L}/u.test(ch) && ch === message[i + 1] ? [i] : [],
    );
    expect(pairs.map((i) => message.slice(i, i + 2))).toEqual(["ll", "nn", "mm", "tt", "ee"]);
    for (const i of pairs) {
      const [g, next] = [glyphs[i] as DrawnGlyph, glyphs[i + 1] as DrawnGlyph];
      // Caveat's contextual alternates give the second letter another form.
      expect(next.code, message.slice(i, i + 2)).not.toBe(g.code);
    }
  });

  it("leans a repeated letter the other way where the face has no alternate", async () => {
    // Lora has one form of each letter: only the pen tells the two l's apart.
    const json = JSON.parse(readFileSync("templates/handwritten-note/template.json", "utf8"));
    json.id = "serif-pen";
    json.styles.message = { ...json.styles.message, font: "serif", size: 12, ink: "black" };
    const serif = parseDesign({ json, texts: { message: "x" } });
    const message = "Hello Anna committee balloon sheep";
    for (const data of [emma(), liam()]) {
      const [, back] = await pageContents(await card(data, message, serif));
      const glyphs = drawnGlyphs(back ?? "").slice(0, message.length);
      let repeats = 0;
      for (let i = 0; i + 1 < message.length; i++) {
        if (!/\p{L}/u.test(message[i] ?? "") || message[i] !== message[i + 1]) continue;
        const [g, next] = [glyphs[i] as DrawnGlyph, glyphs[i + 1] as DrawnGlyph];
        expect(next.code).toBe(g.code);
        const lean = (m: DrawnGlyph) => {
          const [a = 1, b = 0] = m.matrix.split(" ").map(Number);
          return Math.atan2(-b, a);
        };
        // At least half the largest lean apart (pen.ts), less the matrix's rounding.
        expect(Math.abs(lean(next) - lean(g))).toBeGreaterThan(0.02);
        repeats++;
      }
      expect(repeats).toBe(8);
    }
  });

  // Many cards: where a word splits depends on its strays, so one seed proves little.
  const recipients = [
    cardData("Łukasz Żółć"),
    cardData("Zoë Ångström"),
    emma(),
    liam(),
    ...Array.from({ length: 8 }, (_, i) => ({
      ...cardData("Emma Walker"),
      seed: `cmp_2/rcp_${i}`,
    })),
  ];

  it("gives the message back exactly to pdftotext: its words, spaces and lines as written", async () => {
    const message =
      "Dear Łukasz,\n\nThank you for the committee's help.\nSee you at the café in June!\n\nP.S. Hello to Anna & Matthew!";
    // pdftotext leaves out the blank lines between paragraphs, as it does for typeset designs.
    const lines = message.split("\n").filter((l) => l !== "");
    for (const data of recipients) {
      const text = await textOfPage(await card(data, message), 2);
      expect(
        text
          .split("\n")
          .filter((l) => l !== "")
          .slice(0, lines.length),
      ).toEqual(lines);
    }
  });

  it("gives a wrapped paragraph back with its words and single spaces", async () => {
    const paragraph =
      "Thank you for choosing us for the kitchen, the stairs and the little oak shelf by the window. It was a real pleasure working with you, and we hope you enjoy every moment with what we made together.";
    for (const data of recipients) {
      const text = await textOfPage(await card(data, paragraph), 2);
      const lines = text.slice(0, text.indexOf("\n\n")).split("\n");
      expect(lines.length).toBeGreaterThan(3);
      expect(lines.join(" ")).toBe(paragraph);
      // The signature too, in its own style.
      expect(text).toContain("Warmly,\nMaria & the team\n");
    }
  });

  it("keeps every stray letter inside the message box, at every size the fit picks", async () => {
    // The 5x7 back's message box: [0.5, 0.55, 4.0, 4.6] in from the trim corner, 9 pt of bleed.
    const box = { x0: 9 + 0.5 * 72, y0: 9 + 0.55 * 72, x1: 9 + 4.5 * 72, y1: 9 + 5.15 * 72 };
    const words = "Thank you for trusting us with the workshop, the garden gate and more".split(
      " ",
    );
    for (const [n, data] of [emma(), liam(), cardData("Zoë Ångström")].entries()) {
      // Long enough to shrink below the style's size: lines fill the box's whole width.
      const message = Array.from({ length: 6 + n * 3 }, () => words.join(" ")).join(" ");
      const path = await writeTemp(`hand-bbox-${n}.pdf`, await card(data, message));
      const { stdout } = await run("pdftotext", ["-bbox", "-f", "2", "-l", "2", path, "-"]);
      const boxes = [
        ...stdout.matchAll(
          /xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</g,
        ),
      ]
        .map((m) => ({
          x0: Number(m[1]),
          y0: Number(m[2]),
          x1: Number(m[3]),
          y1: Number(m[4]),
          w: m[5],
        }))
        // The message's words: the signature's box starts at 5.25 in.
        .filter((b) => b.y0 < 9 + 5.25 * 72);
      expect(boxes.length).toBeGreaterThan(50);
      for (const b of boxes) {
        expect(b.x0, b.w).toBeGreaterThanOrEqual(box.x0);
        expect(b.x1, b.w).toBeLessThanOrEqual(box.x1);
        expect(b.y0, b.w).toBeGreaterThanOrEqual(box.y0);
        expect(b.y1, b.w).toBeLessThanOrEqual(box.y1);
      }
    }
  });

  it("writes in the design's ink, blue or black", async () => {
    const [, blue] = await pageContents(await card(emma(), "In blue"));
    expect(blue).toContain(fillRgb(INKS.blue));
    expect(blue).not.toContain(fillRgb(INKS.black));
    const json = JSON.parse(readFileSync("templates/handwritten-note/template.json", "utf8"));
    json.id = "black-ink";
    for (const s of ["name", "message", "signature"]) json.styles[s].ink = "black";
    const black = parseDesign({ json, texts: { message: "x" } });
    const [, back] = await pageContents(await card(emma(), "In black", black));
    expect(back).toContain(fillRgb(INKS.black));
    expect(back).not.toContain(fillRgb(INKS.blue));
  });

  it.each(["card_5x7", "a2_folded", "postcard_4x6"])(
    "embeds the handwriting face as a subset with its Unicode map (%s)",
    async (format) => {
      const data = cardData("Łukasz Żółć");
      const pdf = await card(data, "Dziękujemy, Łukasz!", template, format);
      const fonts = (await preflight(await writeTemp(`hand-fonts-${format}.pdf`, pdf))).fonts;
      const caveat = fonts.find((f) => f.name.endsWith("+Caveat-Regular"));
      expect(caveat).toMatchObject({ embedded: true, subset: true, unicode: true });
      for (const f of fonts) expect(f, f.name).toMatchObject({ embedded: true, subset: true });
    },
  );
});
