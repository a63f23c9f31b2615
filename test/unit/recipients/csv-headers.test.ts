import { describe, expect, it } from "vitest";
import { CsvImportError, parseRecipients } from "../../../src/csv/index.ts";
import { chunks, csvText, EXPORTS, expectedRecipient, PEOPLE } from "../../support/csv-fixtures.ts";
import { runImport } from "./collect.ts";

describe("real exports' header sets map without a mapping", () => {
  for (const [name, shape] of Object.entries(EXPORTS)) {
    it(name, async () => {
      const rows = [shape.headers, ...PEOPLE.map(shape.row)];
      const { header, outcomes, recipients } = await runImport(csvText(rows));
      expect(outcomes.every((o) => o.kind === "recipient")).toBe(true);
      for (const [i, person] of PEOPLE.entries()) {
        const want = expectedRecipient(person);
        const got = recipients[i];
        expect(got?.fullName).toBe(want.fullName);
        expect(got?.firstName).toBe(want.firstName);
        expect(got?.lastName).toBe(want.lastName);
        // Exports without a second street column fold it nowhere; the rest must match exactly.
        expect(got?.address).toEqual(
          shape.headers.some((h) => /street 2|extended|address 2/i.test(h)) || name === "mailchimp"
            ? want.address
            : { ...want.address, line2: undefined },
        );
      }
      const fields = header.columns.map((c) => c.field);
      expect(fields.some((f) => f.endsWith("line1"))).toBe(true);
      expect(fields.some((f) => f.endsWith("postalCode")) || name === "mailchimp").toBe(true);
    });
  }

  it("Google's --MM-DD birthday, Outlook's 3/14/1990 and 0/0/00, Mailchimp's MM/DD", async () => {
    const zoe = PEOPLE[0];
    if (!zoe) throw new Error("fixture");
    const birthday = async (name: string) => {
      const shape = EXPORTS[name];
      if (!shape) throw new Error(name);
      const { recipients } = await runImport(csvText([shape.headers, shape.row(zoe)]));
      return [recipients[0]?.birthday, recipients[0]?.anniversary];
    };
    expect(await birthday("googleNew")).toEqual(["--03-14", undefined]);
    expect(await birthday("googleOld")).toEqual(["1990-03-14", undefined]);
    expect(await birthday("outlook")).toEqual(["1990-03-14", undefined]);
    expect(await birthday("mailchimp")).toEqual(["--03-14", undefined]);
    expect(await birthday("salesforce")).toEqual(["1990-03-14", undefined]);
  });

  it("reports how each column maps, with groups and custom keys", async () => {
    const outlook = EXPORTS.outlook;
    if (!outlook) throw new Error("fixture");
    const { header } = await runImport(csvText([outlook.headers]));
    const byHeader = Object.fromEntries(header.columns.map((c) => [c.header, c.field]));
    expect(byHeader).toMatchObject({
      "First Name": "firstName",
      "Home Street": "home.line1",
      "Home Street 2": "home.line2",
      "Home Country/Region": "home.country",
      "Business Postal Code": "business.postalCode",
      "E-mail Address": "email",
      Title: "custom:title",
      "Middle Name": "custom:middleName",
      Notes: "custom:notes",
    });
  });
});

