import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors.ts";
import { JsonRecordSplitter } from "../../../src/modules/recipients/json-record-splitter.ts";

const LIMITS = { maxRecords: 1000, maxRecordBytes: 4096 };

/** Feeds `text` in chunks of `size` bytes; answers the parsed records and the splitter. */
function split(text: string, size = Number.MAX_SAFE_INTEGER, limits = LIMITS) {
  const splitter = new JsonRecordSplitter(limits);
  const bytes = Buffer.from(text, "utf8");
  const records: unknown[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    for (const r of splitter.write(bytes.subarray(i, i + size)))
      records.push(JSON.parse(r.toString("utf8")));
  }
  splitter.end();
  return { records, splitter };
}

const tricky = [
  { first_name: "Zoë", note: 'says "hi" {not a brace} [nor a bracket], \\ backslash' },
  { first_name: "Łukasz", address: { line1: "1 Elm St", city: "Springfield" }, tags: [1, [2]] },
  {},
];

describe("JSON record splitter", () => {
  it("hands out each record of an array, whatever the chunk boundaries", () => {
    const text = ` \n${JSON.stringify(tricky, null, 2)}\n`;
    for (const size of [1, 2, 3, 7, 64, 100_000]) {
      expect(split(text, size).records, `chunks of ${size}`).toEqual(tricky);
    }
  });

  it('reads {"recipients": [...]} with its other members, in any order', () => {
    const text = JSON.stringify({
      mapping: { "Kunde Vorname": "firstName" },
      recipients: tricky,
      n: 3,
      t: true,
    });
    for (const size of [1, 5, 100_000]) {
      const { records, splitter } = split(text, size);
      expect(records).toEqual(tricky);
      expect(splitter.members.get("mapping")).toEqual({ "Kunde Vorname": "firstName" });
      expect(splitter.members.get("n")).toBe(3);
    }
  });

  it("refuses one record more than the limit as soon as it starts", () => {
    const splitter = new JsonRecordSplitter({ maxRecords: 3, maxRecordBytes: 100 });
    expect(splitter.write(Buffer.from("[{},{},{},"))).toHaveLength(3);
    let error: unknown;
    try {
      splitter.write(Buffer.from("{"));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ status: 413, code: "too_many_rows" });
    expect((error as Error).message).toMatch(/more than 3 recipients/);
  });

  it("refuses a record over its byte limit before holding more of it", () => {
    const splitter = new JsonRecordSplitter({ maxRecords: 10, maxRecordBytes: 100 });
    expect(() => splitter.write(Buffer.from(`[{"a":"${"x".repeat(200)}`))).toThrow(
      /over 100 bytes/,
    );
  });

  it.each([
    ["", /empty/],
    ['"just a string"', /Send a JSON array/],
    ["[1]", /Recipient 0 is not an object/],
    ['[{"a":1} {"a":2}]', /',' or '\]' was expected/],
    ['[{"a":1},', /ends in the middle/],
    ["[{}] []", /goes on after its end/],
    ['{"mapping": {}}', /no "recipients" list/],
    ['{"recipients": {}}', /must be one list/],
  ])("refuses %j with a 400 saying what is wrong", (text, message) => {
    let error: unknown;
    try {
      split(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 400 });
    expect((error as Error).message).toMatch(message);
  });
});
