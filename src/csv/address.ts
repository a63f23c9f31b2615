import type { PostalAddress } from "../render/card-data.ts";
import { countryCode } from "./countries.ts";
import type { AddressColumns, AddressPart } from "./header-map.ts";
import { cleanText } from "./names.ts";
import { checkPostalCode, cityRequired, postalCodeRequired } from "./postal-codes.ts";
import { needsRegion, regionCode } from "./regions.ts";
import type { RowError } from "./types.ts";

/** Excel's trick to keep leading zeros, ="02134", arrives literally in some exports. */
const EXCEL_TEXT = /^="(.*)"$/s;

/** Column `i` of a row, with Excel's ="..." unwrapped; not yet cleaned. */
export function cellOf(values: string[], i: number): string {
  const v = values[i] ?? "";
  return v.charCodeAt(0) === 61 /* = */ ? (EXCEL_TEXT.exec(v)?.[1] ?? v) : v;
}

export interface AddressOutcome {
  address?: PostalAddress;
  errors: RowError[];
  warnings: RowError[];
  /** Whether any address value was filled in (to choose among Home/Business groups). */
  touched: boolean;
}

/** First non-empty value among a field's columns, with that column's header for messages. */
export function pick(
  values: string[],
  headers: string[],
  columns: number[],
): { value: string; column?: string } {
  for (const i of columns) {
    const value = cleanText(cellOf(values, i));
    if (value) return { value, column: headers[i] };
  }
  return { value: "", column: columns[0] === undefined ? undefined : headers[columns[0]] };
}

/**
 * Mailchimp exports an address as one field, parts joined by two spaces:
 * "1 Main St  Apt 2  Springfield  IL  62701  US". Read from the end: country, ZIP, state, city.
 */
export function splitCombinedAddress(value: string): Partial<Record<AddressPart, string>> {
  const parts = value
    .split(/\s{2,}/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length < 4) return { line1: value };
  const out: Partial<Record<AddressPart, string>> = {};
  const last = parts[parts.length - 1] ?? "";
  if (countryCode(last) && !/\d/.test(last)) out.country = parts.pop();
  out.postalCode = parts.pop();
  out.region = parts.pop();
  out.city = parts.pop();
  out.line1 = parts.shift();
  if (parts.length > 0) out.line2 = parts.join(", ");
  return out;
}

/**
 * Builds and checks one address group of a row for its country: a street line always; city
 * unless a city-state; state/province for US, CA, AU; a postal code where the country has them.
 */
