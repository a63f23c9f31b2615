/**
 * The presort order (src/modules/batches/presort.ts): country, postal code (missing last in its
 * country), name, card id. A total order: the same cards in any arrival order give one sequence.
 */
import { describe, expect, it } from "vitest";
import { type Presortable, presort, splitBatches } from "../../../src/modules/batches/presort.ts";

const card = (id: string, fullName: string, country: string, postalCode?: string): Presortable => ({
  id,
  fullName,
  address: { line1: "1 Main St", city: "Town", country, ...(postalCode ? { postalCode } : {}) },
});

const CARDS = [
  card("c01", "Anna Lee", "US", "10001"),
  card("c02", "Ben Ng", "US", "02134"),
  card("c03", "Zoë Ångström", "US", "02134"),
  card("c04", "Zoe Angstrom", "US", "02134"),
  card("c05", "Ben Ng", "US", "02134"),
  card("c06", "Chloe Roy", "CA", "K1A 0B1"),
  card("c07", "Hans Graf", "DE", "10115"),
  card("c08", "Emma Stone", "GB", "SW1A 1AA"),
  card("c09", "Ivy Lo", "US"),
  card("c10", "Aaron Ash", "US"),
  card("c11", "Dmitri Ivanov", "DE"),
  card("c12", "Grace Park", "GB", "EC1A 1BB"),
  card("c13", "anna lee", "US", "10001"),
];

/** Every order of the input a small seeded shuffle gives. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("presort", () => {
  const ids = (cards: Presortable[]) => cards.map((c) => c.id);

  it("orders by country, postal code as text, missing postal codes last, then name, then card id", () => {
    expect(ids(presort(CARDS))).toEqual([
      "c06", // CA K1A 0B1
      "c07", // DE 10115
      "c11", // DE, no postal code: after DE's coded ones, before GB
      "c12", // GB EC1A 1BB
      "c08", // GB SW1A 1AA
      "c02", // US 02134 Ben Ng (c02 before c05: same name and ZIP, by card id)
      "c05",
      "c04", // US 02134 Zoe Angstrom, then Zoë Ångström (accents after the letters)
      "c03",
      "c13", // US 10001 anna lee, then Anna Lee (lower case first, by the fixed collation)
      "c01",
      "c10", // US, no postal code: Aaron Ash, Ivy Lo
      "c09",
    ]);
  });

  it("gives one order whatever order the cards arrive in", () => {
    const expected = ids(presort(CARDS));
    for (let seed = 1; seed <= 50; seed++)
      expect(ids(presort(shuffled(CARDS, seed)))).toEqual(expected);
  });

  it("keeps leading zeros and compares postal codes as text, not numbers", () => {
    const order = presort([
      card("a", "A", "US", "10001"),
      card("b", "B", "US", "02134"),
      card("c", "C", "US", "9999"),
    ]);
    expect(order.map((c) => c.address.postalCode)).toEqual(["02134", "10001", "9999"]);
  });

  it("splits the presorted list into batches without reordering, the last one shorter", () => {
    const batches = splitBatches(presort(CARDS), 5);
    expect(batches.map((b) => b.length)).toEqual([5, 5, 3]);
    expect(batches.flat()).toEqual(presort(CARDS));
  });
});
