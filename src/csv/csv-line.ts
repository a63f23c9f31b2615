/**
 * Writing CSV for people and spreadsheets (failure reports, print manifests). A cell that starts
 * with = + - @ tab or CR is prefixed with an apostrophe so a spreadsheet shows it as text instead of
 * running it as a formula (CSV/formula injection, DESIGN.md §5).
 */

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralise(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV line (CRLF, as RFC 4180 and Excel expect), every cell neutralised and quoted as needed. */
export function csvLine(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map((v) => quote(neutralise(v === null || v === undefined ? "" : String(v)))).join(",")}\r\n`;
}
