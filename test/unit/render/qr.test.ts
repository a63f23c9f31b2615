import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { imposeBatch } from "../../../src/render/impose.ts";
import {
  type FormatId,
  loadBuiltinTemplate,
  parseDesign,
  renderCard,
} from "../../../src/render/index.ts";
import { qrMatrix } from "../../../src/render/qr-draw.ts";
import { pdfText, preflight } from "../../support/preflight.ts";
import { decodeQrs } from "../../support/qr-decode.ts";
import { cardData, photoFor, writeTemp } from "./fixtures.ts";

const URL_A = "https://cards.example.com/q/3q2-7wEVnqr1xzO-Lp9KcA";

/** The page that carries the card's back face (an A2 folded card has it beside the front). */
const backPage = (format: FormatId) => (format === "a2_folded" ? 1 : 2);

describe("QR codes on cards", () => {
  for (const id of ["birthday", "thank-you", "october-holiday"]) {
    it(`${id}: every format's back carries the card's URL, decoded by zbarimg at 300 dpi, drawn as vectors`, async () => {
      const template = await loadBuiltinTemplate(id);
      for (const format of template.formats as FormatId[]) {
        const data = { ...cardData("Zoë Ångström"), qrUrl: URL_A };
        const { pdf } = await renderCard({ template, format, data, photo: await photoFor(format) });
        const file = await writeTemp(`qr-${id}-${format}.pdf`, pdf);
        expect(await decodeQrs(file, backPage(format)), format).toEqual([URL_A]);
        // No image was added for it: only the photo (on the front) is a raster.
        const images = (await preflight(file)).images;
        expect(images.every((i) => i.width === images[0]?.width)).toBe(true);
      }
    }, 60_000);
  }

  it("draws no code on a card without a URL", async () => {
    const template = await loadBuiltinTemplate("birthday");
    const { pdf } = await renderCard({ template, format: "postcard_4x6", data: cardData() });
    expect(await decodeQrs(await writeTemp("no-qr.pdf", pdf), 2)).toEqual([]);
  });

  it("places the code where a custom design's qr layer says, and {{qrUrl}} merges into its text", async () => {
    const template = parseDesign({
      json: {
        id: "qr-custom",
        name: "QR custom",
        occasion: "custom",
        fonts: { script: "great-vibes", serif: "lora", sans: "noto-sans" },
        colors: { ink: "#223344" },
        styles: {
          name: { font: "serif", size: 20, color: "ink" },
          message: { font: "serif", size: 11, color: "ink" },
          signature: { font: "script", size: 16, color: "ink" },
          footer: { font: "sans", size: 7, color: "ink" },
          small: { font: "sans", size: 8, color: "ink" },
          address: { font: "sans", size: 9, color: "ink" },
        },
        photo: { fit: "cover", focalPoint: [0.5, 0.5] },
        formats: {
          card_5x7: {
            faces: {
              front: {
                layers: [
                  { type: "name", box: [0.5, 0.5, 4, 1] },
                  { type: "qr", box: [1.5, 3, 2, 2], color: "ink" },
                ],
              },
              back: {
                layers: [
                  { type: "message", box: [0.5, 0.5, 4, 4] },
                  {
                    type: "text",
                    box: [0.5, 6, 4, 0.5],
                    text: "Scan or visit {{qrUrl}}",
                    style: "small",
                  },
                ],
              },
            },
          },
        },
      },
      texts: { name: "{{fullName}}", message: "Dear {{firstName}}, thank you." },
    });
    const { pdf } = await renderCard({
      template,
      format: "card_5x7",
      data: { ...cardData(), qrUrl: URL_A },
    });
    const file = await writeTemp("qr-custom.pdf", pdf);
    expect(await decodeQrs(file, 1)).toEqual([URL_A]);
    expect((await pdfText(file)).replace(/\s+/g, " ")).toContain(`Scan or visit ${URL_A}`);
  });

  it("decodes every card's own code from a 300 dpi rendering of the imposed sheet", async () => {
    const template = await loadBuiltinTemplate("birthday");
    const photo = await photoFor("postcard_4x6");
    const urls = [0, 1, 2, 3].map((i) => `https://cards.example.com/q/card${i}-${"x".repeat(17)}`);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (c: Buffer) => chunks.push(c));
    await imposeBatch(
      4,
      (i) => ({
        template,
        format: "postcard_4x6",
        data: { ...cardData(`Person${i + 1} Smith`), qrUrl: urls[i] },
        photo,
      }),
      out,
      { format: "postcard_4x6", sheet: "12x18", batchId: "batch_qr" },
    );
    const file = await writeTemp("qr-imposed.pdf", Buffer.concat(chunks));
    expect((await decodeQrs(file, 2)).sort()).toEqual([...urls].sort());
  }, 60_000);

  it("refuses a text too long for a card's code", () => {
    expect(() => qrMatrix("x".repeat(513))).toThrow(/512/);
    expect(qrMatrix(URL_A).size).toBeGreaterThan(20);
  });
});
