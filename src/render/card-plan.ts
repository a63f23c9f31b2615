/**
 * Planning a card: merge its texts, fit them, place its photo, all before anything is
 * drawn, so a card that fails never leaves half a card in a document.
 */

import { type ArtOps, artOps, boxToPt } from "./art.ts";
import type { CardData } from "./card-data.ts";
import type { ColourMode } from "./colour-profiles.ts";
import { type FontKey, fontChain } from "./fonts.ts";
import { type FaceId, FORMATS, type FormatId, type FormatSpec } from "./formats.ts";
import { MERGED_TEXT_LIMITS } from "./limits.ts";
import { checkMessageVariables, MessageError, mergeContext, mergeFunction } from "./merge.ts";
import {
  type FaceRects,
  faceRects,
  type PageGeometry,
  pageGeometry,
  type RectPt,
} from "./page-boxes.ts";
import { type Paint, paintFor, parseHex, type Rgb } from "./pdf-ops.ts";
import { cardSeed } from "./pen.ts";
import { type Photo, type PhotoPlacement, placePhoto } from "./photo.ts";
import { recipientAddressLines, returnAddressLines } from "./postal.ts";
import { qrOps } from "./qr-draw.ts";
import { avoidQr, type BoxIn } from "./qr-place.ts";
import { type CardReport, emptyReport } from "./report.ts";
import type { Template } from "./template-loader.ts";
import type { TextStyleJson } from "./template-schema.ts";
import { fail, type PlacedText, type TextStyle, textPlacer } from "./text-place.ts";

/** Print options. */
export interface RenderOptions {
  /** Bleed beyond trim on every side, inches (default 0.125). */
  bleedIn?: number;
  /** Draw crop marks; the MediaBox grows by a slug, TrimBox and BleedBox stay. */
  cropMarks?: boolean;
  /** A sequence number printed small on the back (batches set it per card). */
  sequence?: number;
  /** Test mode: "SAMPLE - NOT FOR MAILING" across every page (see sample-mark.ts). */
  sample?: boolean;
  /**
   * Colours written as RGB (default) or CMYK; the document's output intent says which. A CMYK card
   * needs its photo in CMYK too (the caller converts it with the press profile).
   */
  colourMode?: ColourMode;
}

/** Everything one card is rendered from. */
export interface CardInput {
  template: Template;
  format: FormatId;
  data: CardData;
  /** Handlebars message; the template's default message when absent. */
  message?: string;
  photo?: Photo;
  options?: RenderOptions;
}

export type FaceItem =
  | { kind: "art"; art: ArtOps }
  | { kind: "photo"; placement: PhotoPlacement | undefined; slot: RectPt; placeholder: Rgb }
  | { kind: "text"; text: PlacedText };

export interface CardPlan {
  format: FormatSpec;
  geometry: PageGeometry;
  pages: Array<Array<{ face: FaceId; rects: FaceRects; items: FaceItem[] }>>;
  report: CardReport;
  /** Draw the test-mode mark on every page. */
  sample?: boolean;
  /** How the card's colours are written (its colour mode). */
  paint: Paint;
}

const artCache = new WeakMap<Template, Map<string, ArtOps>>();

/** Checks every Handlebars source of the card against its data, before anything renders. */
function checkVariables(
  sources: Array<[string, string]>,
  data: CardData,
  report: CardReport,
): void {
  for (const [part, source] of sources) {
    let unknown: string[];
    try {
      unknown = checkMessageVariables(source, data);
    } catch (e) {
      if (e instanceof MessageError) fail("message_syntax", `${part}: ${e.message}`, report);
      throw e;
    }
    if (unknown.length) {
      const list = unknown.map((v) => `{{${v}}}`).join(", ");
      fail(
        "unknown_variable",
        `the ${part} uses ${list}, which neither the recipient's fields nor the sender supply`,
        report,
      );
    }
  }
}

/** A text merged with the card's data, failing the card (before any fitting) when it is too long. */
function mergeBounded(
  part: keyof typeof MERGED_TEXT_LIMITS,
  source: string,
  ctx: Record<string, string>,
  report: CardReport,
): string {
  const text = mergeFunction(source)(ctx).trim();
  const limit = MERGED_TEXT_LIMITS[part];
  if (text.length > limit) {
    const what = part === "text" ? "a design text" : `the ${part}`;
    fail(
      "message_too_long",
      `${what} is ${text.length.toLocaleString("en-US")} characters once merged; a card carries at most ${limit.toLocaleString("en-US")}: shorten it or the fields it uses`,
      report,
    );
  }
  return text;
}