describe("header recognition", () => {
  it("folds case, spacing and punctuation", async () => {
    const rows = [
      ["FIRST_NAME", "last-name", " e-mail ", "Street Address", "city", "STATE", "zip/postal code"],
      ["Ann", "Lee", "ann@example.com", "1 Elm St", "Austin", "tx", "78701"],
    ];
    const { header, recipients } = await runImport(csvText(rows));
    expect(header.columns.map((c) => c.field)).toEqual([
      "firstName",
      "lastName",
      "email",
      "line1",
      "city",
      "region",
      "postalCode",
    ]);
    expect(recipients[0]).toMatchObject({
      email: "ann@example.com",
      address: { region: "TX", country: "US" },
    });
  });

  it("prefers a complete Home address, else the Business one", async () => {
    const headers = [
      "First Name",
      "Home Street",
      "Home City",
      "Home State",
      "Home Postal Code",
      "Business Street",
      "Business City",
      "Business State",
      "Business Postal Code",
    ];
    const rows = [
      headers,
      ["Ann", "1 Home Rd", "Austin", "TX", "78701", "9 Work Ave", "Dallas", "TX", "75201"],
      ["Bob", "2 Home Rd", "", "TX", "", "8 Work Ave", "Dallas", "TX", "75201"],
      ["Cy", "", "", "", "", "7 Work Ave", "Dallas", "TX", "75201"],
      ["Di", "3 Home Rd", "", "", "", "", "", "", ""],
    ];
    const { outcomes } = await runImport(csvText(rows));
    const lines = outcomes.map((o) =>
      o.kind === "recipient" ? o.recipient.address.line1 : o.kind,
    );
    expect(lines).toEqual(["1 Home Rd", "8 Work Ave", "7 Work Ave", "rejected"]);
    const di = outcomes[3];
    expect(di?.kind === "rejected" && di.errors.map((e) => e.column)).toEqual([
      "Home City",
      "Home State",
      "Home Postal Code",
    ]);
  });

  it("splits a single Name column and keeps the name as written", async () => {
    const rows = [
      ["Name", "Address", "City", "State", "Zip"],
      ["Dr. Zoë Ångström", "1 Elm St", "Austin", "TX", "78701"],
      ["Ludwig van Beethoven", "1 Elm St", "Austin", "TX", "78701"],
      ["Smith, John", "1 Elm St", "Austin", "TX", "78701"],
      ["Cher", "1 Elm St", "Austin", "TX", "78701"],
    ];
    const { recipients } = await runImport(csvText(rows));
    expect(recipients.map((r) => [r.firstName, r.lastName, r.fullName])).toEqual([
      ["Zoë", "Ångström", "Dr. Zoë Ångström"],
      ["Ludwig", "van Beethoven", "Ludwig van Beethoven"],
      ["John", "Smith", "John Smith"],
      ["Cher", "", "Cher"],
    ]);
  });

  it("turns unmapped columns into camelCase merge variables", async () => {
    const rows = [
      [
        "First Name",
        "Address",
        "City",
        "State",
        "Zip",
        "Last Purchase",
        "Spouse's Name",
        "2024 Total",
        "",
        "notes",
        "Notes",
      ],
      ["Ann", "1 Elm St", "Austin", "TX", "78701", "Bike", "Tom", "$120", "x", " a\nb ", "c"],
    ];
    const { header, recipients } = await runImport(csvText(rows));
    expect(recipients[0]?.custom).toEqual({
      lastPurchase: "Bike",
      spousesName: "Tom",
      _2024Total: "$120",
      column9: "x",
      notes: "a\nb",
      notes2: "c",
    });
    expect(header.columns.at(-1)).toEqual({ header: "Notes", field: "custom:notes2" });
  });

  it("a photo column maps to photo", async () => {
    const rows = [
      ["First Name", "Address", "City", "State", "Zip", "Photo"],
      ["Ann", "1 Elm St", "Austin", "TX", "78701", "ann.jpg"],
    ];
    const { recipients } = await runImport(csvText(rows));
    expect(recipients[0]?.photo).toBe("ann.jpg");
  });
});

describe("explicit mapping", () => {
  const rows = [
    ["Vorname", "Nachname", "Strasse", "Ort", "PLZ", "Land", "Kundennummer", "Zip"],
    ["Jürgen", "Groß", "Hauptstr. 5", "Dresden", "01067", "Deutschland", "K-17", "nope"],
  ];

  it("overrides recognition, by exact or folded header", async () => {
    const { header, recipients } = await runImport(csvText(rows), {
      mapping: {
        Vorname: "firstName",
        nachname: "lastName",
        Strasse: "line1",
        Ort: "city",
        Kundennummer: "custom:customerId",
        Zip: "ignore",
      },
      defaultCountry: "DE",
    });
    expect(header.columns.map((c) => c.field)).toEqual([
      "firstName",
      "lastName",
      "line1",
      "city",
      "postalCode",
      "country",
      "custom:customerId",
      "ignore",
    ]);
    expect(recipients[0]).toEqual({
      firstName: "Jürgen",
      lastName: "Groß",
      fullName: "Jürgen Groß",
      address: { line1: "Hauptstr. 5", city: "Dresden", postalCode: "01067", country: "DE" },
      custom: { customerId: "K-17" },
    });
  });

  it("a mapping value that is not a field is refused before reading", () => {
    expect(() =>
      parseRecipients(chunks(Buffer.from("")), { mapping: { Vorname: "given" } }),
    ).toThrow(/mapping\["Vorname"\] is "given"/);
  });

  it("a mapping naming a column the file lacks is refused, listing the columns", async () => {
    await expect(runImport(csvText(rows), { mapping: { Firstname: "firstName" } })).rejects.toThrow(
      /"Firstname", which is not in the file. Its columns are: "Vorname"/,
    );
  });

  it("without mapping, a header with no name or street column is refused with what was found", async () => {
    const noName = await runImport(
      csvText([
        ["Customer", "Street", "City"],
        ["Ann", "1 Elm St", "Austin"],
      ]),
    ).catch((e: unknown) => e);
    expect(noName).toBeInstanceOf(CsvImportError);
    expect(noName).toMatchObject({ code: "no_name_column", row: 1 });
    expect((noName as Error).message).toContain('Its columns are: "Customer", "Street", "City"');

    const noStreet = await runImport("First Name,City,Zip\nAnn,Austin,78701\n").catch(
      (e: unknown) => e,
    );
    expect(noStreet).toMatchObject({ code: "no_address_column" });
    expect((noStreet as Error).message).toMatch(/Its columns are: "First Name", "City", "Zip"/);
  });
});
