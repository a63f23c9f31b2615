const NON_ASCII = /[^\x20-\x7e]/;
/** Any whitespace but a single plain space: tabs, line breaks, no-break spaces, runs. */
const ODD_SPACE = /\s{2,}|[^\S ]/;

/** Trims, collapses inner whitespace (incl. no-break and line breaks) and normalises to NFC. */
export function cleanText(value: string): string {
  let v = NON_ASCII.test(value) ? value.normalize("NFC") : value;
  if (ODD_SPACE.test(v)) v = v.replace(/\s+/g, " ");
  return v.trim();
}

/** Trims and normalises to NFC but keeps line breaks: for free-text merge variables. */
export function cleanFreeText(value: string): string {
  return (NON_ASCII.test(value) ? value.normalize("NFC") : value).trim();
}

const HONORIFICS = new Set(["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame"]);
const SUFFIXES = new Set(["jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "dds", "cpa"]);
/** Particles that belong to the family name: "Ludwig van Beethoven" → last name "van Beethoven". */
const PARTICLES = new Set([
  "van",
  "von",
  "der",
  "den",
  "de",
  "del",
  "della",
  "da",
  "das",
  "do",
  "dos",
  "di",
  "du",
  "la",
  "le",
  "ten",
  "ter",
  "bin",
  "ibn",
  "al",
  "st",
]);

const bare = (token: string) => token.toLowerCase().replace(/[.,]/g, "");

/**
 * Splits a full name written in one column into first and last name for greetings: the first
 * given-name token and the last token (with particles such as "van"). Honorifics and suffixes
 * are not taken as names. "Last, First" is turned around. `fullName` is what prints on top.
 */
export function splitFullName(written: string): {
  firstName: string;
  lastName: string;
  fullName: string;
} {
  const full = cleanText(written);
  const comma = full.split(",");
  if (comma.length === 2) {
    const [left = "", right = ""] = comma.map((s) => s.trim());
    // "Smith, John" but not "John Smith, Jr."
    if (left && right && !SUFFIXES.has(bare(right))) {
      const turned = `${right} ${left}`;
      return { ...splitTokens(turned), fullName: turned };
    }
  }
  return { ...splitTokens(full), fullName: full };
}

function splitTokens(name: string): { firstName: string; lastName: string } {
  const tokens = name.split(" ").filter((t) => t.length > 0);
  while (tokens.length > 2 && HONORIFICS.has(bare(tokens[0] ?? ""))) tokens.shift();
  while (tokens.length > 2 && SUFFIXES.has(bare(tokens[tokens.length - 1] ?? ""))) tokens.pop();
  if (tokens.length === 0) return { firstName: "", lastName: "" };
  if (tokens.length === 1) return { firstName: tokens[0] ?? "", lastName: "" };
  let start = tokens.length - 1;
  while (start > 1 && PARTICLES.has(bare(tokens[start - 1] ?? ""))) start--;
  return {
    firstName: (tokens[0] ?? "").replace(/,$/, ""),
    lastName: tokens.slice(start).join(" ").replace(/,$/, ""),
  };
}
