import { describe, expect, it } from "vitest";
import { CsvImportError, type RowOutcome } from "../../../src/csv/index.ts";
import { csvBytes, csvText } from "../../support/csv-fixtures.ts";
import { runImport } from "./collect.ts";

const HEADER = ["First Name", "Last Name", "Address", "City", "State", "Zip", "Birthday", "Note"];
const ann = ["Ann", "Lee", "1 Elm St", "Austin", "TX", "78701", "", ""];

function summary(outcomes: RowOutcome[]) {
  return outcomes.map((o) =>
    o.kind === "recipient"
      ? [o.row, "ok"]
      : o.kind === "duplicate"
        ? [o.row, "duplicate of", o.firstRow]
        : [o.row, o.errors.map((e) => `${e.field}: ${e.message}`)],
  );
}

async function fatal(input: string | Buffer, limits?: Record<string, number>) {
  const error = await runImport(input, { limits }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CsvImportError);
  return error as CsvImportError;
}

describe("rejected rows", () => {
  it("come back with their spreadsheet row, the field, what to fix and the original values", async () => {
    const rows = [
      HEADER,
      ann,
      ["", "Nobody", "2 Elm St", "Austin", "TX", "78701", "", ""],
      ["Bo", "Ray", "", "Austin", "TX", "", "13/13/1990", ""],
      ["Cy", "Dee", "3 Elm St", "Austin", "Texas", "7870", "", ""],
      ["Di", "Eve", "4 Elm St", "Austin", "XX", "787011", "", ""],
    ];
    const { outcomes } = await runImport(csvText(rows));
    expect(summary(outcomes)).toEqual([
      [2, "ok"],
      [3, ["firstName: First Name is empty: add the person's first name or full name."]],
      [
        4,
        [
          "line1: Address is empty: add the street and house number.",
          "postalCode: Zip is empty: add the 5-digit ZIP code.",
          'birthday: Birthday "13/13/1990" has no month 13: write it as 1990-03-14, 03/14/1990 or March 14.',
        ],
      ],
      [5, "ok"],
      [
        6,
        [
          'region: State "XX" is not a US state: write its name or its postal abbreviation.',
          'postalCode: Zip "787011" is not valid for US: write the 5-digit ZIP code (or ZIP+4, 12345-6789).',
        ],
      ],
    ]);
    const bo = outcomes[2];
    expect(bo?.kind === "rejected" && bo.values).toEqual({
      "First Name": "Bo",
      "Last Name": "Ray",
      Address: "",
      City: "Austin",
      State: "TX",
      Zip: "",
      Birthday: "13/13/1990",
      Note: "",
    });
    expect(bo?.kind === "rejected" && bo.errors[0]?.column).toBe("Address");
  });

  it("a padded ZIP is imported with a warning saying so", async () => {
    const { outcomes } = await runImport(
      csvText([HEADER, ["Cy", "Dee", "3 Elm", "Boston", "MA", "2134", "", ""]]),
    );
    const cy = outcomes[0];
    expect(cy?.kind === "recipient" && cy.recipient.address.postalCode).toBe("02134");
    expect(cy?.kind === "recipient" && cy.warnings?.[0]?.message).toMatch(
      /"2134" was read as 02134/,
    );
  });

  it("address completeness follows the row's country", async () => {
    const rows = [
      ["Name", "Street", "City", "Region", "Postcode", "Country"],
      ["Ann Lee", "10 Downing St", "London", "", "sw1a2aa", "UK"],
      ["Jo Kim", "5 Hauptstr.", "Berlin", "", "", "Germany"],
      ["Al Ng", "1 Queen's Rd", "Central", "", "", "Hong Kong"],
      ["Sé Ó", "1 Main St", "Galway", "", "", "Ireland"],
      ["Ed Yu", "1 Bay St", "Toronto", "Ontario", "m5j2n8", "Canada"],
      ["Lu Po", "1 George St", "Sydney", "", "2000", "Australia"],
      ["Mo Ra", "1 Rue X", "Paris", "", "75001", "Narnia"],
    ];
    const { outcomes } = await runImport(csvText(rows));
    expect(summary(outcomes)).toEqual([
      [2, "ok"],
      [3, ["postalCode: Postcode is empty: add the postal code."]],
      [4, "ok"],
      [5, "ok"],
      [6, "ok"],
      [7, ["region: Region is empty: add the state (NSW, VIC, QLD…)."]],
      [
        8,
        [
          'country: Country "Narnia" is not a country we know: write its name in English or its 2-letter code (US, GB, DE).',
        ],
      ],
    ]);
    const addresses = outcomes.flatMap((o) =>
      o.kind === "recipient" ? [o.recipient.address] : [],
    );
    expect(addresses.map((a) => [a.country, a.region, a.postalCode])).toEqual([
      ["GB", undefined, "SW1A 2AA"],
      ["HK", undefined, undefined],
      ["IE", undefined, undefined],
      ["CA", "ON", "M5J 2N8"],
    ]);
  });

  it("a value over the field length limit is a row error, not a refused file", async () => {
    const rows = [HEADER, ann, ["Bo", "Ray", "x".repeat(50), "Austin", "TX", "78701", "", ""]];
    const { outcomes } = await runImport(csvText(rows), { limits: { maxFieldLength: 40 } });
    expect(summary(outcomes)).toEqual([
      [2, "ok"],
      [3, ["line1: Address is 50 characters long: shorten it to at most 40."]],
    ]);
  });

  it("a NUL byte in a cell is a row error naming the row and column, not a refused file", async () => {
    const rows = [HEADER, ["Zoë", "Quill\0", "1 Elm St", "Austin", "TX", "78701", "", ""], ann];
    const { outcomes } = await runImport(csvText(rows));
    expect(outcomes[0]).toMatchObject({
      kind: "rejected",
      row: 2,
      errors: [{ field: "lastName", column: "Last Name", message: expect.stringMatching(/NUL/) }],
    });
    expect((outcomes[0] as { errors: { message: string }[] }).errors[0]?.message).toMatch(
      /^Last Name contains a NUL character .*: delete it/,
    );
    expect(summary(outcomes.slice(1))).toEqual([[3, "ok"]]);
  });

  it("a row with more values than headers is rejected (an unquoted delimiter)", async () => {
    const text = `${HEADER.join(",")}\nAnn,Lee,1 Elm St, Apt 2,Austin,TX,78701,,note\nBo,Ray,2 Elm St,Austin,TX,78701,,,,\n`;
    const { outcomes } = await runImport(text);
    expect(summary(outcomes)).toEqual([
      [
        2,
        [
          'row: The row has 9 values but the header has 8 columns: a value probably contains a "," without quotes around it.',
        ],
      ],
      [3, "ok"],
    ]);
  });
});

