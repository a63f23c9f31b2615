import { describe, expect, it } from "vitest";
import { checkMessageVariables, compileMessage, MessageError } from "../../../src/render/index.ts";
import { mergeContext, mergeFunction } from "../../../src/render/merge.ts";
import { cardData } from "./fixtures.ts";

describe("compileMessage", () => {
  it.each([
    ["Dear {{firstName}}", ["firstName"]],
    [
      "{{default nickname firstName}} and {{titleCase lastName}}",
      ["firstName", "lastName", "nickname"],
    ],
    ["{{#if company}}at {{company}}{{/if}} {{formatDate birthday}}", ["birthday", "company"]],
    ["plain text", []],
  ])("lists the variables of %j", (source, variables) => {
    expect(compileMessage(source).variables).toEqual(variables);
  });

  it("reports a syntax error with its line and column", () => {
    const err = (() => {
      try {
        compileMessage("Dear {{firstName}},\nthanks for {{#if x}} the visit");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MessageError);
    expect((err as MessageError).line).toBe(2);
    expect((err as MessageError).message).toMatch(/line 2/);
  });
});

describe("checkMessageVariables", () => {
  it("accepts standard and custom fields and lists the unknown ones", () => {
    const data = cardData("Zoë Ångström", { petName: "Rex" });
    expect(
      checkMessageVariables("{{firstName}} {{petName}} {{businessName}} {{lastPurchase}}", data),
    ).toEqual([]);
    expect(checkMessageVariables("{{firstName}} {{spouse}} {{favColour}}", data)).toEqual([
      "favColour",
      "spouse",
    ]);
    expect(checkMessageVariables("{{spouse}}", ["spouse"])).toEqual([]);
  });
});

describe("required variables", () => {
  it.each([
    ["Dear {{firstName}}, your {{lastPurchase}}", ["firstName", "lastPurchase"]],
    ["{{#if spouse}}Say hi to {{spouse}}{{/if}} {{firstName}}", ["firstName"]],
    ["{{#unless nickname}}Hi {{firstName}}{{else}}Hi {{nickname}}{{/unless}}", ["firstName"]],
    ['{{default nickname "friend"}} and {{titleCase city}}', ["city"]],
    ["{{#if a}}{{b}}{{/if}}", ["b"]],
  ])("%s prints %j unconditionally", (source, required) => {
    expect(compileMessage(source).required).toEqual(required);
  });
});

describe("mergeFunction", () => {
  // Plain texts are merged by concatenation, the rest by Handlebars: both must print the same.
  const ctx = {
    ...mergeContext(cardData("Zoë Ångström", { lastPurchase: "boiler service" })),
    empty: "",
  };
  it.each([
    ["Dear {{firstName}}, thank you for {{lastPurchase}}.\n\n{{businessName}}", "Dear Zoë,"],
    ["{{{firstName}}} {{&lastName}} \\{{firstName}} {{missing}}|", "Zoë Ångström {{firstName}} |"],
    ["Dear {{firstName}},\n{{#if company}}\n  at {{company}}\n{{/if}}\nbye", "Dear Zoë,\nbye"],
    ["{{~firstName~}}  ,  {{upper lastName}} {{! a note }}", "Zoë,  ÅNGSTRÖM "],
    ["Cafe\u0301 {{empty}}", "Café "],
  ])("merges %j as Handlebars does", (source, expected) => {
    expect(mergeFunction(source)(ctx).startsWith(expected)).toBe(true);
  });
});
