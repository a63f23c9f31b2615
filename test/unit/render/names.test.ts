import { describe, expect, it } from "vitest";
import { loadBuiltinTemplate, renderCard } from "../../../src/render/index.ts";
import { pdfText } from "../../support/preflight.ts";
import { cardData, photoFor, writeTemp } from "./fixtures.ts";

const NAMES: Array<{ name: string; fonts: string[] }> = [
  { name: "Zoë Ångström", fonts: ["GreatVibes-Regular"] },
  { name: "José Núñez", fonts: ["GreatVibes-Regular"] },
  { name: "Łukasz Żółć", fonts: ["GreatVibes-Regular"] },
  { name: "Nguyễn Thị Minh Khai", fonts: ["GreatVibes-Regular"] },
  { name: "Αθηνά Παπαδοπούλου", fonts: ["NotoSerif-Regular"] },
  { name: "Дмитрий Шостакович", fonts: ["GreatVibes-Regular"] },
];

describe("recipient names", () => {
  it.each(NAMES)("$name comes back exactly from pdftotext", async ({ name, fonts }) => {
    const template = await loadBuiltinTemplate("thank-you");
    const photo = await photoFor("card_5x7");
    const { pdf, report } = await renderCard({
      template,
      format: "card_5x7",
      data: cardData(name),
      photo,
    });
    const text = await pdfText(await writeTemp(`name-${encodeURIComponent(name)}.pdf`, pdf));
    expect(text.split("\n")).toContain(name);
    expect(report.nameFonts).toEqual(fonts);
    expect(report.nameLines).toBe(1);
  });

  it("reports the fallback font that drew Greek letters the script face lacks", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const { report } = await renderCard({
      template,
      format: "card_5x7",
      data: cardData("Αθηνά Παπαδοπούλου"),
    });
    const nameFallback = report.fallbacks.filter((f) => f.part === "name");
    expect(nameFallback).toEqual([
      { part: "name", font: "NotoSerif-Regular", chars: "ΑθηνάΠαπαδοπούλου" },
    ]);
  });

  it("a 70-character name shrinks, wraps to a second line and comes back whole", async () => {
    const name = "Maximiliana Theodora Konstantinopoulou-Wolfeschlegelsteinhausen Jr. II";
    expect(name.length).toBe(70);
    const template = await loadBuiltinTemplate("thank-you");
    const { pdf, report } = await renderCard({
      template,
      format: "card_5x7",
      data: cardData(name),
    });
    expect(report.nameShrunk).toBe(true);
    expect(report.nameLines).toBe(2);
    expect(report.nameFontSize).toBeGreaterThanOrEqual(16);
    const lines = (await pdfText(await writeTemp("long-name.pdf", pdf))).split("\n");
    expect(lines).toContain(name);
  });

  it("a name in decomposed Unicode (NFD) prints as the same composed text", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const { pdf } = await renderCard({
      template,
      format: "card_5x7",
      data: cardData("Zoë Ångström".normalize("NFD")),
    });
    const text = await pdfText(await writeTemp("nfd.pdf", pdf));
    expect(text.split("\n")).toContain("Zoë Ångström");
  });
});