describe("duplicates", () => {
  it("the same person at the same address is counted once and points at the first row", async () => {
    const rows = [
      HEADER,
      ann,
      ["ann", "LEE", "1 Elm Street", "Austin", "TX", "78701-1234", "", ""],
      ["Ann", "Lee", "1 Elm St", "Dallas", "TX", "75201", "", ""],
      ["Anne", "Lee", "1 Elm St", "Austin", "TX", "78701", "", ""],
      ann,
    ];
    const { outcomes } = await runImport(csvText(rows));
    expect(summary(outcomes)).toEqual([
      [2, "ok"],
      [3, "duplicate of", 2],
      [4, "ok"],
      [5, "ok"],
      [6, "duplicate of", 2],
    ]);
    const dup = outcomes[1];
    expect(dup?.kind === "duplicate" && dup.values.Address).toBe("1 Elm Street");
  });
});

describe("row numbers", () => {
  it("quoted values with embedded line breaks and delimiters do not shift later rows", async () => {
    const rows = [
      HEADER,
      [...ann.slice(0, 7), "line 1\nline 2\r\nline 3, with comma"],
      ["Bo", "Ray", '2 "Elm" St', "Austin", "TX", "78701", "", "x"],
      ["", "", "", "", "", "", "", ""],
      ["Cy", "Dee", "", "Austin", "TX", "78701", "", ""],
    ];
    const { outcomes } = await runImport(csvText(rows, { lineEnd: "\r\n" }));
    expect(summary(outcomes).map((s) => s[0])).toEqual([2, 3, 5]);
    const first = outcomes[0];
    expect(first?.kind === "recipient" && first.recipient.custom.note).toBe(
      "line 1\nline 2\r\nline 3, with comma",
    );
  });

  it("blank rows (Excel leaves them, with or without delimiters) are skipped but counted", async () => {
    const text = `${HEADER.join(",")}\n\n${ann.join(",")}\n,,,,,,,\n \n${["Bo", ...ann.slice(1)].join(",")}\n\n\n`;
    const { outcomes } = await runImport(text);
    expect(outcomes.map((o) => o.row)).toEqual([3, 6]);
  });

  it("blank lines before the header are skipped", async () => {
    const { header, outcomes } = await runImport(
      `\r\n\r\n${HEADER.join(",")}\r\n${ann.join(",")}\r\n`,
    );
    expect(header.columns).toHaveLength(8);
    expect(outcomes.map((o) => o.row)).toEqual([4]);
  });

  it("a last row without a line end is read", async () => {
    const { outcomes } = await runImport(csvText([HEADER, ann], { trailingLineEnd: false }));
    expect(outcomes).toHaveLength(1);
  });
});

