const COMBINING_MARKS = /\p{M}/gu;
const NOT_ALNUM = /[^\p{L}\p{N}]+/gu;

/** "E-mail Address " → "emailaddress": case, accents, spacing and punctuation do not matter in headers. */
export function foldHeader(header: string): string {
  return header.normalize("NFKD").replace(COMBINING_MARKS, "").toLowerCase().replace(NOT_ALNUM, "");
}

/**
 * A header as a merge-variable key: camelCase words, punctuation dropped ("Last Purchase" →
 * lastPurchase, "Spouse's name" → spousesName, "URL" → url). A key cannot start with a digit in
 * templates, so "2024 Total" → _2024Total. Empty headers become `column<n>` (1-based position).
 */
export function customKey(header: string, position: number): string {
  const words = header
    .normalize("NFC")
    .replace(/['’`]/g, "")
    .split(NOT_ALNUM)
    .filter((w) => w.length > 0);
  if (words.length === 0) return `column${position}`;
  const key = words
    .map((word, i) => {
      const w = word === word.toUpperCase() ? word.toLowerCase() : word;
      const head = i === 0 ? w.charAt(0).toLowerCase() : w.charAt(0).toUpperCase();
      return head + w.slice(1);
    })
    .join("");
  return /^\p{N}/u.test(key) ? `_${key}` : key;
}
