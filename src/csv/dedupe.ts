import { hash } from "node:crypto";
import type { Recipient } from "../render/card-data.ts";

/** Common street words, so "12 Main Street" and "12 Main St." meet. */
const STREET_WORDS: Record<string, string> = {
  street: "st",
  avenue: "ave",
  av: "ave",
  road: "rd",
  drive: "dr",
  lane: "ln",
  boulevard: "blvd",
  court: "ct",
  place: "pl",
  apartment: "apt",
  suite: "ste",
  north: "n",
  south: "s",
  east: "e",
  west: "w",
  strasse: "str",
};

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const NOT_ALNUM_ASCII = /[^a-z0-9]+/g;

/** Lower case, accents and punctuation gone, single spaces: "Zoë  Ångström" ≈ "zoe angstrom". */
export function loose(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return text.toLowerCase().replace(NOT_ALNUM_ASCII, " ").trim();
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** A whole word of a loose line (words are single-space separated) that STREET_WORDS shortens. */
const STREET_WORD = new RegExp(`(?<![^ ])(?:${Object.keys(STREET_WORDS).join("|")})(?![^ ])`, "g");

/** A street line as compared: loose, with common street words shortened ("Street" → "st"). */
export function looseStreet(line: string): string {
  // One replace instead of split, map and join: no array per line (an import makes 100,000).
  return loose(line).replace(STREET_WORD, (w) => STREET_WORDS[w] as string);
}

/** The postal code as compared (US ZIP+4 cut to five digits), or the city when there is none. */
export function loosePostal(address: Recipient["address"]): string {
  return address.postalCode
    ? address.postalCode
        .replace(/[\s-]/g, "")
        .toUpperCase()
        .slice(0, address.country === "US" ? 5 : undefined)
    : loose(address.city);
}

/**
 * The identity of "this person at this address": normalised full name, street line, postal code
 * (or city when there is none) and country, hashed to 96 bits (16 base64url characters). The unit
 * (line 2) is not part of it: contacts' stored keys were made this way, and a do_not_mail contact
 * must keep matching its rows.
 */
export function dedupeKey(r: Recipient): string {
  const street = looseStreet(r.address.line1);
  const postal = loosePostal(r.address);
  const identity = `${loose(r.fullName)}\u0000${street}\u0000${postal}\u0000${r.address.country}`;
  return hash("sha256", identity, "base64url").slice(0, 16);
}

/**
 * Remembers the first row of each key. Memory stays bounded by keeping only the 16-character key
 * and a row number per person (about 100 bytes each: ~10 MB for 100,000 rows).
 */
export class DuplicateFinder {
  readonly #seen = new Map<string, number>();

  /** The first row with this key, or undefined (and the row is remembered) if it is new. */
  check(key: string, row: number): number | undefined {
    const first = this.#seen.get(key);
    if (first === undefined) this.#seen.set(key, row);
    return first;
  }
}
