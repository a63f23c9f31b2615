/**
 * Merge: Handlebars with HTML escaping off (the output is a PDF) and prototype access off,
 * in a private environment with the card helpers only, and the closed language of
 * merge-language.ts checked before anything compiles. Variables are checked before rendering:
 * a name the data cannot supply is an error, never a blank on paper.
 */
import Handlebars from "handlebars";
import { type CardData, MONTH_NAMES } from "./card-data.ts";
import {
  BLOCK_HELPERS,
  checkMergeLanguage,
  INLINE_HELPERS,
  UnsupportedConstruct,
} from "./merge-language.ts";

/** A message (or template text) that does not compile; line and column are 1-based. */
export class MessageError extends Error {
  override name = "MessageError";
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

const hb = Handlebars.create();

/** "2024-03-14" or "--03-14" → "March 14"; `style` "long" adds the year when known. */
function formatDate(value: unknown, style?: unknown): string {
  const m = /^(\d{4}|-)-(\d{2})-(\d{2})/.exec(String(value ?? ""));
  if (!m) return String(value ?? "");
  const month = MONTH_NAMES[Number(m[2]) - 1];
  if (!month) return String(value);
  const day = Number(m[3]);
  return style === "long" && m[1] !== "-" ? `${month} ${day}, ${m[1]}` : `${month} ${day}`;
}

function isOptions(v: unknown): boolean {
  return typeof v === "object" && v !== null && "hash" in v && "data" in v;
}

hb.registerHelper("formatDate", (value: unknown, style: unknown) =>
  formatDate(value, isOptions(style) ? undefined : style),
);
hb.registerHelper("default", (value: unknown, fallback: unknown) =>
  value === undefined || value === null || String(value).trim() === "" ? fallback : value,
);
hb.registerHelper("titleCase", (value: unknown) =>
  String(value ?? "")
    .toLowerCase()
    .replace(/(^|[\s\-'])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase()),
);
hb.registerHelper("possessive", (value: unknown) => {
  const s = String(value ?? "");
  if (!s) return s;
  return /s$/i.test(s) ? `${s}’` : `${s}’s`;
});
hb.registerHelper("upper", (value: unknown) => String(value ?? "").toUpperCase());
hb.registerHelper("lower", (value: unknown) => String(value ?? "").toLowerCase());
// Gone from this environment even if a text slipped past the language check: log writes to the
// service's log, lookup and each walk the context, with re-roots it.
for (const name of ["log", "lookup", "each", "with"]) hb.unregisterHelper(name);

const HELPERS = new Set<string>([...BLOCK_HELPERS, ...Object.keys(INLINE_HELPERS)]);
/** Compiled code may call only these helpers; anything else fails to compile. */
const KNOWN_HELPERS = Object.fromEntries([...HELPERS].map((h) => [h, true]));

/** Merge variables every card has (empty when the recipient lacks the field). */
export const STANDARD_VARIABLES = [
  "firstName",
  "lastName",
  "fullName",
  "company",
  "addressLine1",
  "addressLine2",
  "city",
  "region",
  "postalCode",
  "country",
  "email",
  "phone",
  "birthday",
  "anniversary",
  // A contact's family (contacts.repository.ts contactRecipient puts them in custom).
  "spouseName",
  "children",
  "businessName",
  "signature",
  "campaignName",
  "occasion",
  // The card's own short URL (empty without a landing URL).
  "qrUrl",
] as const;

type HbNode = { type: string; [key: string]: unknown };

function collect(node: unknown, out: Set<string>): void {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const n of node) collect(n, out);
    return;
  }
  const n = node as HbNode;
  if (n.type === "PathExpression") {
    const p = n as unknown as { data: boolean; depth: number; parts: string[]; original: string };
    const head = p.parts[0];
    if (!p.data && p.depth === 0 && head && p.original !== "this") out.add(head);
    return;
  }
  if (n.type === "MustacheStatement" || n.type === "SubExpression" || n.type === "BlockStatement") {
    const path = n.path as HbNode & { original?: string };
    const params = (n.params as unknown[]) ?? [];
    const isHelper = params.length > 0 || HELPERS.has(String(path.original));
    if (!isHelper) collect(path, out);
    collect(params, out);
    collect(n.hash, out);
    collect(n.program, out);
    collect(n.inverse, out);
    return;
  }
  for (const value of Object.values(n)) if (typeof value === "object") collect(value, out);
}

function parse(source: string): hbs.AST.Program {
  let ast: hbs.AST.Program;
  try {
    ast = hb.parse(source);
  } catch (e) {
    // Parse errors carry the position only in their text: "Parse error on line 2:\n<source>\n---^\n<detail>".
    const err = e as Error & { lineNumber?: number; column?: number };
    const lines = err.message.split("\n");
    const line = err.lineNumber ?? Number(/on line (\d+)/.exec(err.message)?.[1] ?? Number.NaN);
    const caret = lines.find((l) => /^-*\^$/.test(l));
    const column = err.column !== undefined ? err.column + 1 : caret ? caret.length : undefined;
    const detail = lines[lines.length - 1] ?? err.message;
    throw new MessageError(
      `message does not compile at line ${Number.isNaN(line) ? "?" : line}${column ? `, column ${column}` : ""}: ${detail}`,
      Number.isNaN(line) ? undefined : line,
      column,
    );
  }
  try {
    checkMergeLanguage(ast);
  } catch (e) {
    if (!(e instanceof UnsupportedConstruct)) throw e;
    const at = e.at ? ` at line ${e.at.line}, column ${e.at.column}` : "";
    throw new MessageError(
      `not allowed in card texts${at}: ${e.message}`,
      e.at?.line,
      e.at?.column,
    );
  }
  return ast;
}

const GUARDS = new Set<string>(BLOCK_HELPERS);

/**
 * Variables the message prints unconditionally: an empty value would leave a blank on paper.
 * A variable tested by {{#if x}} / {{#unless x}} around its use, or given a
 * fallback with {{default x "…"}}, may be empty.
 */
function collectPrinted(node: unknown, guarded: ReadonlySet<string>, out: Set<string>): void {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const n of node) collectPrinted(n, guarded, out);
    return;
  }
  const n = node as HbNode;
  const head = (p: unknown): string | undefined => {
    const path = p as { type?: string; data?: boolean; depth?: number; parts?: string[] };
    return path?.type === "PathExpression" && !path.data && path.depth === 0
      ? path.parts?.[0]
      : undefined;
  };
  if (n.type === "BlockStatement") {
    const name = (n.path as { original?: string }).original ?? "";
    const tested = GUARDS.has(name) ? head((n.params as unknown[])[0]) : undefined;
    const inner = tested ? new Set([...guarded, tested]) : guarded;
    collectPrinted(n.program, inner, out);
    collectPrinted(n.inverse, inner, out);
    return;
  }
  if (n.type === "MustacheStatement") {
    const name = (n.path as { original?: string }).original ?? "";
    if (name === "default") return;
    const params = (n.params as unknown[]) ?? [];
    for (const p of params.length ? params : [n.path]) {
      const v = head(p);
      if (v && !guarded.has(v) && !HELPERS.has(v)) out.add(v);
    }
    return;
  }
  if (n.type === "Program") collectPrinted(n.body, guarded, out);
}

