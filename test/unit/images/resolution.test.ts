import { describe, expect, it } from "vitest";
import { printPpi, resolutionWarning } from "../../../src/images/index.ts";

describe("printPpi", () => {
  it.each([
    // width px, height px, slot w in, slot h in, expected ppi
    [1575, 2175, 5.25, 7.25, 300],
    [3000, 2175, 5.25, 7.25, 300], // wider than needed: height decides, the sides are cropped
    [4000, 3000, 11.25, 6.25, 4000 / 11.25],
    [600, 400, 7.25, 5.25, 400 / 5.25],
  ])("%ix%i px in a %s x %s in slot prints at %d ppi", (w, h, sw, sh, ppi) => {
    expect(printPpi(w, h, sw, sh)).toBeCloseTo(ppi, 6);
  });

  it("refuses sizes that are not positive numbers", () => {
    expect(() => printPpi(0, 100, 5, 7)).toThrow(RangeError);
    expect(() => printPpi(100, 100, Number.NaN, 7)).toThrow(RangeError);
  });
});

describe("resolutionWarning", () => {
  const front = { widthIn: 5.25, heightIn: 7.25, label: "the 5x7 card front" };

  it("says nothing at 300 ppi or more", () => {
    expect(resolutionWarning(1575, 2175, front)).toBeUndefined();
  });

  it("warns between 150 and 300 ppi, rounding the ppi down", () => {
    expect(resolutionWarning(1574, 2175, front)).toEqual({
      severity: "warning",
      ppi: 299,
      message:
        "photo is 1574x2175 px: prints at 299 ppi on the 5x7 card front; 300 ppi needs 1575x2175 px",
    });
  });

  it("is an error under 150 ppi", () => {
    const issue = resolutionWarning(600, 400, front);
    expect(issue?.severity).toBe("error");
    expect(issue?.ppi).toBe(55);
    expect(issue?.message).toMatch(/below the 150 ppi minimum/);
  });

  it("names an unlabelled slot by its size", () => {
    expect(resolutionWarning(600, 400, { widthIn: 6.25, heightIn: 4.25 })?.message).toBe(
      "photo is 600x400 px: prints at 94 ppi on a 6.25 x 4.25 in slot, below the 150 ppi minimum; " +
        "300 ppi needs 1875x1275 px",
    );
  });
});
