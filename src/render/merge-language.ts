/**
 * The merge language, closed: a customer's message or design text may use plain variables, the
 * card helpers and `{{#if}}` / `{{#unless}}` (with `{{else}}`), nothing else of Handlebars. No
 * loops, no partials, no `@root` or `../` walks, no `log` or `lookup`: a text's output and its
 * running time are bounded by its length, and it can reach nothing but the card's own fields.
 * Checked on the parsed template, so every spelling of a construct is caught.
 */

/** Inline helpers and how many arguments each takes. */
export const INLINE_HELPERS: Readonly<Record<string, { min: number; max: number }>> = {
  formatDate: { min: 1, max: 2 },
  default: { min: 2, max: 2 },
  titleCase: { min: 1, max: 1 },
  possessive: { min: 1, max: 1 },
  upper: { min: 1, max: 1 },
  lower: { min: 1, max: 1 },
};

/** Block helpers: each tests one value. */
export const BLOCK_HELPERS = ["if", "unless"] as const;

/** A variable name: a card field or a CSV column folded to camelCase. */
const VARIABLE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Names an object answers to that are not data (Handlebars blocks most; refuse them all). */
const NOT_DATA = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Blocks inside blocks: deeper than this is not a card message. */
export const MAX_BLOCK_DEPTH = 8;

/** Where in the source a construct stands (1-based). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** A construct outside the language; `at` is where it starts. */
export class UnsupportedConstruct extends Error {
  override name = "UnsupportedConstruct";
  constructor(
    message: string,
    readonly at?: SourcePosition,
  ) {
    super(message);
  }
}

type Node = {
  type: string;
  loc?: { start: { line: number; column: number } };
  [key: string]: unknown;
};
type Path = Node & { data: boolean; depth: number; parts: string[]; original: string };

const helperList = () =>
  [...BLOCK_HELPERS.map((h) => `#${h}`), ...Object.keys(INLINE_HELPERS)].join(", ");

function positionOf(node: Node): SourcePosition | undefined {
  const start = node.loc?.start;
  return start ? { line: start.line, column: start.column + 1 } : undefined;
}

function refuse(node: Node, what: string): never {
  throw new UnsupportedConstruct(what, positionOf(node));
}

/** A value: a plain variable or a literal; a helper call in parentheses where `call` allows. */
function checkValue(node: Node, depth: number): void {
  switch (node.type) {
    case "StringLiteral":
    case "NumberLiteral":
    case "BooleanLiteral":
    case "UndefinedLiteral":
    case "NullLiteral":
      return;
    case "PathExpression":
      checkVariable(node as Path);
      return;
    case "SubExpression":
      checkCall(node, depth);
      return;
    default:
      refuse(node, `${node.type} is not part of the merge language`);
  }
}

function checkVariable(path: Path): void {
  const text = path.original;
  if (path.data)
    refuse(path, `{{${text}}}: @-variables are not available; name a field such as {{firstName}}`);
  if (path.depth > 0 || text === "this" || text.startsWith("this.") || text === ".")
    refuse(path, `{{${text}}}: name a field directly, such as {{firstName}}`);
  if (path.parts.length !== 1)
    refuse(path, `{{${text}}}: fields have no parts; use a field name such as {{city}}`);
  const name = path.parts[0] ?? "";
  if (!VARIABLE.test(name) || NOT_DATA.has(name))
    refuse(path, `{{${text}}}: not a field name (letters and digits, starting with a letter)`);
}

/** A helper call: `{{upper firstName}}` or `(upper firstName)`. */
function checkCall(node: Node, depth: number): void {
  const path = node.path as Node;
  const params = (node.params as Node[] | undefined) ?? [];
  const hash = node.hash as { pairs?: unknown[] } | undefined;
  if (path.type !== "PathExpression") refuse(node, "a helper is called by its name");
  const name = (path as Path).original;
  const arity = Object.hasOwn(INLINE_HELPERS, name) ? INLINE_HELPERS[name] : undefined;
  if (!arity) {
    if (name === "log" || name === "lookup" || name === "each" || name === "with")
      refuse(node, `{{${name}}} is not available in card texts; the helpers are: ${helperList()}`);
    refuse(node, `unknown helper {{${name}}}: the helpers are: ${helperList()}`);
  }
  if (hash?.pairs?.length) refuse(node, `{{${name}}} takes no key=value options`);
  if (params.length < arity.min || params.length > arity.max) {
    const wanted = arity.min === arity.max ? `${arity.min}` : `${arity.min} or ${arity.max}`;
    refuse(node, `{{${name}}} takes ${wanted} argument(s), not ${params.length}`);
  }
  for (const p of params) checkValue(p, depth);
}

function checkStatement(node: Node, depth: number): void {
  switch (node.type) {
    case "ContentStatement":
    case "CommentStatement":
      return;
    case "MustacheStatement": {
      const params = (node.params as Node[] | undefined) ?? [];
      const path = node.path as Node;
      const isHelper =
        params.length > 0 ||
        (path.type === "PathExpression" && Object.hasOwn(INLINE_HELPERS, (path as Path).original));
      if (isHelper) checkCall(node, depth);
      else checkValue(path, depth);
      return;
    }
    case "BlockStatement": {
      const name = (node.path as Path).original;
      if (!(BLOCK_HELPERS as readonly string[]).includes(name))
        refuse(
          node,
          `{{#${name}}} is not available; blocks are {{#if field}} and {{#unless field}}`,
        );
      if (depth >= MAX_BLOCK_DEPTH) refuse(node, `blocks nest more than ${MAX_BLOCK_DEPTH} deep`);
      const params = (node.params as Node[] | undefined) ?? [];
      const hash = node.hash as { pairs?: unknown[] } | undefined;
      if (params.length !== 1 || hash?.pairs?.length)
        refuse(node, `{{#${name}}} tests exactly one field, like {{#${name} spouseName}}`);
      if ((node.program as { blockParams?: unknown[] } | undefined)?.blockParams?.length)
        refuse(node, `{{#${name}}} takes no block parameters`);
      checkValue(params[0] as Node, depth);
      checkProgram(node.program as Node | undefined, depth + 1);
      checkProgram(node.inverse as Node | undefined, depth + 1);
      return;
    }
    case "PartialStatement":
    case "PartialBlockStatement":
      refuse(node, "partials ({{> …}}) are not part of card texts");
      break;
    case "DecoratorBlock":
    case "Decorator":
      refuse(node, "decorators ({{* …}}) are not part of card texts");
      break;
    default:
      refuse(node, `${node.type} is not part of the merge language`);
  }
}

function checkProgram(program: Node | undefined, depth: number): void {
  if (!program) return;
  for (const statement of (program.body as Node[] | undefined) ?? []) {
    checkStatement(statement, depth);
  }
}

/** Throws UnsupportedConstruct for the first construct outside the language. */
export function checkMergeLanguage(program: unknown): void {
  checkProgram(program as Node, 0);
}
