import { createHash } from "node:crypto";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  CardRenderError,
  loadBuiltinTemplate,
  renderBatch,
  renderCard,
} from "../../../src/render/index.ts";
import { pdfText, preflight } from "../../support/preflight.ts";
import { cardData, photoFor, photoOfSize, writeTemp } from "./fixtures.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function collect(stream: PassThrough): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe("renderCard", () => {
  it("is deterministic: two renders of the same inputs have the same SHA-256", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const photo = await photoFor("card_5x7");
    const input = { template, format: "card_5x7" as const, data: cardData("Łukasz Żółć"), photo };
    const a = await renderCard(input);
    const b = await renderCard(input);
    expect(a.pdf.length).toBeGreaterThan(10_000);
    expect(sha(a.pdf)).toBe(sha(b.pdf));
  });

  it("rejects a message with an unknown variable before drawing anything", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const render = renderCard({
      template,
      format: "card_5x7",
      data: cardData(),
      message: "Dear {{firstName}}, enjoy your {{favouriteColour}} table.",
    });
    await expect(render).rejects.toBeInstanceOf(CardRenderError);
    await expect(render).rejects.toMatchObject({
      reason: "unknown_variable",
      message: expect.stringContaining("{{favouriteColour}}"),
    });
  });

  it("merges custom fields and helpers into the message", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const { pdf } = await renderCard({
      template,
      format: "card_5x7",
      data: cardData("José Núñez", { visitDate: "2024-03-14" }),
      message:
        "Hi {{firstName}}, we hope the {{lastPurchase}} from {{formatDate visitDate}} fits {{possessive firstName}} home.",
    });
    const text = (await pdfText(await writeTemp("merge.pdf", pdf))).replace(/\s+/g, " ");
    expect(text).toContain("Hi José, we hope the oak dining table from March 14 fits José’s home.");
  });

  it("fails a card whose message overflows its box at the floor size, with the reason", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const message = "Thank you so much for everything you have done for us this year. ".repeat(40);
    const err = await renderCard({ template, format: "card_5x7", data: cardData(), message }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CardRenderError);
    const e = err as CardRenderError;
    expect(e.reason).toBe("message_overflow");
    expect(e.message).toMatch(/floor size of 9 pt/);
    expect(e.report.failure?.reason).toBe("message_overflow");
  });

  it("shrinks a long message but keeps it at or above the floor", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const message = "Thank you so much for everything you have done for us this year. ".repeat(12);
    const { report } = await renderCard({
      template,
      format: "card_5x7",
      data: cardData(),
      message,
    });
    expect(report.messageShrunk).toBe(true);
    expect(report.messageFontSize).toBeGreaterThanOrEqual(9);
    expect(report.messageFontSize).toBeLessThan(12);
  });

  it("warns when a 600x400 photo prints under 300 ppi (and marks an error under 150)", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const photo = await photoOfSize(600, 400);
    const { pdf, report } = await renderCard({
      template,
      format: "card_5x7",
      data: cardData(),
      photo,
    });
    expect(report.photo?.effectivePpi).toBeLessThan(150);
    expect(report.photo?.warning).toMatch(/ppi/);
    expect(report.photo?.error).toMatch(/pixelated/);
    expect(report.warnings.length).toBeGreaterThan(0);
    const pf = await preflight(await writeTemp("lowres.pdf", pdf));
    expect(pf.images[0]?.xppi).toBeLessThan(150);
  });

  it("with crop marks grows the MediaBox by a slug but keeps TrimBox and BleedBox", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const { pdf } = await renderCard({
      template,
      format: "card_5x7",
      data: cardData(),
      options: { cropMarks: true },
    });
    const pf = await preflight(await writeTemp("crop.pdf", pdf));
    expect(pf.trimBoxes[0]).toEqual([36, 36, 396, 540]);
    expect(pf.bleedBoxes[0]).toEqual([27, 27, 405, 549]);
    expect(pf.mediaBoxes[0]).toEqual([0, 0, 432, 576]);
    expect(pf.qpdfOk).toBe(true);
  });

  it("prints the recipient and return address on a postcard's address side at 8 pt or more", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const { pdf } = await renderCard({
      template,
      format: "postcard_4x6",
      data: cardData("Дмитрий Шостакович"),
    });
    const text = await pdfText(await writeTemp("postcard.pdf", pdf));
    expect(text).toContain("12 Harbour Lane");
    expect(text).toMatch(/Portland, OR\s+97201/);
    expect(text).toContain("400 Mill St");
  });
});

describe("renderBatch", () => {
  it("writes many cards into one PDF, embeds a shared photo once and skips failed cards whole", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const photo = await photoFor("card_5x7");
    const names = ["Zoë Ångström", "José Núñez", "Αθηνά Παπαδοπούλου", "Дмитрий Шостакович"];
    const cards = names.map((name, i) => ({
      id: `card-${i}`,
      template,
      format: "card_5x7" as const,
      data: cardData(name),
      photo,
      ...(i === 2 ? { message: "Hello {{nickname}}" } : {}),
    }));
    const out = new PassThrough();
    const bytes = collect(out);
    const report = await renderBatch(cards, out, { sequence: true });
    const pdf = await bytes;
    expect(report).toMatchObject({ cards: 4, rendered: 3, failed: 1, pages: 6 });
    expect(report.outcomes[2]).toMatchObject({
      id: "card-2",
      ok: false,
      report: { failure: { reason: "unknown_variable" } },
    });
    expect(report.outcomes[3]).toMatchObject({ ok: true, firstPage: 5 });
    expect(report.bytes).toBe(pdf.length);
    const path = await writeTemp("batch.pdf", pdf);
    const pf = await preflight(path);
    expect(pf.pages).toBe(6);
    expect(pf.images.length).toBe(3);
    expect(new Set(pf.images.map((i) => `${i.width}x${i.height}`)).size).toBe(1);
    expect(pf.qpdfOk).toBe(true);
    // The photo object is shared: file size is about one photo, not three.
    expect(pdf.length).toBeLessThan(photo.jpeg.length + 3 * 40_000);
    const text = await pdfText(path);
    expect(text).not.toContain("Αθηνά");
    expect(text).toContain("#00004");
  });
});
