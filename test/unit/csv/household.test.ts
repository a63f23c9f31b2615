import { describe, expect, it } from "vitest";
import { householdKey, householdName, joinAnd } from "../../../src/csv/household.ts";
import type { PostalAddress } from "../../../src/render/card-data.ts";

const at = (line1: string, over: Partial<PostalAddress> = {}): PostalAddress => ({
  line1,
  city: "Springfield",
  region: "IL",
  postalCode: "62701",
  country: "US",
  ...over,
});
const key = (lastName: string, address: PostalAddress, id?: string) =>
  householdKey({ lastName, address }, id);
const person = (firstName: string, lastName: string) => ({
  firstName,
  lastName,
  fullName: `${firstName} ${lastName}`,
});

describe("who shares a household", () => {
  const home = at("12 Main Street");

  it("groups the same last name at the same address", () => {
    expect(key("Smith", home)).toBe(key("Smith", at("12 Main Street")));
    expect(key("Smith", home)).toMatch(/^[\w-]{16}$/);
  });

  it("keeps different last names at one address apart", () => {
    expect(key("Smith", home)).not.toBe(key("Jones", home));
  });

  it("keeps Apt 1 and Apt 2 apart, wherever the unit is written", () => {
    const apt1 = key("Smith", at("12 Main St", { line2: "Apt 1" }));
    const apt2 = key("Smith", at("12 Main St", { line2: "Apt 2" }));
    expect(apt1).not.toBe(apt2);
    expect(apt1).not.toBe(key("Smith", at("12 Main St")));
    // The same unit written four ways is one home.
    expect(key("Smith", at("12 Main St Apt 1"))).toBe(apt1);
    expect(key("Smith", at("12 Main St", { line2: "#1" }))).toBe(apt1);
    expect(key("Smith", at("12 Main St", { line2: "Apartment 1" }))).toBe(apt1);
    expect(key("Smith", at("12 Main St", { line2: "Unit 1" }))).toBe(apt1);
  });

  it("does not drop a street word that merely looks like a unit word", () => {
    // "Unit" is the street's name here, not a unit: 12 Unit Rd and 12 Rd are different places.
    expect(key("Smith", at("12 Unit Rd"))).not.toBe(key("Smith", at("12 Rd")));
  });

  it("ignores case, spacing, punctuation and the common street abbreviations", () => {
    const k = key("Smith", home);
    expect(key("SMITH", at("12  main   STREET"))).toBe(k);
    expect(key(" smith ", at("12 Main St."))).toBe(k);
    expect(key("Smith", at("12 Main St", { postalCode: "62701-1234" }))).toBe(k);
    expect(key("Smith", at("12 Main St", { city: "SPRINGFIELD" }))).toBe(k);
  });

  it("tells other streets, postal codes and countries apart", () => {
    const k = key("Smith", home);
    expect(key("Smith", at("14 Main Street"))).not.toBe(k);
    expect(key("Smith", at("12 Main Street", { postalCode: "62702" }))).not.toBe(k);
    expect(key("Smith", at("12 Main Street", { country: "CA" }))).not.toBe(k);
  });

  it("reads odd unicode in names as the letters it shows", () => {
    const k = key("Núñez", home);
    expect(key("Nu\u0301n\u0303ez", home)).toBe(k); // decomposed accents
    expect(key("Núñez\u200b", home)).toBe(k); // a zero-width space
    expect(key("\u202eNúñez", home)).toBe(k); // a right-to-left override
    expect(key("Ｎúñez", home)).toBe(k); // a full-width letter
    expect(key("Шостакович", home)).not.toBe(key("Шостаковичи", home));
    expect(key("Шостакович", home)).toBeDefined();
  });

  it("lets a household id join different last names, and decide alone when given", () => {
    expect(key("Smith", home, "H-17")).toBe(key("Jones", home, "h 17"));
    expect(key("Smith", home, "H-17")).toBe(key("Jones", home, "h17"));
    expect(key("Smith", home, "H-17")).not.toBe(key("Smith", home, "H-18"));
    expect(key("Smith", home, "H-17")).not.toBe(key("Smith", home));
    // An id is about one address: the same id elsewhere is another card.
    expect(key("Smith", home, "H-17")).not.toBe(key("Smith", at("99 Oak Ave"), "H-17"));
    // An id of symbols only still counts as that id.
    expect(key("Smith", home, "★")).toBe(key("Jones", home, "★"));
    expect(key("Smith", home, "★")).not.toBe(key("Smith", home, "☆"));
  });

  it("gives no household to a row without a last name or id", () => {
    expect(key("", home)).toBeUndefined();
    expect(key("  ", home)).toBeUndefined();
    expect(key("", home, "H1")).toBeDefined();
  });
});

describe("the name on a household's card", () => {
  it("names a couple with their shared last name", () => {
    expect(householdName([person("John", "Smith"), person("Jane", "Smith")])).toEqual({
      firstName: "John & Jane",
      lastName: "Smith",
      fullName: "John & Jane Smith",
    });
  });

  it("calls three or more The … Family, first names listed", () => {
    expect(
      householdName([person("John", "Smith"), person("Jane", "smith"), person("Tim", "SMITH")]),
    ).toEqual({ firstName: "John, Jane & Tim", lastName: "Smith", fullName: "The Smith Family" });
  });

  it("writes both full names for a couple with different last names", () => {
    expect(householdName([person("John", "Smith"), person("Jane", "Doe")])).toEqual({
      firstName: "John & Jane",
      lastName: "Smith & Doe",
      fullName: "John Smith & Jane Doe",
    });
  });

  it("names a larger mixed household by its last names", () => {
    const family = [person("John", "Smith"), person("Jane", "Doe"), person("Tim", "Doe")];
    expect(householdName(family).fullName).toBe("The Smith & Doe Family");
  });

  it("keeps names as written (accents, scripts)", () => {
    expect(householdName([person("Zoë", "Ångström"), person("Åsa", "Angstrom")]).fullName).toBe(
      "Zoë & Åsa Ångström",
    );
    expect(
      householdName([person("Дмитрий", "Шостакович"), person("Нина", "Шостакович")]).fullName,
    ).toBe("Дмитрий & Нина Шостакович");
  });

  it("leaves one person as they are and refuses an empty household", () => {
    expect(householdName([person("Ann", "Lee")])).toEqual(person("Ann", "Lee"));
    expect(() => householdName([])).toThrow();
  });

  it("joins names the way a card says them", () => {
    expect(joinAnd([])).toBe("");
    expect(joinAnd(["A"])).toBe("A");
    expect(joinAnd(["A", "B"])).toBe("A & B");
    expect(joinAnd(["A", "B", "C"])).toBe("A, B & C");
  });
});