/**
 * Compiles a message (checks its syntax) and lists the variables it uses, and among them those it
 * prints unconditionally (`required`: each card needs a value for them).
 */
export function compileMessage(source: string): { variables: string[]; required: string[] } {
  let found = analysed.get(source);
  if (!found) {
    const ast = parse(source);
    const vars = new Set<string>();
    collect(ast.body, vars);
    const printed = new Set<string>();
    collectPrinted(ast.body, new Set(), printed);
    found = {
      variables: [...vars].sort(),
      required: [...printed].filter((v) => vars.has(v)).sort(),
    };
    if (analysed.size > 1000) analysed.clear();
    analysed.set(source, found);
  }
  // Copies: callers may sort or filter what they get.
  return { variables: [...found.variables], required: [...found.required] };
}

/**
 * What compileMessage found, per source: a card checks its design's five texts, which are the
 * same for every card of a campaign, and parsing them again was a few percent of a card.
 * Sources that do not compile are not kept (they throw each time).
 */
const analysed = new Map<string, { variables: string[]; required: string[] }>();

/** The flat variable context for one card (DESIGN.md §4). */
export function mergeContext(data: CardData): Record<string, string> {
  const r = data.recipient;
  const ctx: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.custom ?? {})) ctx[k] = v;
  Object.assign(ctx, {
    firstName: r.firstName,
    lastName: r.lastName,
    fullName: r.fullName,
    company: r.company ?? "",
    addressLine1: r.address.line1,
    addressLine2: r.address.line2 ?? "",
    city: r.address.city,
    region: r.address.region ?? "",
    postalCode: r.address.postalCode ?? "",
    country: r.address.country,
    email: r.email ?? "",
    phone: r.phone ?? "",
    birthday: r.birthday ?? "",
    anniversary: r.anniversary ?? "",
    spouseName: r.custom?.spouseName ?? "",
    children: r.custom?.children ?? "",
    businessName: data.sender.businessName,
    signature: data.sender.signature ?? data.sender.businessName,
    campaignName: data.campaign?.name ?? "",
    occasion: data.campaign?.occasion ?? "",
    qrUrl: data.qrUrl ?? "",
  });
  return ctx;
}

