/**
 * Households: the people at one address who should get one card between them. Pure: the key that
 * groups them and the name their card carries. The merge itself runs in PostgreSQL after the
 * import's rows are in (modules/recipients/merge-households.ts), where every row of an address
 * meets the others without the import holding them in memory.
 */
import { hash } from "node:crypto";
import type { PostalAddress } from "../render/card-data.ts";
import { loose, loosePostal, looseStreet } from "./dedupe.ts";

/**
 * More people than this at one address under one name is a building, a care home or a data
 * error rather than a family: they keep a card each, and the import says why.
 */
export const MAX_HOUSEHOLD = 10;

/** Words that only announce a unit ("Apt 2", "Suite 200", "Unit B"): "#2" reads the same. */
const UNIT_WORDS = new Set(["apt", "ste", "unit", "flat", "rm", "room", "no", "nr", "number"]);

/**
 * The address as a household sees it: street line and unit (Apt 1 and Apt 2 are two homes),
 * wherever the unit was written (its own column or after the street), postal code and country.
 */
export function householdAddress(a: PostalAddress): string {
  const words = looseStreet(a.line2 ? `${a.line1} ${a.line2}` : a.line1).split(" ");
  const kept = words.filter((w, i) => {
    const next = words[i + 1];
    return !(UNIT_WORDS.has(w) && next !== undefined && (next.length === 1 || /\d/.test(next)));
  });
  return `${kept.join(" ")}\u0000${loosePostal(a)}\u0000${a.country}`;
}

/**
 * Who shares a card: the same address and the same last name, or the same address and the same
 * household id when the file has one (which then decides alone: two Smiths with different ids stay
 * apart, a Smith and a Jones with one id share a card). No last name and no id: no household.
 */
export function householdKey(
  person: { lastName: string; address: PostalAddress },
  householdId?: string,
): string | undefined {
  // Ids compare without case, accents, spaces or punctuation: "H-9" and "h9" are one household.
  const id = householdId ? loose(householdId).replaceAll(" ", "") || householdId.trim() : "";
  const surname = loose(person.lastName);
  const by = id ? `id\u0000${id}` : surname ? `name\u0000${surname}` : "";
  if (!by) return undefined;
  return hash("sha256", `${householdAddress(person.address)}\u0000${by}`, "base64url").slice(0, 16);
}

export interface MemberName {
  firstName: string;
  lastName: string;
  fullName: string;
}

/**
 * The names a household's card carries, members in file order: two people read
 * "John & Jane Smith" (first names "John & Jane"), or "John Smith & Jane Doe" when their last names
 * differ; three or more read "The Smith Family" ("The Smith & Doe Family"), first names
 * "John, Jane & Tim".
 */
export function householdName(members: readonly MemberName[]): MemberName {
  const first = members[0];
  if (!first) throw new Error("a household has members");
  if (members.length === 1) return { ...first };
  const surnames = new Map<string, string>();
  for (const m of members) {
    const key = loose(m.lastName);
    if (key && !surnames.has(key)) surnames.set(key, m.lastName);
  }
  const lastNames = [...surnames.values()];
  const firstName = joinAnd(members.map((m) => m.firstName));
  const lastName = joinAnd(lastNames);
  let fullName: string;
  if (members.length >= 3 && lastNames.length > 0) fullName = `The ${lastName} Family`;
  else if (lastNames.length === 1 && members.every((m) => loose(m.lastName) !== ""))
    fullName = `${firstName} ${lastNames[0]}`;
  else fullName = joinAnd(members.map((m) => m.fullName));
  return { firstName, lastName, fullName };
}

/** "A", "A & B", "A, B & C". */
export function joinAnd(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} & ${names[names.length - 1]}`;
}
