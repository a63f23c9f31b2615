/**
 * The physical card formats: trim size, how faces sit on the printed sheet,
 * safe zone and (for postcards) the USPS address-side areas. All lengths in inches.
 */

export type FormatId = "postcard_4x6" | "postcard_6x9" | "postcard_6x11" | "card_5x7" | "a2_folded";

/** A logical side of the card, as a template designs it. */
export type FaceId = "front" | "back" | "inside_left" | "inside_right";

/** Rectangle in inches: x, y from the top-left, width, height. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where one face sits on a sheet page (offset from the sheet's trim corner). */
export interface FacePlacement {
  face: FaceId;
  x: number;
  y: number;
}

/** USPS address-side areas, relative to the address face's trim corner. */
export interface PostalAreas {
  /** Ink-free area for the recipient's address block (nothing else is drawn there). */
  addressBlock: Rect;
  /** Stamp / indicia area, top right. */
  postage: Rect;
  /** Bottom strip the USPS barcode sorter prints into (5/8 in high). */
  barcodeClearZone: Rect;
  /** Sender's return address, top left. */
  returnAddress: Rect;
}

export interface FormatSpec {
  id: FormatId;
  label: string;
  kind: "postcard" | "flat_card" | "folded_card";
  /** Trim size of the printed sheet. */
  sheet: { w: number; h: number };
  /** Finished face size (equals the sheet unless folded). */
  face: { w: number; h: number };
  /** One entry per PDF page, each listing the faces imposed on it. */
  pages: FacePlacement[][];
  /** Distance inside trim (and inside a fold) that text keeps clear of. */
  safeInset: number;
  /** Present on postcards: the face that carries the address, and its areas. */
  postal?: { face: FaceId; areas: PostalAreas };
}

/** Standard bleed beyond trim on every side; printers differ, so it is a render option. */
export const DEFAULT_BLEED_IN = 0.125;
export const SAFE_INSET_IN = 0.125;

function postalAreas(w: number, h: number): PostalAreas {
  // Right part of the back: USPS wants the address block below the postage area and
  // above the 5/8 in barcode strip; we keep a generous ink-free block for it.
  const blockW = Math.min(3.5, w / 2 - 0.35);
  return {
    postage: { x: w - 1.125, y: 0.25, w: 0.875, h: 1.0 },
    addressBlock: { x: w - blockW - 0.25, y: h / 2 - 0.55, w: blockW, h: 1.3 },
    barcodeClearZone: { x: w - 4.75, y: h - 0.625, w: 4.75, h: 0.625 },
    returnAddress: { x: 0.25, y: 0.25, w: Math.min(2.6, w / 2 - 0.5), h: 0.8 },
  };
}

function postcard(id: FormatId, label: string, w: number, h: number): FormatSpec {
  return {
    id,
    label,
    kind: "postcard",
    sheet: { w, h },
    face: { w, h },
    pages: [[{ face: "front", x: 0, y: 0 }], [{ face: "back", x: 0, y: 0 }]],
    safeInset: SAFE_INSET_IN,
    postal: { face: "back", areas: postalAreas(w, h) },
  };
}

/** Every format the renderer knows, keyed by id. */
export const FORMATS: Readonly<Record<FormatId, FormatSpec>> = {
  postcard_4x6: postcard("postcard_4x6", "Postcard 4 x 6 in", 6, 4),
  postcard_6x9: postcard("postcard_6x9", "Postcard 6 x 9 in", 9, 6),
  postcard_6x11: postcard("postcard_6x11", "Postcard 6 x 11 in", 11, 6),
  card_5x7: {
    id: "card_5x7",
    label: "Flat card 5 x 7 in",
    kind: "flat_card",
    sheet: { w: 5, h: 7 },
    face: { w: 5, h: 7 },
    pages: [[{ face: "front", x: 0, y: 0 }], [{ face: "back", x: 0, y: 0 }]],
    safeInset: SAFE_INSET_IN,
  },
  a2_folded: {
    id: "a2_folded",
    label: "A2 folded card (8.5 x 5.5 in sheet, 4.25 x 5.5 in folded)",
    kind: "folded_card",
    sheet: { w: 8.5, h: 5.5 },
    face: { w: 4.25, h: 5.5 },
    pages: [
      [
        { face: "back", x: 0, y: 0 },
        { face: "front", x: 4.25, y: 0 },
      ],
      [
        { face: "inside_left", x: 0, y: 0 },
        { face: "inside_right", x: 4.25, y: 0 },
      ],
    ],
    safeInset: SAFE_INSET_IN,
  },
};

export const FORMAT_IDS = Object.keys(FORMATS) as FormatId[];

export function isFormatId(value: string): value is FormatId {
  return Object.hasOwn(FORMATS, value);
}