export function planCard(input: CardInput): CardPlan {
  const { template, data } = input;
  const spec = template.spec;
  const format = FORMATS[input.format];
  const report = emptyReport(template.id, input.format);
  const layout = spec.formats[input.format];
  if (!format || !layout) {
    fail(
      "format_unsupported",
      `template "${template.id}" has no ${input.format} layout (it has: ${template.formats.join(", ")})`,
      report,
    );
  }
  const messageSource = input.message ?? template.texts.message;
  const textLayers = Object.values(layout.faces)
    .flatMap((f) => f?.layers ?? [])
    .filter((l) => l.type === "text");
  checkVariables(
    [
      ["message", messageSource],
      ["name line", template.texts.name],
      ["signature", template.texts.signature],
      ["footer", template.texts.footer],
      ...textLayers.map((l): [string, string] => ["template text", l.text]),
    ],
    data,
    report,
  );
  const ctx = mergeContext(data);
  const merged = {
    name: mergeBounded("name", template.texts.name, ctx, report),
    message: mergeBounded("message", messageSource, ctx, report),
    signature: mergeBounded("signature", template.texts.signature, ctx, report),
    footer: mergeBounded("footer", template.texts.footer, ctx, report),
  };
  const color = (c: string): Rgb => parseHex(spec.colors[c] ?? c);
  const styleOf = (name: string, over?: Partial<TextStyleJson>): TextStyle => {
    const base = spec.styles[name] ??
      spec.styles.message ?? { font: "serif", size: 11, color: "#000000" };
    const s = { ...base, ...layout.styles?.[name], ...over } as TextStyleJson;
    const role =
      s.font === "serifItalic"
        ? (spec.fonts.serifItalic ?? spec.fonts.serif)
        : s.font === "hand"
          ? (spec.fonts.hand ?? "caveat")
          : spec.fonts[s.font];
    return { ...s, chain: fontChain(role as FontKey) };
  };
  const colourMode = input.options?.colourMode ?? "rgb";
  const paint = paintFor(colourMode);
  const bleedIn = input.options?.bleedIn ?? 0.125;
  const geometry = pageGeometry(format, bleedIn, input.options?.cropMarks === true);
  let arts = artCache.get(template);
  if (!arts) {
    arts = new Map();
    artCache.set(template, arts);
  }

  const place = textPlacer({ styleOf, color, report, seed: cardSeed(data) });

  const pages = format.pages.map((placements) =>
    placements.map((p) => {
      const rects = faceRects(format, p, geometry);
      const items: FaceItem[] = [];
      const layers = layout.faces[p.face]?.layers ?? [];
      const qrLayer = data.qrUrl ? layers.find((l) => l.type === "qr") : undefined;
      const qrBox = qrLayer?.type === "qr" ? (qrLayer.box as BoxIn) : undefined;
      layers.forEach((layer, i) => {
        const key = `${input.format}|${p.face}|${i}|${bleedIn}|${geometry.slugPt}|${colourMode}`;
        let art = arts.get(key);
        if (!art) {
          art = artOps(layer, rects, color, paint);
          if (art) arts.set(key, art);
        }
        if (art) {
          items.push({ kind: "art", art });
          return;
        }
        switch (layer.type) {
          case "photo": {
            const slot = boxToPt(layer.box, rects);
            const placement = input.photo
              ? placePhoto(input.photo, slot, spec.photo.fit, spec.photo.focalPoint)
              : undefined;
            if (placement) report.photo = placement.report;
            items.push({
              kind: "photo",
              placement,
              slot,
              placeholder: color(spec.colors.photoPlaceholder ? "photoPlaceholder" : "#d9d4cc"),
            });
            break;
          }
          case "qr": {
            if (!data.qrUrl) break;
            const ink = color(layer.color ?? "#000000");
            items.push({
              kind: "art",
              art: { ops: qrOps(data.qrUrl, boxToPt(layer.box, rects), ink, paint), opacities: [] },
            });
            break;
          }
          case "name":
          case "message":
          case "signature":
          case "footer": {
            const box = avoidQr(layer.box as BoxIn, qrBox);
            const item = place(layer.type, merged[layer.type], { ...layer, box }, rects);
            if (item) items.push(item);
            break;
          }
          case "text": {
            const item = place(
              layer.style,
              mergeBounded("text", layer.text, ctx, report),
              { ...layer, type: "text", box: avoidQr(layer.box as BoxIn, qrBox) },
              rects,
              layer.size ? { size: layer.size } : undefined,
            );
            if (item) items.push(item);
            break;
          }
          case "address": {
            const areas = format.postal?.areas;
            if (!areas) break;
            const lines = recipientAddressLines(
              data.recipient,
              data.sender.returnAddress?.country ?? "US",
            ).join("\n");
            const a = areas.addressBlock;
            const minAddr = { minSize: Math.max(8, spec.styles.address?.minSize ?? 8) };
            const item = place(
              "address",
              lines,
              { type: "footer", box: [a.x, a.y, a.w, a.h] },
              rects,
              minAddr,
            );
            if (item) items.push(item);
            const ret = returnAddressLines(data.sender).join("\n");
            const r = areas.returnAddress;
            const retItem = place(
              "address",
              ret,
              { type: "footer", box: [r.x, r.y, r.w, r.h] },
              rects,
              { ...minAddr, size: Math.max(8, (spec.styles.address?.size ?? 9) - 1) },
            );
            if (retItem) items.push(retItem);
            break;
          }
        }
      });
      return { face: p.face, rects, items };
    }),
  );
  if (input.options?.sequence !== undefined) {
    const back = pages.flat().find((f) => f.face === "back") ?? pages.flat()[0];
    if (back) {
      const s = back.rects.safe;
      const item = place(
        "footer",
        `#${String(input.options.sequence).padStart(5, "0")}`,
        {
          type: "footer",
          box: [
            (s.x - back.rects.trim.x) / 72,
            (s.y + s.h - back.rects.trim.y) / 72 - 0.12,
            1,
            0.12,
          ],
          valign: "bottom",
          align: "left",
        },
        back.rects,
        { font: "sans", size: 5, minSize: 5, color: "#777777" },
      );
      if (item) back.items.push(item);
    }
  }
  report.pages = pages.length;
  if (report.photo?.warning) report.warnings.push(report.photo.warning);
  if (!input.photo && pages.flat().some((f) => f.items.some((i) => i.kind === "photo")))
    report.warnings.push("no photo given: the photo slot is filled with a plain colour");
  return {
    format,
    geometry,
    pages,
    report,
    paint,
    ...(input.options?.sample ? { sample: true } : {}),
  };
}
