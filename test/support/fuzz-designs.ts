/**
 * Generated designs and messages for the fuzz tests: seeded (a failure names its seed and replays),
 * mixing what cards really use with what attackers send — deep nesting, long texts, every helper
 * Handlebars knows and some it does not, partials, @-paths, huge counts, numbers at and past the
 * bounds, names that look like paths.
 */
import { readFileSync } from "node:fs";
import { seededRandom } from "../../src/render/pdf-ops.ts";

export type Rng = () => number;

export const rng = (seed: number): Rng => seededRandom(seed);
const pick = <T>(r: Rng, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const VARIABLES = [
  "firstName",
  "lastName",
  "fullName",
  "city",
  "businessName",
  "signature",
  "birthday",
  "lastPurchase",
  "spouse",
  "constructor",
  "__proto__",
  "toString",
  "this",
  "@root",
  "../firstName",
  "a.b.c",
  "@index",
  "length",
];
const INLINE = ["upper", "lower", "titleCase", "possessive", "formatDate", "default"];
const FOREIGN = ["log", "lookup", "nosuch", "each", "with", "helperMissing", "blockHelperMissing"];
const WORDS = [
  "Dear",
  "thanks",
  "for",
  "your",
  "visit",
  "Zoë",
  "Łukasz",
  "Дмитрий",
  "{",
  "}",
  "\\{{",
  "…",
];

function expression(r: Rng, depth: number): string {
  const roll = r();
  if (roll < 0.55 || depth > 2) return pick(r, VARIABLES);
  if (roll < 0.7) return `"${pick(r, WORDS)}"`;
  if (roll < 0.9) return `(${pick(r, INLINE)} ${expression(r, depth + 1)})`;
  return `(${pick(r, FOREIGN)} ${expression(r, depth + 1)})`;
}

function statement(r: Rng, depth: number): string {
  const roll = r();
  if (roll < 0.3) return `${pick(r, WORDS)} `;
  if (roll < 0.55) return `{{${pick(r, VARIABLES)}}}`;
  if (roll < 0.7) {
    const helper = r() < 0.8 ? pick(r, INLINE) : pick(r, FOREIGN);
    const args = Array.from({ length: int(r, 0, 3) }, () => expression(r, 1)).join(" ");
    const hash = r() < 0.1 ? ' level="error"' : "";
    return `{{${helper} ${args}${hash}}}`;
  }
  if (roll < 0.88) {
    const block = r() < 0.75 ? pick(r, ["if", "unless"]) : pick(r, ["each", "with", "nosuch"]);
    const inner = Array.from({ length: int(r, 1, 4) }, () => statement(r, depth + 1)).join("");
    const other = r() < 0.3 ? `{{else}}${statement(r, depth + 1)}` : "";
    return `{{#${block} ${expression(r, 1)}}}${inner}${other}{{/${block}}}`;
  }
  if (roll < 0.92) return pick(r, ["{{> partial}}", "{{*inline}}", "{{{{raw}}}}x{{{{/raw}}}}"]);
  if (roll < 0.96) return pick(r, ["{{", "}}", "{{#if}}", "{{/if}}", "{{!-- note --}}"]);
  return `{{{${pick(r, VARIABLES)}}}}`;
}

/** A message: mostly plausible, sometimes hostile, sometimes long (up to ~6,000 characters). */
export function message(r: Rng): string {
  if (r() < 0.4) {
    const guarded = r() < 0.5 ? "{{#if spouse}}and {{upper spouse}} {{else}}friend {{/if}}" : "";
    return `${plainText(r)}${guarded}{{default lastPurchase "visit"}}`;
  }
  const parts: string[] = [];
  const count = r() < 0.1 ? int(r, 100, 400) : int(r, 1, 25);
  for (let i = 0; i < count; i++) parts.push(statement(r, 0));
  let text = parts.join("");
  // Deep nesting: the shape of the #each @root bomb, with allowed and refused blocks.
  if (r() < 0.15) {
    const block = pick(r, ["if", "unless", "each"]);
    const depth = int(r, 2, 14);
    text = `${`{{#${block} firstName}}`.repeat(depth)}${text}${`{{/${block}}}`.repeat(depth)}`;
  }
  return text;
}

const BUILTIN = JSON.parse(readFileSync("templates/birthday/template.json", "utf8"));
const BUILTIN_MESSAGE = readFileSync("templates/birthday/message.hbs", "utf8");
const LAYER_TYPES = [
  "fill",
  "frame",
  "rule",
  "photo",
  "confetti",
  "leaves",
  "balloons",
  "stars",
  "text",
  "name",
  "message",
  "signature",
  "footer",
  "address",
  "image",
  "pdf",
];

/** Numbers at and past the bounds (hostile) or within them. */
function number(r: Rng, hostile: boolean): number {
  if (!hostile) return r() * 4;
  return pick(r, [
    0,
    0.5,
    1,
    2,
    4,
    24,
    25,
    -1,
    -30,
    1e9,
    -1e9,
    0.001,
    Number.MAX_SAFE_INTEGER,
    3.5,
  ]);
}

function box(r: Rng, hostile: boolean, full = true): unknown {
  if ((full || hostile) && r() < 0.2) return "full";
  if (hostile && r() < 0.2) return [number(r, hostile), number(r, hostile)];
  return [
    r() * 4 - 0.2,
    r() * 6 - 0.2,
    hostile ? number(r, hostile) : r() * 4 + 0.2,
    r() * 3 + 0.2,
  ];
}

/** A valid plain message (the closed language only), for the design texts of plausible designs. */
function plainText(r: Rng): string {
  return Array.from({ length: int(r, 1, 6) }, () =>
    r() < 0.5
      ? `${pick(r, WORDS.slice(0, 8))} `
      : `{{${pick(r, ["firstName", "city", "businessName"])}}} `,
  ).join("");
}

function layer(r: Rng, hostile: boolean): Record<string, unknown> {
  const type = hostile ? pick(r, LAYER_TYPES) : pick(r, LAYER_TYPES.slice(0, 13));
  const color = hostile
    ? pick(r, ["#112233", "gold", "nope", "../../etc/passwd", ""])
    : pick(r, ["#112233", "coral", "ink"]);
  switch (type) {
    case "fill":
      return {
        type,
        color,
        box: box(r, hostile),
        opacity: r(),
        radius: hostile && r() < 0.2 ? 1e6 : r(),
      };
    case "frame":
      return {
        type,
        color,
        box: box(r, hostile, false),
        width: hostile && r() < 0.2 ? 1e6 : r() * 3,
      };
    case "rule":
      return {
        type,
        color,
        from: [r() * 4, r() * 5],
        to: [number(r, hostile), r() * 5],
        width: r() * 2,
      };
    case "confetti":
    case "leaves":
    case "balloons":
    case "stars":
      return {
        type,
        box: box(r, hostile),
        count: hostile ? pick(r, [1, 400, 401, 100000]) : int(r, 1, 150),
        seed: int(r, -5, 5),
        colors: Array.from({ length: hostile ? pick(r, [1, 17]) : int(r, 1, 4) }, () => "#a0b0c0"),
        ...(r() < 0.3
          ? {
              avoid: Array.from({ length: hostile ? int(r, 0, 20) : int(r, 0, 3) }, () =>
                box(r, hostile),
              ),
            }
          : {}),
      };
    case "text":
      return {
        type,
        box: box(r, hostile, false),
        style: hostile
          ? pick(r, ["name", "nope", "../x"])
          : pick(r, ["name", "message", "headline"]),
        text: hostile ? message(r).slice(0, int(r, 1, 700)) : plainText(r),
      };
    case "photo":
      return { type, box: box(r, hostile) };
    case "address":
      return { type };
    case "name":
    case "message":
    case "signature":
    case "footer":
      return {
        type,
        box: box(r, hostile),
        ...(hostile && r() < 0.3 ? { size: number(r, hostile) } : {}),
      };
    default:
      return { type, src: "/etc/passwd", path: "../../../../etc/shadow" };
  }
}

/**
 * A design: the birthday card with faces rebuilt from generated layers, and generated texts. Half
 * are plausible (within the bounds, so they reach the renderer), half hostile.
 */
export function design(r: Rng): { json: Record<string, unknown>; texts: Record<string, string> } {
  const hostile = r() < 0.5;
  const json = structuredClone(BUILTIN) as Record<string, unknown> & {
    formats: Record<string, { faces: Record<string, { layers: unknown[] }> }>;
  };
  for (const layout of Object.values(json.formats)) {
    for (const face of Object.values(layout.faces)) {
      const count = hostile && r() < 0.2 ? pick(r, [41, 500, 2000]) : int(r, 0, 12);
      if (r() < 0.6) face.layers = Array.from({ length: count }, () => layer(r, hostile));
    }
  }
  if (hostile && r() < 0.1) json.files = { message: "../../../../etc/passwd" };
  if (hostile && r() < 0.1) json.name = "x".repeat(int(r, 0, 200));
  const texts: Record<string, string> = { message: BUILTIN_MESSAGE };
  for (const part of ["name", "message", "signature", "footer"]) {
    if (r() < 0.5) texts[part] = hostile ? message(r) : plainText(r);
  }
  // Handwritten styles: the pen's strays must stay bounded and in their boxes too.
  if (r() < 0.4) {
    const styles = json.styles as Record<string, Record<string, unknown>>;
    for (const name of ["name", "message", "signature"]) {
      if (r() < 0.5) continue;
      const ink = hostile
        ? pick(r, ["blue", "red", "__proto__", "", "black "])
        : pick(r, ["blue", "black"]);
      styles[name] = { ...styles[name], font: pick(r, ["hand", "hand", "script", "serif"]), ink };
    }
  }
  return { json, texts };
}

/** Recipient fields, sometimes long or odd. */
export function fields(r: Rng): {
  firstName: string;
  lastName: string;
  custom: Record<string, string>;
} {
  const long = (n: number) => pick(r, WORDS).repeat(n);
  return {
    firstName:
      r() < 0.1 ? long(int(r, 50, 400)) : pick(r, ["Zoë", "Ann", "Łukasz", "{{firstName}}"]),
    lastName: pick(r, ["Ångström", "Lee", "Шостакович", ""]),
    custom: { lastPurchase: r() < 0.1 ? long(2000) : "boiler", spouse: pick(r, ["", "Sam"]) },
  };
}
