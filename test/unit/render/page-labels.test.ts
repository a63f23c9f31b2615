import { describe, expect, it } from "vitest";
import { FORMAT_IDS, FORMATS, pageLabels } from "../../../src/render/index.ts";

describe("pageLabels: what each page of a proof picture shows", () => {
  it.each([
    ["postcard_4x6", ["Front", "Back (address side)"]],
    ["card_5x7", ["Front", "Back"]],
    ["a2_folded", ["Outside: back | front", "Inside: left | right"]],
  ] as const)("%s", (format, labels) => {
    expect(pageLabels(format)).toEqual(labels);
  });

  it("labels every page of every format", () => {
    for (const format of FORMAT_IDS)
      expect(pageLabels(format)).toHaveLength(FORMATS[format].pages.length);
  });
});
