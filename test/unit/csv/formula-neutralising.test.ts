/**
 * Formula injection (DESIGN.md §5): a cell that starts with = + - @ tab or CR would run as a formula
 * in a spreadsheet. Both CSVs people open, the batch manifest and an import's failures CSV, go
 * through one function (csvLine → neutralise), and every such cell comes out as text.
 */
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { csvLine, neutralise } from "../../../src/csv/csv-line.ts";
import { FailuresFile } from "../../../src/csv/failures-file.ts";
import { manifestHeader, manifestLine } from "../../../src/modules/batches/manifest.ts";

const TRIGGERS = ["=", "+", "-", "@", "\t", "\r"];
const attacks = TRIGGERS.map((c) => `${c}HYPERLINK("http://evil.example","x")`);

const cells = (csv: string): string[][] =>
  parse(csv.replace(/^\uFEFF/, ""), { relax_column_count: true }) as string[][];

describe("formula neutralising", () => {
  it.each(TRIGGERS.map((c) => [JSON.stringify(c), c]))(
    "prefixes a cell starting with %s with an apostrophe",
    (_, c) => {
      expect(neutralise(`${c}1+1`)).toBe(`'${c}1+1`);
      expect(cells(csvLine([`${c}1+1`]))[0]).toEqual([`'${c}1+1`]);
    },
  );

  it("leaves other cells as they are, a trigger inside a cell included", () => {
    for (const v of ["Anna", "3rd Street", "", "a=b", "Smith-Jones", "x@y.example", " =1"])
      expect(neutralise(v)).toBe(v);
    expect(csvLine([1, -5, null, undefined])).toBe("1,'-5,,\r\n");
  });

  it("neutralises every recipient cell of a batch manifest", () => {
    const [name, company, line1, line2, city, region] = attacks as [string, ...string[]];
    const csv =
      manifestHeader() +
      manifestLine({
        sequence: 1,
        firstPage: 1,
        pages: 2,
        cardId: "card_1",
        recipient: {
          firstName: "x",
          lastName: "y",
          fullName: name,
          company,
          address: {
            line1: line1 as string,
            line2,
            city: city as string,
            region,
            postalCode: "@1",
            country: "US",
          },
          custom: {},
        },
        campaign: "-campaign",
      });
    const [, row] = cells(csv);
    // The recipient's cells, up to the campaign (the press-sheet columns after it are ours, empty here).
    expect(row?.slice(4, 13)).toEqual([...attacks.map((a) => `'${a}`), "'@1", "US", "'-campaign"]);
  });

  it("neutralises every cell of a failures CSV, which holds the rows as uploaded", async () => {
    const headers = TRIGGERS.map((_, i) => `Column ${i}`);
    const file = new FailuresFile(headers);
    file.add(2, "Zip is missing", Object.fromEntries(headers.map((h, i) => [h, attacks[i] ?? ""])));
    const stream = await file.finish();
    let text = "";
    for await (const chunk of stream ?? []) text += chunk.toString();
    await file.discard();
    const [header, row] = cells(text);
    expect(header).toEqual(["Row", "Problems", ...headers]);
    expect(row).toEqual(["2", "Zip is missing", ...attacks.map((a) => `'${a}`)]);
  });
});
