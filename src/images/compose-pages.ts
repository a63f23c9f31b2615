import { createRequire } from "node:module";
import sharp, { type OverlayOptions } from "sharp";

/** One page's picture and the label printed above it ("Front", "Back (address side)"). */
export interface LabelledPage {
  png: Buffer;
  label: string;
}

// The labels are set in a font cardmerge ships, so they print the same on a server without fonts.
const LABEL_FONT = createRequire(import.meta.url).resolve(
  "@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf",
);
const GAP_PX = 24;
const LABEL_PX = 40;

/**
 * Every page of a card in one PNG, each under its label: side by side when the pages are
 * portrait, stacked when they are landscape, so the picture stays near a screen's shape.
 * Pages are expected to be the same size (they are pages of one card).
 */
export async function composePages(pages: LabelledPage[]): Promise<Buffer> {
  const sized = await Promise.all(
    pages.map(async (p) => {
      const { width = 0, height = 0 } = await sharp(p.png).metadata();
      return { ...p, width, height };
    }),
  );
  const pageW = Math.max(...sized.map((p) => p.width));
  const pageH = Math.max(...sized.map((p) => p.height));
  const sideBySide = pageH >= pageW;
  const cellW = pageW;
  const cellH = LABEL_PX + pageH;
  const n = sized.length;
  const width = sideBySide ? GAP_PX + n * (cellW + GAP_PX) : GAP_PX * 2 + cellW;
  const height = sideBySide ? GAP_PX * 2 + cellH : GAP_PX + n * (cellH + GAP_PX);

  const layers: OverlayOptions[] = [];
  for (const [i, page] of sized.entries()) {
    const left = sideBySide ? GAP_PX + i * (cellW + GAP_PX) : GAP_PX;
    const top = sideBySide ? GAP_PX : GAP_PX + i * (cellH + GAP_PX);
    const label = await sharp({
      text: {
        text: escapeMarkup(page.label),
        font: "Noto Sans 16",
        fontfile: LABEL_FONT,
        dpi: 100,
        width: cellW,
        rgba: true,
      },
    })
      .png()
      .toBuffer();
    layers.push({ input: label, left, top });
    layers.push({ input: page.png, left, top: top + LABEL_PX });
  }
  return sharp({ create: { width, height, channels: 3, background: "#e6e6e6" } })
    .composite(layers)
    .png()
    .toBuffer();
}

// sharp's text input is Pango markup.
const escapeMarkup = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