/**
 * Variables in `source` that neither the standard fields nor the data's custom fields
 * (or the given list of known names) supply. Empty means the message can render.
 */
export function checkMessageVariables(
  source: string,
  known: CardData | readonly string[],
): string[] {
  // Asked for each of a card's texts: no new set of the standard names per text.
  const extra = Array.isArray(known)
    ? (known as readonly string[])
    : Object.keys((known as CardData).recipient.custom ?? {});
  return compileMessage(source).variables.filter(
    (v) => !STANDARD_NAMES.has(v) && !extra.includes(v),
  );
}

const STANDARD_NAMES: ReadonlySet<string> = new Set(STANDARD_VARIABLES);

export type MergeFn = (context: Record<string, string>) => string;

const compiled = new Map<string, MergeFn>();

/**
 * A text that is only literal text and plain `{{name}}` fields (most messages, every signature
 * and footer) merged by concatenation: what Handlebars prints for it with escaping off and
 * prototype access off (an own property's value, nothing for a missing one), without its
 * per-call setup, which copies the helper table and was a tenth of a batch card. Anything else
 * (helpers, blocks, comments, whitespace control, paths) returns undefined: Handlebars merges it.
 */
function plainMerge(ast: hbs.AST.Program): MergeFn | undefined {
  const parts: Array<string | { field: string }> = [];
  for (const node of ast.body) {
    if (node.type === "ContentStatement") {
      const c = node as hbs.AST.ContentStatement;
      // Standalone stripping and `~` rewrite content only around blocks, partials and comments.
      // (@types/handlebars calls `original` StripFlags; it is the source text.)
      if (c.value !== (c as unknown as { original: unknown }).original) return undefined;
      parts.push(c.value);
      continue;
    }
    if (node.type !== "MustacheStatement") return undefined;
    const m = node as hbs.AST.MustacheStatement;
    const path = m.path as hbs.AST.PathExpression;
    if (
      path.type !== "PathExpression" ||
      m.params.length > 0 ||
      (m.hash && m.hash.pairs.length > 0) ||
      m.strip.open ||
      m.strip.close ||
      path.data ||
      path.depth !== 0 ||
      path.parts.length !== 1 ||
      path.original !== path.parts[0] ||
      HELPERS.has(path.original) ||
      // Handlebars reads these even as own properties only through its proto checks.
      path.original === "this" ||
      path.original === "constructor" ||
      path.original === "__proto__"
    )
      return undefined;
    parts.push({ field: path.original });
  }
  return (context) => {
    let out = "";
    for (const p of parts) {
      if (typeof p === "string") out += p;
      else if (Object.hasOwn(context, p.field)) {
        const v: unknown = context[p.field];
        if (v != null) out += String(v);
      }
    }
    return out.normalize("NFC");
  };
}

/** Compiled, cached template function for `source` (strict about prototype access). */
export function mergeFunction(source: string): MergeFn {
  let fn = compiled.get(source);
  if (!fn) {
    fn = plainMerge(parse(source)) ?? handlebarsMerge(source);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(source, fn);
  }
  return fn;
}

/** Handlebars' own merge of `source`, for texts {@link plainMerge} does not take. */
function handlebarsMerge(source: string): MergeFn {
  const t = hb.compile(source, {
    noEscape: true,
    strict: false,
    data: false,
    knownHelpers: KNOWN_HELPERS,
    knownHelpersOnly: true,
  });
  return (context) =>
    t(context, {
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    }).normalize("NFC");
}
