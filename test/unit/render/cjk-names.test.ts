/**
 * Chinese and Japanese names print with the CJK font installed on the machine (CI installs Debian's
 * fonts-droid-fallback); characters no font has fail the card with what to do, never print as boxes.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  CardRenderError,
  cjkFontSource,
  loadBuiltinTemplate,
  renderCard,
  useCjkFont,
} from "../../../src/render/index.ts";
import { pdfText, preflight } from "../../support/preflight.ts";
import { cardData, photoFor, writeTemp } from "./fixtures.ts";

const installed = cjkFontSource();

afterEach(() => useCjkFont(installed));

async function render(name: string) {
  const template = await loadBuiltinTemplate("thank-you");
  return renderCard({
    template,
    format: "card_5x7",
    data: cardData(name),
    photo: await photoFor("card_5x7"),
  });
}

async function failure(name: string): Promise<CardRenderError> {
  const error = await render(name).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CardRenderError);
  return error as CardRenderError;
}

describe("CJK names", () => {
  it("finds an installed CJK font (Debian: fonts-droid-fallback or fonts-noto-cjk)", () => {
    expect(installed, "no CJK font installed: apt-get install fonts-droid-fallback").not.toBeNull();
  });

  it.each(["山田 太郎", "王小明", "Mei 林"])(
    "%s comes back exactly from pdftotext, the font embedded",
    async (name) => {
      const { pdf, report } = await render(name);
      const file = await writeTemp(`cjk-${encodeURIComponent(name)}.pdf`, pdf);
      expect((await pdfText(file)).split("\n")).toContain(name);
      const cjk = report.fallbacks.find((f) => f.part === "name");
      expect(cjk?.chars).toContain([...name].filter((c) => c > "\u2e7f").join(""));
      const font = (await preflight(file)).fonts.find((f) => f.name.endsWith(`+${cjk?.font}`));
      expect(font).toMatchObject({ embedded: true, subset: true, unicode: true });
    },
  );

  it("fails the card, saying to install a CJK font, when none is installed", async () => {
    useCjkFont(null);
    const error = await failure("山田 太郎");
    expect(error.reason).toBe("unprintable_characters");
    expect(error.message).toMatch(/name has characters no font has \(山田太郎\)/);
    expect(error.message).toMatch(/install a CJK font/);
  });
});

describe("CJK_FONT", () => {
  it("is read when set, so a file that is not a font is refused at once, not card by card", () => {
    expect(() => useCjkFont("package.json")).toThrow(/CJK font package.json cannot be used/);
  });
});

describe("characters no font has", () => {
  it("fail the card with the characters and what to do, instead of printing boxes", async () => {
    const error = await failure("Ann 🌸 Lee");
    expect(error.reason).toBe("unprintable_characters");
    expect(error.message).toBe(
      "The name has characters no font has (🌸): change the text (no font cardmerge has can print them).",
    );
    expect(error.report.failure?.reason).toBe("unprintable_characters");
  });
});
