import { MONTH_NAMES } from "../render/card-data.ts";

/** A parsed date: ISO `YYYY-MM-DD`, or `--MM-DD` when the year is unknown. */
export type DateResult = { ok: true; value: string } | { ok: false; reason: string };

const MONTHS = new Map<string, number>();
MONTH_NAMES.forEach((label, i) => {
  const name = label.toLowerCase();
  MONTHS.set(name, i + 1);
  MONTHS.set(name.slice(0, 3), i + 1);
});
MONTHS.set("sept", 9);
const WEEKDAYS = /^(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|nesday|sday|urday)?$/;

const ISO = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][\d:.]+Z?)?$/;
const NO_YEAR_ISO = /^--(\d{2})-?(\d{2})$/;
const NUMERIC = /^(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?\.?(?: [\d:]+(?: ?[ap]m)?)?$/i;
/** Where a/b/yyyy means month/day. Everywhere else a day comes first. */
const MONTH_FIRST = new Set(["US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "FM", "MH", "PW"]);

/** Whether 04/05/1990 is April 5 in a file from `country` (ISO alpha-2). */
export function readsMonthFirst(country: string): boolean {
  return MONTH_FIRST.has(country);
}

/** Outlook writes 0/0/00 for "no date"; treat such values as empty. */
const ZERO_DATE = /^0{1,2}[/.-]0{1,2}[/.-]0{2,4}$/;
/** Apple Contacts stores a birthday without a year as 1604. */
const NO_YEAR_SENTINEL = 1604;

/**
 * Reads a birthday or anniversary as people and exports write it: ISO (1990-03-14), US
 * (03/14/1990), European (14.03.1990, 14/03/1990), Excel's 14-Mar-90, "March 14", "14 March",
 * "Mar 14, 1990", Google's --03-14. When both numbers could be the month (04/05/1990), `monthFirst`
 * decides (true for US files). Two-digit years within this century's past are 20yy, otherwise 19yy.
 * Returns undefined for an empty value.
 */
export function parseDate(raw: string, monthFirst: boolean): DateResult | undefined {
  const text = raw.trim();
  if (text === "" || ZERO_DATE.test(text)) return undefined;

  let m = ISO.exec(text);
  if (m) return build(Number(m[1]), Number(m[2]), Number(m[3]));
  m = NO_YEAR_ISO.exec(text);
  if (m) return build(undefined, Number(m[1]), Number(m[2]));
  m = NUMERIC.exec(text);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const year = m[4] === undefined ? undefined : fullYear(m[4]);
    // A number above 12 can only be the day; otherwise dots mean day first, else the file's locale.
    const dayFirst = a > 12 || (b <= 12 && (m[2] === "." || !monthFirst));
    return dayFirst ? build(year, b, a) : build(year, a, b);
  }
  return parseWords(text);
}

function parseWords(text: string): DateResult {
  const tokens = text
    .toLowerCase()
    .split(/[\s,.\-/]+/)
    .filter((t) => t.length > 0 && !WEEKDAYS.test(t));
  let month: number | undefined;
  let day: number | undefined;
  let year: number | undefined;
  const notADate: DateResult = { ok: false, reason: "is not a date" };
  for (const token of tokens) {
    const named = MONTHS.get(token);
    const num = /^(\d{1,4})(st|nd|rd|th)?$/.exec(token);
    const digits = num?.[1];
    const ordinal = num?.[2] !== undefined;
    if (named !== undefined && month === undefined) month = named;
    else if (digits === undefined) return notADate;
    else if (digits.length <= 2 && day === undefined) day = Number(digits);
    else if (ordinal || year !== undefined) return notADate;
    else if (digits.length === 4) year = Number(digits);
    else if (digits.length === 2)
      year = fullYear(digits); // Excel's 14-Mar-90
    else return notADate;
  }
  if (month === undefined || day === undefined) return notADate;
  return build(year, month, day);
}

function fullYear(digits: string): number {
  const n = Number(digits);
  if (digits.length === 4) return n;
  const thisYear = new Date().getUTCFullYear() % 100;
  return n <= thisYear ? 2000 + n : 1900 + n;
}

function build(yearIn: number | undefined, month: number, day: number): DateResult {
  const year = yearIn === NO_YEAR_SENTINEL ? undefined : yearIn;
  if (month < 1 || month > 12) return { ok: false, reason: `has no month ${month}` };
  if (year !== undefined && (year < 1800 || year > 2200))
    return { ok: false, reason: `has an unlikely year ${year}` };
  const max = daysIn(month, year);
  if (day < 1 || day > max) {
    const label = MONTH_NAMES[month - 1] ?? "";
    return {
      ok: false,
      reason:
        year === undefined || month !== 2 || day !== 29
          ? `has no day ${day} in ${label}`
          : `has February 29 in ${year}, which is not a leap year`,
    };
  }
  const mm = String(month).padStart(2, "0");
  const dd = String(day).padStart(2, "0");
  return { ok: true, value: year === undefined ? `--${mm}-${dd}` : `${year}-${mm}-${dd}` };
}

/**
 * Dates that exports write when they know none: the epoch of some system (1900-01-01 Excel and
 * many CRMs, 1970-01-01 Unix, 0001-01-01 .NET), Excel's day zero (1899-12-30, and 1899-12-31 as
 * some write it), and "forever" (9999-12-31). A card on them would go out on 1 January.
 */
const PLACEHOLDER_DATES = new Set([
  "1900-01-01",
  "1970-01-01",
  "0001-01-01",
  "1899-12-30",
  "1899-12-31",
  "9999-12-31",
]);

/**
 * Why an ISO date that parsed (`YYYY-MM-DD` or `--MM-DD`) is still no real birthday or
 * anniversary: a placeholder, or later than `today` (YYYY-MM-DD). Undefined when it is fine.
 */
export function unrealDateReason(iso: string, today: string): string | undefined {
  if (PLACEHOLDER_DATES.has(iso))
    return "is a placeholder date that systems write when they have none, not a real one";
  if (!iso.startsWith("--") && iso > today) return "is in the future";
  return undefined;
}

/**
 * A date as a birthday or anniversary: parsed like {@link parseDate}, and then refused when it is
 * a placeholder or in the future, or has a year outside 1800–2200 (0001-01-01, 9999-12-31).
 */
export function parseOccasionDate(
  raw: string,
  monthFirst: boolean,
  today: string,
): DateResult | undefined {
  // 0001-01-01 and 9999-12-31 are placeholders before they are unlikely years: say so.
  const iso = ISO.exec(raw.trim());
  const written = iso && `${iso[1]}-${iso[2]?.padStart(2, "0")}-${iso[3]?.padStart(2, "0")}`;
  if (written && PLACEHOLDER_DATES.has(written))
    return { ok: false, reason: unrealDateReason(written, today) as string };
  const parsed = parseDate(raw, monthFirst);
  if (!parsed?.ok) return parsed;
  const reason = unrealDateReason(parsed.value, today);
  return reason ? { ok: false, reason } : parsed;
}

/** Today in UTC as YYYY-MM-DD. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

function daysIn(month: number, year: number | undefined): number {
  if (month === 2) {
    // Without a year, Feb 29 is kept: the person may well be a leap-day baby.
    if (year === undefined) return 29;
    return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
