/**
 * A design is data with bounds: every limit of limits.ts answers with the field at fault, and
 * nothing in a design is read as a path.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DESIGN_LIMITS,
  loadTemplate,
  parseDesign,
  TemplateError,
} from "../../../src/render/index.ts";

const base = () => JSON.parse(readFileSync("templates/birthday/template.json", "utf8"));
const message = readFileSync("templates/birthday/message.hbs", "utf8");

const refusal = (json: unknown, texts: Record<string, string> = { message }): TemplateError => {
  try {
    parseDesign({ json, texts });
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error("accepted");
};

const withFront = (layers: unknown[]) => {
  const json = base();
  json.formats.postcard_4x6.faces.front.layers = layers;
  return json;
};
const fill = { type: "fill", color: "#000000" };
const scatter = (count: number) => ({
  type: "stars",
  box: "full",
  count,
  seed: 1,
  colors: ["#000000"],
});
const textLayer = { type: "text", box: [0, 0, 1, 1], text: "Hi", style: "headline" };
const FRONT = "/formats/postcard_4x6/faces/front/layers";

describe("design bounds", () => {
  it.each([
    ["layers per face", withFront(Array(DESIGN_LIMITS.layersPerFace + 1).fill(fill)), FRONT],
    ["photo layers", withFront(Array(3).fill({ type: "photo", box: "full" })), FRONT],
    ["text layers", withFront(Array(DESIGN_LIMITS.textLayersPerFace + 1).fill(textLayer)), FRONT],
    ["scattered shapes", withFront([scatter(400), scatter(400), scatter(201)]), FRONT],
    ["shapes in one layer", withFront([scatter(401)]), `${FRONT}/0/count`],
    ["a box past reach", withFront([{ ...fill, box: [0, 0, 1e9, 1] }]), `${FRONT}/0/box`],
    [
      "a line width",
      withFront([{ type: "frame", box: [0, 0, 1, 1], color: "#000000", width: 1e6 }]),
      `${FRONT}/0/width`,
    ],
    [
      "avoid boxes",
      withFront([{ ...scatter(10), avoid: Array(17).fill([0, 0, 1, 1]) }]),
      `${FRONT}/0/avoid`,
    ],
    ["a design text", withFront([{ ...textLayer, text: "x".repeat(501) }]), `${FRONT}/0/text`],
    ["an unknown layer", withFront([{ type: "image", src: "/etc/passwd" }]), `${FRONT}/0/type`],
    ["the name", { ...base(), name: "x".repeat(101) }, "/name"],
    ["a colour name", { ...base(), colors: { "../x": "#000000" } }, "/colors/..~1x"],
  ])("%s", (_what, json, field) => {
    expect(refusal(json).field).toBe(field);
  });

  it("a text over its length", () => {
    expect(refusal(base(), { message: "x".repeat(DESIGN_LIMITS.textSourceChars + 1) }).field).toBe(
      "message.hbs",
    );
  });

  it("a design's fixed text speaks the merge language", () => {
    const error = refusal(withFront([{ ...textLayer, text: "{{log firstName}}" }]));
    expect(error.field).toBe(`${FRONT}/0/text`);
    expect(error.message).toContain("{{log}} is not available");
  });
});

describe("a design names no file", () => {
  it.each(["../../../../etc/passwd", "/etc/shadow", "/nonexistent", "/etc", "message.hbs"])(
    "files naming %s: the same refusal, whatever it names",
    (target) => {
      const error = refusal({ ...base(), files: { message: target } });
      expect(error.field).toBe("/files");
      expect(error.message).toBe(
        "template.json: /files: a design names no files; send its texts as name.hbs, message.hbs, signature.hbs and footer.hbs beside template.json",
      );
    },
  );

  it("a design folder is read by the fixed part names only", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cardmerge-design-"));
    await writeFile(join(dir, "template.json"), JSON.stringify({ ...base(), id: "folder-design" }));
    await writeFile(join(dir, "message.hbs"), "Hello {{firstName}}");
    await writeFile(join(dir, "greeting.hbs"), "never read");
    const template = await loadTemplate(dir);
    expect(template.texts.message).toBe("Hello {{firstName}}");
    expect(Object.values(template.texts).join()).not.toContain("never read");
  });
});

describe("a pen's ink and face are names from a closed list", () => {
  const hand = () => JSON.parse(readFileSync("templates/handwritten-note/template.json", "utf8"));
  const withInk = (ink: unknown) => {
    const json = hand();
    json.styles.message.ink = ink;
    return json;
  };

  it.each([
    ["a colour of its own", "red"],
    ["a hex colour", "#ff0000"],
    ["upper case", "BLUE"],
    ["a padded name", " blue"],
    ["a NUL after the name", "blue\u0000"],
    ["a path", "../../etc/passwd"],
    ["a prototype key", "__proto__"],
    ["a list", ["blue"]],
    ["an object", { $ref: "#/colors/ink" }],
    ["a number", 1],
    ["null", null],
  ])("an ink that is %s is refused at its field", (_what, ink) => {
    expect(refusal(withInk(ink)).field).toBe("/styles/message/ink");
  });

  it("a style needs a colour or an ink", () => {
    const json = hand();
    delete json.styles.message.ink;
    const error = refusal(json);
    expect(error.field).toBe("/styles/message/color");
    expect(error.message).toContain('an ink: "blue" or "black"');
  });

  it.each(["../fonts/evil.ttf", "/usr/share/fonts/x.ttf", "Caveat", "caveat-bold"])(
    "a handwriting face %s that cardmerge does not ship is refused",
    (face) => {
      const json = hand();
      json.fonts.hand = face;
      expect(refusal(json).field).toBe("/fonts/hand");
    },
  );

  it("a format's style may change the ink, within the same list", () => {
    const json = hand();
    json.formats.card_5x7.styles = { message: { ink: "black" } };
    expect(() => parseDesign({ json, texts: { message } })).not.toThrow();
    json.formats.card_5x7.styles = { message: { ink: "green" } };
    expect(refusal(json).field).toBe("/formats/card_5x7/styles/message/ink");
  });
});