describe("values", () => {
  it('Excel\'s ="02134" text trick and stray quotes inside unquoted values', async () => {
    const text = `${HEADER.join(",")}\nAnn,Lee,"1 Elm St",Boston,MA,="02134",,Bob "Bobby" Lee\n`;
    const { recipients } = await runImport(text);
    expect(recipients[0]?.address.postalCode).toBe("02134");
    expect(recipients[0]?.custom.note).toBe('Bob "Bobby" Lee');
  });

  it("names are trimmed with inner whitespace collapsed", async () => {
    const { recipients } = await runImport(
      csvText([HEADER, ["  Mary \u00a0Ann ", " de  la Cruz\t", ...ann.slice(2)]]),
    );
    expect(recipients[0]).toMatchObject({
      firstName: "Mary Ann",
      lastName: "de la Cruz",
      fullName: "Mary Ann de la Cruz",
    });
  });

  it("defaultCountry fills rows without a country and decides a/b/yyyy", async () => {
    const rows = [
      ["Name", "Street", "City", "PLZ", "Birthday"],
      ["Jürgen Groß", "Hauptstr. 5", "Dresden", "1067", "04/05/1990"],
    ];
    const { recipients, outcomes } = await runImport(csvText(rows), { defaultCountry: "DE" });
    expect(recipients[0]?.address).toEqual({
      line1: "Hauptstr. 5",
      city: "Dresden",
      postalCode: "01067",
      country: "DE",
    });
    expect(recipients[0]?.birthday).toBe("1990-05-04");
    expect(outcomes[0]?.kind === "recipient" && outcomes[0].warnings).toHaveLength(1);
  });
});

