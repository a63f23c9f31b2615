import { describe, expect, it } from "vitest";
import { guessColumns } from "../../../src/csv/guess-columns.ts";
import { CsvImportError } from "../../../src/csv/index.ts";
import { parseRecipients } from "../../../src/csv/parse-recipients.ts";
import { csvBytes } from "../../support/csv-fixtures.ts";

async function* once(...chunks: (Buffer | string)[]) {
  for (const c of chunks) yield Buffer.isBuffer(c) ? c : Buffer.from(c);
}

describe("guessColumns", () => {
  it("maps the header row as the import does, for every encoding and delimiter", async () => {
    const rows = [
      ["First Name", "Last Name", "Street", "City", "State", "Zip", "Last Purchase"],
      ["Ann", "Lee", "1 Elm St", "Springfield", "IL", "62701", "boiler"],
    ];
    for (const encoding of ["utf-8", "utf-8-bom", "utf-16le", "windows-1252"] as const) {
      for (const delimiter of [",", ";", "\t"] as const) {
        const bytes = csvBytes(rows, { encoding, delimiter });
        const guess = await guessColumns(once(bytes));
        const imported = await parseRecipients(once(bytes)).header;
        expect(guess.columns).toEqual(imported.columns);
        expect(guess.delimiter).toBe(delimiter);
      }
    }
  });

  it("reads the header row only (and what the delimiter sniffer looks at, 64 KB), never the rest", async () => {
    let pulled = 0;
    async function* endless() {
      yield Buffer.from("Name,Address,City,Zip\r\n");
      for (;;) {
        pulled++;
        yield Buffer.from('"never closed,');
      }
    }
    const guess = await guessColumns(endless());
    expect(guess.columns.map((c) => c.field)).toEqual(["fullName", "line1", "city", "postalCode"]);
    // An endless file with a quote never closed: an import would read on; the guess stops.
    expect(pulled * 14).toBeLessThan(70 * 1024);
  });

  it("guesses a file the import would refuse for want of a name column, so it can be mapped", async () => {
    const csv = "Given,Surname,Street,City,State,Zip\r\nRosa,Parks,1 Elm,Springfield,IL,62701";
    await expect(parseRecipients(once(csv)).header).rejects.toThrow(/no name column/);
    const guess = await guessColumns(once(csv));
    expect(guess.columns.map((c) => c.field)).toEqual([
      "custom:given",
      "lastName",
      "line1",
      "city",
      "region",
      "postalCode",
    ]);
  });

  it("refuses an empty file, NUL in the header, too many columns and a line that is no header", async () => {
    await expect(guessColumns(once(""))).rejects.toThrow(CsvImportError);
    await expect(guessColumns(once("\r\n \r\n"))).rejects.toThrow(/empty/);
    await expect(guessColumns(once("Name,Ad\u0000dress\r\n"))).rejects.toThrow(/NUL/);
    const wide = Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(",");
    await expect(guessColumns(once(wide))).rejects.toThrow(/10000 columns/);
    await expect(guessColumns(once("x".repeat(2 * 1024 * 1024)))).rejects.toThrow(
      /longer than 1 MB/,
    );
  });
});