export function readAddress(
  values: string[],
  headers: string[],
  columns: AddressColumns,
  defaultCountry: string,
  combined: boolean,
): AddressOutcome {
  const errors: RowError[] = [];
  const warnings: RowError[] = [];
  let line1 = pick(values, headers, columns.line1);
  let parts: Partial<Record<AddressPart, string>> = {};
  const firstLine1 = columns.line1[0];
  const rawLine1 = firstLine1 === undefined ? "" : cellOf(values, firstLine1);
  if (combined && /\S\s{2,}\S/.test(rawLine1)) {
    parts = splitCombinedAddress(rawLine1.trim());
    line1 = { value: cleanText(parts.line1 ?? ""), column: line1.column };
  }
  const part = combined ? (p: AddressPart) => fromCombined(parts, p, line1.column) : undefined;
  const line2Values: string[] = [];
  if (parts.line2) line2Values.push(cleanText(parts.line2));
  for (const i of columns.line2) {
    const v = cleanText(cellOf(values, i));
    if (v) line2Values.push(v);
  }
  const poBox = pick(values, headers, columns.poBox);
  const city = part?.("city") ?? pick(values, headers, columns.city);
  const region = part?.("region") ?? pick(values, headers, columns.region);
  const postal = part?.("postalCode") ?? pick(values, headers, columns.postalCode);
  const countryIn = part?.("country") ?? pick(values, headers, columns.country);
  const touched =
    line1.value !== "" ||
    line2Values.length > 0 ||
    poBox.value !== "" ||
    city.value !== "" ||
    postal.value !== "" ||
    region.value !== "";

  let country = defaultCountry;
  if (countryIn.value) {
    const code = countryCode(countryIn.value);
    if (code) country = code;
    // Without a country, its address rules cannot be checked: this one error says it all.
    else
      return {
        errors: [
          {
            field: "country",
            column: countryIn.column,
            message: `${label(countryIn.column, "Country")} "${countryIn.value}" is not a country we know: write its name in English or its 2-letter code (US, GB, DE).`,
          },
        ],
        warnings,
        touched,
      };
  }

  // A PO box is the street line when there is no street, else it goes under it.
  let street = line1.value;
  if (poBox.value) {
    const box = /^\d+$/.test(poBox.value) ? `PO Box ${poBox.value}` : poBox.value;
    if (street) line2Values.push(box);
    else street = box;
  }
  if (!street)
    errors.push({
      field: "line1",
      column: line1.column ?? poBox.column,
      message: `${label(line1.column, "Street address")} is empty: add the street and house number.`,
    });
  if (!city.value && cityRequired(country))
    errors.push({
      field: "city",
      column: city.column,
      message: `${label(city.column, "City")} is empty: add the city or town.`,
    });

  let regionValue = region.value;
  if (needsRegion(country)) {
    const name = country === "CA" ? "province" : "state";
    if (!regionValue)
      errors.push({
        field: "region",
        column: region.column,
        message: `${label(region.column, capitalise(name))} is empty: add the ${name} (${country === "CA" ? "ON, QC, BC…" : country === "AU" ? "NSW, VIC, QLD…" : "MA, NY, CA…"}).`,
      });
    else {
      const code = regionCode(country, regionValue);
      if (code) regionValue = code;
      else
        errors.push({
          field: "region",
          column: region.column,
          message: `${label(region.column, capitalise(name))} "${regionValue}" is not a ${country} ${name}: write its name or its postal abbreviation.`,
        });
    }
  }

  let postalCode: string | undefined;
  const postalName = country === "US" ? "ZIP code" : country === "GB" ? "Postcode" : "Postal code";
  if (postal.value) {
    const checked = checkPostalCode(country, postal.value);
    if (checked.ok) {
      postalCode = checked.value;
      if (checked.padded)
        warnings.push({
          field: "postalCode",
          column: postal.column,
          message: `${label(postal.column, postalName)} "${postal.value}" was read as ${checked.value}: spreadsheets drop leading zeros, so they were put back.`,
        });
    } else
      errors.push({
        field: "postalCode",
        column: postal.column,
        message: `${label(postal.column, postalName)} "${postal.value}" is not valid for ${country}: write ${checked.expected}.`,
      });
  } else if (postalCodeRequired(country)) {
    const what = country === "US" ? "the 5-digit ZIP code" : `the ${postalName.toLowerCase()}`;
    errors.push({
      field: "postalCode",
      column: postal.column,
      message: `${label(postal.column, postalName)} is empty: add ${what}.`,
    });
  }

  if (errors.length > 0) return { errors, warnings, touched };
  const address: PostalAddress = { line1: street, city: city.value, country };
  if (line2Values.length > 0) address.line2 = line2Values.join(", ");
  if (regionValue) address.region = regionValue;
  if (postalCode) address.postalCode = postalCode;
  return { address, errors, warnings, touched };
}

/** A part split out of a combined address, or undefined to read the part's own column. */
function fromCombined(
  parts: Partial<Record<AddressPart, string>>,
  p: AddressPart,
  column: string | undefined,
): { value: string; column?: string } | undefined {
  const value = parts[p];
  return value === undefined ? undefined : { value: cleanText(value), column };
}

function label(column: string | undefined, fallback: string): string {
  return column?.trim() ? column.trim() : fallback;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
