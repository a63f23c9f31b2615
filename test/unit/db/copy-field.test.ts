import { describe, expect, it } from "vitest";
import { copyField, copyJson } from "../../../src/db/copy.ts";

describe("COPY text-format fields", () => {
  it.each([
    ["plain", "plain"],
    ["a\tb", "a\\tb"],
    ["line\nnext", "line\\nnext"],
    ["cr\r", "cr\\r"],
    ["C:\\new", "C:\\\\new"],
    ["\\N", "\\\\N"],
    ["\\\t\n\r", "\\\\\\t\\n\\r"],
  ])("escapes %j as %j", (value, field) => {
    expect(copyField(value)).toBe(field);
  });

  it("writes null and undefined as \\N, and an empty string as an empty field", () => {
    expect(copyField(null)).toBe("\\N");
    expect(copyField(undefined)).toBe("\\N");
    expect(copyField("")).toBe("");
  });

  it("gives JSON.stringify's output the same field copyField would", () => {
    const json = JSON.stringify({ a: 'C:\\new\t"x"\n\r\\N', b: "plain" });
    expect(copyJson(json)).toBe(copyField(json));
    expect(copyJson('{"b":"plain"}')).toBe('{"b":"plain"}');
  });
});
