import type { PostalAddress } from "../../render/card-data.ts";

/**
 * Mail presort order, a total order so a campaign's batches come out the same whatever order its
 * cards arrive in and whatever locale the worker runs in:
 * 1. country (ISO 3166-1 alpha-2, A to Z);
 * 2. postal code, compared as text character by character (02134 < 10001, leading zeros kept;
 *    "SW1A 1AA" as written); cards without a postal code come after those with one in the same
 *    country, since a mail house cannot presort them;
 * 3. name, in a fixed collation (accents and case after the letters: "Zoë" beside "Zoe");
 * 4. card id, so equal names at equal postal codes keep one order.
 * Countries, postal codes and ids are compared by code point, not by the host's locale.
 */
const names = new Intl.Collator("en", { sensitivity: "variant", numeric: true });

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface Presortable {
  id: string;
  address: PostalAddress;
  fullName: string;
}

export function presortCompare(a: Presortable, b: Presortable): number {
  const pa = a.address.postalCode ?? "";
  const pb = b.address.postalCode ?? "";
  return (
    byCodePoint(a.address.country, b.address.country) ||
    (pa === "" ? 1 : 0) - (pb === "" ? 1 : 0) ||
    byCodePoint(pa, pb) ||
    names.compare(a.fullName, b.fullName) ||
    byCodePoint(a.id, b.id)
  );
}

/** The cards in presort order (a sorted copy). */
export function presort<T extends Presortable>(cards: readonly T[]): T[] {
  return [...cards].sort(presortCompare);
}

/** Splits a presorted list into batches of at most `size`. */
export function splitBatches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