describe("fatal problems refuse the whole file", () => {
  it("an empty file, or only blank lines", async () => {
    expect(await fatal("")).toMatchObject({ code: "empty" });
    expect(await fatal("\r\n\r\n,,,\r\n")).toMatchObject({ code: "empty" });
  });

  it("more bytes than allowed", async () => {
    const text = csvText([HEADER, ...Array.from({ length: 50 }, () => ann)]);
    const error = await fatal(text, { maxBytes: 1000 });
    expect(error).toMatchObject({ code: "too_large", status: 413 });
  });

  it("more rows than allowed (blank rows do not count)", async () => {
    const people = Array.from({ length: 4 }, (_, i) => [`P${i}`, ...ann.slice(1)]);
    const ok = await runImport(csvText([HEADER, ...people, ["", "", "", "", "", "", "", ""]]), {
      limits: { maxRows: 4 },
    });
    expect(ok.outcomes).toHaveLength(4);
    const error = await fatal(csvText([HEADER, ...people, ann]), { maxRows: 4 });
    expect(error).toMatchObject({ code: "too_many_rows", row: 6, status: 413 });
  });

  it("more columns than allowed", async () => {
    const error = await fatal(csvText([[...HEADER, "A", "B"], ann]), { maxColumns: 9 });
    expect(error).toMatchObject({ code: "too_many_columns", status: 422 });
    expect(error.message).toContain("10 columns");
  });

  it("a quote never closed", async () => {
    const text = `${HEADER.join(",")}\n${ann.join(",")}\nBo,"Ray,2 Elm St,Austin,TX,78701,,\n`;
    expect(await fatal(text)).toMatchObject({ code: "malformed", row: 3 });
  });

  it("a quote that swallows the rest of a large file is blamed on the quote", async () => {
    const rows = Array.from({ length: 10_000 }, () => ann.join(","));
    const text = `${HEADER.join(",")}\nBo,"Ray,x\n${rows.join("\n")}\n`;
    const error = await fatal(text);
    expect(error).toMatchObject({ code: "malformed", row: 2, column: "Last Name", status: 422 });
    expect(error.message).toMatch(/row 2, column "Last Name" opens with a quote .* not closed/);
    expect(error.errors).toEqual([{ row: 2, field: "Last Name", message: error.message }]);
  });

  it("a 20 MB value without quotes is blamed on its length, not on a quote", async () => {
    const huge = "x".repeat(20 * 1024 * 1024);
    const text = `${HEADER.join(",")}\n${ann.join(",")}\nBo,Ray,2 Elm St,Austin,TX,78701,,${huge}\n`;
    const error = await fatal(text);
    expect(error).toMatchObject({ code: "field_too_long", row: 3, column: "Note", status: 422 });
    expect(error.message).toMatch(/row 3, column "Note" is too long/);
    expect(error.message).toMatch(/at most 1,000 characters/);
    expect(error.message).not.toMatch(/quote/);
  });

  it("a NUL byte in the header row", async () => {
    const error = await fatal(csvText([["First Name", "Last\0Name", ...HEADER.slice(2)], ann]));
    expect(error).toMatchObject({ code: "malformed", row: 1, column: "Column 2", status: 422 });
    expect(error.message).toMatch(/NUL character/);
  });

  it("an Excel workbook instead of a CSV", async () => {
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]);
    const error = await fatal(xlsx);
    expect(error.message).toMatch(/Excel workbook/);
  });

  it("UTF-8 that turns invalid after non-ASCII UTF-8 was seen", async () => {
    // Past the first 64 KB, where the encoding was decided as UTF-8 on Zoë.
    const people = Array.from({ length: 3000 }, (_, i) => [`Zoë${i}`, ...ann.slice(1)]);
    const good = csvBytes([HEADER, ...people]);
    expect(good.length).toBeGreaterThan(64 * 1024);
    const bad = Buffer.concat([
      good,
      Buffer.from("Jos\xe9,Lee,1 Elm St,Austin,TX,78701,,\n", "latin1"),
    ]);
    async function* source() {
      yield good;
      yield bad.subarray(good.length);
    }
    const error = await runImport(source()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "malformed" });
    expect((error as Error).message).toMatch(/save it again as "CSV UTF-8"/);
  });
});

describe("the header promise and the rows generator", () => {
  it("the header can be awaited before iterating rows", async () => {
    const { parseRecipients } = await import("../../../src/csv/index.ts");
    const { chunks } = await import("../../support/csv-fixtures.ts");
    const { header, rows } = parseRecipients(chunks(csvBytes([HEADER, ann, ann]), 5));
    expect((await header).delimiter).toBe(",");
    const kinds: string[] = [];
    for await (const o of rows) kinds.push(o.kind);
    expect(kinds).toEqual(["recipient", "duplicate"]);
  });

  it("a Node stream is accepted and released when iteration stops early", async () => {
    const { Readable } = await import("node:stream");
    const { parseRecipients } = await import("../../../src/csv/index.ts");
    const stream = Readable.from([csvBytes([HEADER, ann, ["Bo", ...ann.slice(1)]])]);
    const { rows } = parseRecipients(stream);
    for await (const o of rows) {
      expect(o.row).toBe(2);
      break;
    }
    expect(stream.destroyed).toBe(true);
  });

  it("header failures also end the rows generator", async () => {
    const { parseRecipients } = await import("../../../src/csv/index.ts");
    const { chunks } = await import("../../support/csv-fixtures.ts");
    const { rows } = parseRecipients(chunks(Buffer.from("")));
    await expect(rows.next()).rejects.toMatchObject({ code: "empty" });
  });
});
