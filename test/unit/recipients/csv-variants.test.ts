import { describe, expect, it } from "vitest";
import {
  chunks,
  csvBytes,
  DELIMITERS,
  ENCODINGS,
  excelRows,
  expectedRecipient,
  LINE_ENDS,
  PEOPLE,
  type Person,
  POLISH,
} from "../../support/csv-fixtures.ts";
import { runImport } from "./collect.ts";

const unicodePeople = [...PEOPLE, POLISH];

describe("every encoding × delimiter × line end imports the same recipients", () => {
  for (const encoding of ENCODINGS) {
    for (const delimiter of DELIMITERS) {
      for (const lineEnd of LINE_ENDS) {
        const name = `${encoding}, ${JSON.stringify(delimiter)}, ${JSON.stringify(lineEnd)}`;
        it(name, async () => {
          const people = encoding === "windows-1252" ? PEOPLE : unicodePeople;
          const bytes = csvBytes(excelRows(people), { encoding, delimiter, lineEnd });
          const { header, recipients, outcomes } = await runImport(bytes);
          expect(header.delimiter).toBe(delimiter);
          expect(header.encoding).toBe(encoding === "utf-8-bom" ? "utf-8" : encoding);
          expect(outcomes.map((o) => o.row)).toEqual(people.map((_, i) => i + 2));
          expect(recipients).toEqual(people.map(expectedRecipient));
        });
      }
    }
  }
});

describe("chunk boundaries", () => {
  for (const encoding of ENCODINGS) {
    it(`${encoding} fed one byte per chunk decodes every character`, async () => {
      const people = encoding === "windows-1252" ? PEOPLE : unicodePeople;
      const bytes = csvBytes(excelRows(people), { encoding });
      const { recipients } = await runImport(bytes, { chunkSize: 1 });
      expect(recipients).toEqual(people.map(expectedRecipient));
    });
  }

  /** 1,200 ASCII-only rows, then `last` (past the 64 KB the encoding is first decided on). */
  function lateRows(filler: Person, last: Person): string[][] {
    const many = Array.from({ length: 1200 }, (_, i) => ({ ...filler, last: `Smith${i}` }));
    return excelRows([...many, last]);
  }

  it("a UTF-8 character split across chunks after 64 KB of ASCII stays UTF-8", async () => {
    const [zoe] = PEOPLE as [Person];
    const bytes = csvBytes(lateRows({ ...zoe, first: "Al" }, zoe));
    const at = bytes.indexOf(Buffer.from("Zoë"));
    expect(at).toBeGreaterThan(64 * 1024);
    const cut = at + 3; // inside the two bytes of "ë"
    async function* source() {
      yield bytes.subarray(0, cut);
      yield bytes.subarray(cut);
    }
    const { header, recipients } = await runImport(source());
    expect(header.encoding).toBe("utf-8");
    expect(recipients).toHaveLength(1201);
    expect(recipients.at(-1)).toEqual(expectedRecipient(zoe));
  });

  it("a Windows-1252 file whose first accent comes after 64 KB switches without damage", async () => {
    const [, jose] = PEOPLE as [Person, Person];
    const bytes = csvBytes(lateRows({ ...jose, first: "Jose" }, jose), {
      encoding: "windows-1252",
    });
    expect(bytes.indexOf(Buffer.from("Jos\xe9", "latin1"))).toBeGreaterThan(64 * 1024);
    const { recipients } = await runImport(chunks(bytes, 1000));
    expect(recipients).toHaveLength(1201);
    expect(recipients.at(-1)).toEqual(expectedRecipient(jose));
  });

  it("a quoted value with an embedded CRLF split between chunks keeps its text", async () => {
    const notes = ["line one\r\nline two", "", ""];
    const rows = excelRows(PEOPLE).map((row, i) => [
      ...row,
      i === 0 ? "Note" : (notes[i - 1] ?? ""),
    ]);
    const { outcomes } = await runImport(csvBytes(rows), { chunkSize: 7 });
    const first = outcomes[0];
    expect(first?.kind === "recipient" && first.recipient.custom.note).toBe("line one\r\nline two");
    expect(outcomes.map((o) => o.row)).toEqual([2, 3, 4]);
  });
});

describe("text is normalised to NFC", () => {
  it("a decomposed name (e + combining diaeresis) comes out composed", async () => {
    const decomposed = PEOPLE.map((p) => ({ ...p, first: p.first.normalize("NFD") }));
    const { recipients } = await runImport(csvBytes(excelRows(decomposed)));
    expect(recipients[0]?.firstName).toBe("Zoë");
    expect(recipients[0]?.firstName).toHaveLength(3);
  });
});
