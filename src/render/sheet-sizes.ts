/**
 * Press sheets a print shop runs cards on (inches, portrait). SRA3 is 320 x 450 mm; the others
 * are the North American digital-press sizes.
 */
export type SheetId = "12x18" | "13x19" | "11x17" | "sra3";

export interface SheetSpec {
  id: SheetId;
  label: string;
  w: number;
  h: number;
}

const MM = 1 / 25.4;

export const SHEETS: Readonly<Record<SheetId, SheetSpec>> = {
  "12x18": { id: "12x18", label: "12 x 18 in", w: 12, h: 18 },
  "13x19": { id: "13x19", label: "13 x 19 in", w: 13, h: 19 },
  "11x17": { id: "11x17", label: "11 x 17 in (tabloid)", w: 11, h: 17 },
  sra3: { id: "sra3", label: "SRA3 (320 x 450 mm)", w: 320 * MM, h: 450 * MM },
};

export const SHEET_IDS = Object.keys(SHEETS) as SheetId[];
export const DEFAULT_SHEET: SheetId = "12x18";

export function isSheetId(value: string): value is SheetId {
  return Object.hasOwn(SHEETS, value);
}
