/**
 * The closed merge language: what a card text may say, and the answer for everything else —
 * naming the construct and where it stands, so the customer can fix it.
 */
import { describe, expect, it } from "vitest";
import {
  CardRenderError,
  compileMessage,
  MERGED_TEXT_LIMITS,
  MessageError,
  renderCard,
} from "../../../src/render/index.ts";
import { loadBuiltinTemplate } from "../../../src/render/template-loader.ts";
import { cardData } from "./fixtures.ts";

const refusal = (source: string): MessageError => {
  try {
    compileMessage(source);
  } catch (error) {
    if (error instanceof MessageError) return error;
    throw error;
  }
  throw new Error(`${source} was accepted`);
};

describe("what card texts may use", () => {
  it.each([
    "Dear {{firstName}},",
    "{{#if spouse}}and {{spouse}}{{else if kids}}and the kids{{else}}friend{{/if}}",
    "{{#unless nickname}}{{firstName}}{{/unless}}",
    "{{upper (lower city)}} {{titleCase fullName}} {{possessive lastName}}",
    '{{default nickname "friend"}} {{formatDate birthday "long"}} {{formatDate anniversary}}',
    "{{{firstName}}} {{~city~}} {{! a note }} {{!-- a longer note --}}",
  ])("%s", (source) => {
    expect(() => compileMessage(source)).not.toThrow();
  });
});

describe("what they may not, and what the answer says", () => {
  it.each([
    ["{{#each @root}}x{{/each}}", "{{#each}} is not available", 1, 1],
    ["Hi\n  {{#with spouse}}{{this}}{{/with}}", "{{#with}} is not available", 2, 3],
    ['{{log firstName level="error"}}', "{{log}} is not available", 1, 1],
    ["{{lookup this 'constructor'}}", "{{lookup}} is not available", 1, 1],
    ["Dear {{nosuch firstName}}", "unknown helper {{nosuch}}", 1, 6],
    ["{{> header}}", "partials", 1, 1],
    ["{{#> layout}}x{{/layout}}", "partials", 1, 1],
    ['{{#*inline "x"}}y{{/inline}}', "decorators", 1, 1],
    ["{{@root.firstName}}", "@-variables are not available", 1, 3],
    ["{{../firstName}}", "name a field directly", 1, 3],
    ["{{this}}", "name a field directly", 1, 3],
    ["{{address.city}}", "fields have no parts", 1, 3],
    ["{{constructor}}", "not a field name", 1, 3],
    ["{{__proto__}}", "not a field name", 1, 3],
    ["{{upper}}", "takes 1 argument(s), not 0", 1, 1],
    ["{{default a}}", "takes 2 argument(s), not 1", 1, 1],
    ['{{upper city case="x"}}', "takes no key=value options", 1, 1],
    ["{{#if a b}}x{{/if}}", "tests exactly one field", 1, 1],
    ["{{#if a as |x|}}{{x}}{{/if}}", "takes no block parameters", 1, 1],
    ["{{{{raw}}}}{{x}}{{{{/raw}}}}", "{{#raw}} is not available", 1, 1],
    [`${"{{#if a}}".repeat(9)}x${"{{/if}}".repeat(9)}`, "nest more than 8 deep", 1, 73],
  ])("%s → %s", (source, says, line, column) => {
    const error = refusal(source);
    expect(error.message).toContain(says);
    expect(error.message).toContain(`line ${line}, column ${column}`);
    expect({ line: error.line, column: error.column }).toEqual({ line, column });
  });

  it("the helpers it lists are the ones it accepts", () => {
    const listed = /the helpers are: (.*)$/.exec(refusal("{{nosuch x}}").message)?.[1] ?? "";
    for (const helper of listed.split(", ")) {
      const source = helper.startsWith("#")
        ? `{{${helper} a}}x{{/${helper.slice(1)}}}`
        : `{{${helper} a${helper === "default" ? " b" : ""}}}`;
      expect(() => compileMessage(source), source).not.toThrow();
    }
  });
});

describe("merged texts are bounded", () => {
  it("a message that merges past the cap fails the card with message_too_long, before fitting", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const data = cardData("Zoë Ångström", { story: "x".repeat(MERGED_TEXT_LIMITS.message) });
    const error = await renderCard({
      template,
      format: "card_5x7",
      data,
      message: "Dear {{firstName}}, {{story}}",
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CardRenderError);
    expect((error as CardRenderError).reason).toBe("message_too_long");
    expect((error as CardRenderError).message).toContain("at most 6,000");
  });

  it("a name that merges past its cap too", async () => {
    const template = await loadBuiltinTemplate("thank-you");
    const error = await renderCard({
      template,
      format: "card_5x7",
      data: cardData(`Zoë ${"Å".repeat(400)}`),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as CardRenderError).reason).toBe("message_too_long");
    expect((error as CardRenderError).message).toContain("the name");
  });
});
