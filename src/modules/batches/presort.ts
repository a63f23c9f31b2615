import type { PostalAddress } from "../../render/card-data.ts";

/**
 * Mail presort order: by country, then postal code (digits compared as text, so 02134 < 10001),
 * then name, so a batch's order is stable and the printer can check it against the manifest.
 */
export function presortCompare(
  a: { address: PostalAddress; fullName: string },
  b: { address: PostalAddress; fullName: string },
): number {
  return (
    a.address.country.localeCompare(b.address.country) ||
    (a.address.postalCode ?? "").localeCompare(b.address.postalCode ?? "") ||
    a.fullName.localeCompare(b.fullName)
  );
}

/** Splits a presorted list into batches of at most `size`. */
export function splitBatches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
