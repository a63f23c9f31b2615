/** Countries where mail goes without a postal code (IE's Eircode is optional). */
const NO_POSTAL_CODE = new Set([
  "AE",
  "AG",
  "AO",
  "AW",
  "BF",
  "BI",
  "BJ",
  "BO",
  "BS",
  "BW",
  "BZ",
  "CD",
  "CF",
  "CG",
  "CI",
  "CK",
  "CM",
  "DJ",
  "DM",
  "ER",
  "FJ",
  "GA",
  "GD",
  "GH",
  "GM",
  "GQ",
  "GY",
  "HK",
  "IE",
  "JM",
  "KI",
  "KM",
  "KN",
  "KP",
  "LC",
  "ML",
  "MO",
  "MR",
  "MW",
  "NR",
  "NU",
  "QA",
  "RW",
  "SB",
  "SC",
  "SL",
  "SR",
  "ST",
  "SY",
  "TF",
  "TG",
  "TK",
  "TL",
  "TO",
  "TT",
  "TV",
  "UG",
  "VU",
  "YE",
  "ZW",
]);

/** City-states and territories where the city line is the country itself. */
const NO_CITY = new Set(["HK", "MO", "SG", "MC", "VA", "GI"]);

export const postalCodeRequired = (country: string) => !NO_POSTAL_CODE.has(country);
export const cityRequired = (country: string) => !NO_CITY.has(country);

interface Rule {
  pattern: RegExp;
  /** What to write instead, for the row error message. */
  hint: string;
  /** Puts a valid-looking code into its usual written form. */
  format?: (compact: string) => string;
  /** Digits Excel may have eaten from the front (a number column drops leading zeros). */
  digits?: number;
}

const FIVE_DIGITS: Rule = { pattern: /^\d{5}$/, hint: "5 digits", digits: 5 };

const RULES: Record<string, Rule> = {
  US: {
    pattern: /^\d{5}(-\d{4})?$/,
    hint: "the 5-digit ZIP code (or ZIP+4, 12345-6789)",
    format: (c) => (c.length === 9 ? `${c.slice(0, 5)}-${c.slice(5)}` : c),
    digits: 5,
  },
  CA: {
    pattern: /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d$/,
    hint: "the postal code as A1A 1A1",
    format: (c) => (c.length === 6 ? `${c.slice(0, 3)} ${c.slice(3)}` : c),
  },
  GB: {
    pattern: /^([A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|GIR 0AA)$/,
    hint: "the postcode as SW1A 1AA",
    format: (c) => (c.length >= 5 && c.length <= 7 ? `${c.slice(0, -3)} ${c.slice(-3)}` : c),
  },
  DE: FIVE_DIGITS,
  FR: FIVE_DIGITS,
  IT: FIVE_DIGITS,
  ES: FIVE_DIGITS,
  AU: { pattern: /^\d{4}$/, hint: "4 digits", digits: 4 },
  NL: {
    pattern: /^\d{4} [A-Z]{2}$/,
    hint: "the postcode as 1234 AB",
    format: (c) => (c.length === 6 ? `${c.slice(0, 4)} ${c.slice(4)}` : c),
  },
};

export type PostalResult =
  | { ok: true; value: string; padded?: boolean }
  | { ok: false; expected: string };

/**
 * Checks and tidies a postal code for its country. Codes stay text. US, DE, FR, IT and ES codes
 * that are one or two digits short had their leading zeros eaten by Excel (02134 → 2134): they are
 * padded back and `padded` is set so the row carries a warning. Countries without a rule keep the
 * code as written (upper-cased) if it looks like a postal code at all.
 */
export function checkPostalCode(country: string, raw: string): PostalResult {
  const value = raw.trim().toUpperCase();
  const rule = RULES[country];
  if (!rule) {
    return /^[A-Z0-9][A-Z0-9 -]{1,10}$/.test(value)
      ? { ok: true, value }
      : { ok: false, expected: "a postal code of letters and digits" };
  }
  const compact = value.replace(/[\s-]/g, "");
  let formatted = rule.format ? rule.format(compact) : value;
  if (rule.pattern.test(formatted)) return { ok: true, value: formatted };
  if (rule.digits && /^\d+$/.test(compact)) {
    const short = rule.digits - compact.length;
    // ZIP+4 written as a number loses its zero too: 21341234 → 02134-1234.
    const shortPlus4 = country === "US" && compact.length === 8;
    if ((short >= 1 && short <= 2) || shortPlus4) {
      const width = shortPlus4 ? 9 : rule.digits;
      formatted = compact.padStart(width, "0");
      if (rule.format) formatted = rule.format(formatted);
      if (rule.pattern.test(formatted)) return { ok: true, value: formatted, padded: true };
    }
  }
  return { ok: false, expected: rule.hint };
}
