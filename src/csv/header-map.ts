import { AppError } from "../errors.ts";
import { customKey, foldHeader } from "./fold.ts";
import { ADDRESS_GROUPS, FIELD_ALIASES, GROUP_PART_ALIASES } from "./header-aliases.ts";
import { RECIPIENT_FIELDS } from "./types.ts";

export type AddressPart =
  | "line1"
  | "line2"
  | "poBox"
  | "city"
  | "region"
  | "postalCode"
  | "country";
export type PersonField =
  | "firstName"
  | "lastName"
  | "fullName"
  | "company"
  | "email"
  | "phone"
  | "birthday"
  | "anniversary"
  | "photo";

const ADDRESS_PARTS: readonly AddressPart[] = [
  "line1",
  "line2",
  "poBox",
  "city",
  "region",
  "postalCode",
  "country",
];
const PERSON_FIELDS: readonly PersonField[] = [
  "firstName",
  "lastName",
  "fullName",
  "company",
  "email",
  "phone",
  "birthday",
  "anniversary",
  "photo",
];

/** Where one column's value goes. `group` "" is the plain address (no Home/Business prefix). */
export type ColumnTarget =
  | { kind: "person"; field: PersonField }
  | { kind: "address"; group: string; part: AddressPart }
  | { kind: "custom"; key: string }
  | { kind: "extra"; field: string }
  | { kind: "ignore" };

/** Extra fields an import reads (ImportOptions.extraFields): field → folded header aliases. */
export type ExtraFields = Readonly<Record<string, readonly string[]>>;

/** Column indexes of one address group, by part. */
export type AddressColumns = Record<AddressPart, number[]>;

/** The header row compiled for fast per-row reading. */
export interface HeaderPlan {
  headers: string[];
  targets: ColumnTarget[];
  person: Record<PersonField, number[]>;
  /** Address groups present, in order of preference ("" first). */
  addresses: { group: string; columns: AddressColumns }[];
  custom: { index: number; key: string }[];
  /** Columns of each extra field present, by field. */
  extra: Record<string, number[]>;
  /** One "Address" column and no city/postal columns: Mailchimp's double-space-joined address. */
  combinedAddress: boolean;
}

const PLAIN = new Map<string, ColumnTarget>();
for (const [field, aliases] of Object.entries(FIELD_ALIASES)) {
  const target: ColumnTarget = ADDRESS_PARTS.includes(field as AddressPart)
    ? { kind: "address", group: "", part: field as AddressPart }
    : { kind: "person", field: field as PersonField };
  for (const alias of aliases) PLAIN.set(alias, target);
}
const GROUP_PARTS = new Map<string, AddressPart>();
for (const [part, aliases] of Object.entries(GROUP_PART_ALIASES)) {
  for (const alias of aliases) GROUP_PARTS.set(alias, part as AddressPart);
}

/** Recognises one header without help: a known name, or a group prefix plus an address part. */
export function recogniseHeader(header: string): ColumnTarget | undefined {
  const folded = foldHeader(header);
  const plain = PLAIN.get(folded);
  if (plain) return plain;
  for (const group of ADDRESS_GROUPS) {
    if (folded.startsWith(group)) {
      const part = GROUP_PARTS.get(folded.slice(group.length));
      if (part) return { kind: "address", group, part };
    }
  }
  return undefined;
}

/** Parses a `mapping` value: field, group.field, custom:key, an extra field or ignore. */
export function parseMappingValue(
  header: string,
  value: string,
  extraFields: ExtraFields = {},
): ColumnTarget {
  const v = value.trim();
  if (v === "ignore") return { kind: "ignore" };
  if (Object.hasOwn(extraFields, v)) return { kind: "extra", field: v };
  if (v.startsWith("custom:")) {
    const key = v.slice("custom:".length).trim();
    if (key) return { kind: "custom", key };
  } else {
    const dot = v.indexOf(".");
    const group = dot < 0 ? "" : v.slice(0, dot);
    const field = dot < 0 ? v : v.slice(dot + 1);
    if ((ADDRESS_PARTS as readonly string[]).includes(field)) {
      if (group === "" || /^[a-z][a-z0-9]*$/.test(group))
        return { kind: "address", group, part: field as AddressPart };
    } else if (dot < 0 && (PERSON_FIELDS as readonly string[]).includes(field)) {
      return { kind: "person", field: field as PersonField };
    }
  }
  throw new AppError(
    "validation",
    `mapping["${header}"] is "${value}", which is not a field: use one of ${[...RECIPIENT_FIELDS, ...Object.keys(extraFields)].join(", ")}, poBox, an address field with a group (home.line1), "custom:<key>" or "ignore".`,
    { errors: [{ field: `mapping.${header}`, message: "not a recipient field" }] },
  );
}

/** Validates a mapping before any byte is read, so a typo is a 400 and not a failed import. */
export function compileMapping(
  mapping: Record<string, string> = {},
  extraFields: ExtraFields = {},
): Map<string, ColumnTarget> {
  const compiled = new Map<string, ColumnTarget>();
  for (const [header, value] of Object.entries(mapping)) {
    compiled.set(header, parseMappingValue(header, value, extraFields));
  }
  return compiled;
}

/**
 * Builds the plan for a header row; `mapping` wins over recognition (recipient fields, then the
 * extra fields), unknown headers become custom.
 */
export function planHeaders(
  headers: string[],
  mapping: Map<string, ColumnTarget>,
  extraFields: ExtraFields = {},
): HeaderPlan {
  const extraAliases = new Map<string, string>();
  for (const [field, aliases] of Object.entries(extraFields)) {
    for (const alias of aliases) extraAliases.set(alias, field);
  }
  const foldedMapping = new Map<string, ColumnTarget>();
  for (const [key, target] of mapping) foldedMapping.set(foldHeader(key), target);
  const used = new Set<string>();
  for (const key of mapping.keys()) {
    if (!headers.includes(key) && !headers.some((h) => foldHeader(h) === foldHeader(key))) {
      throw new AppError(
        "validation",
        `mapping names the column "${key}", which is not in the file. Its columns are: ${headers.map((h) => `"${h}"`).join(", ")}.`,
        { errors: [{ field: `mapping.${key}`, message: "no such column in the file" }] },
      );
    }
  }

  const person = Object.fromEntries(PERSON_FIELDS.map((f) => [f, [] as number[]])) as Record<
    PersonField,
    number[]
  >;
  const groups = new Map<string, AddressColumns>();
  const custom: { index: number; key: string }[] = [];
  const extra: Record<string, number[]> = {};
  const recogniseExtra = (header: string): ColumnTarget | undefined => {
    const field = extraAliases.get(foldHeader(header));
    return field === undefined ? undefined : { kind: "extra", field };
  };
  const targets = headers.map((header, index): ColumnTarget => {
    const target = mapping.get(header) ??
      foldedMapping.get(foldHeader(header)) ??
      recogniseHeader(header) ??
      recogniseExtra(header) ?? { kind: "custom", key: customKey(header, index + 1) };
    if (target.kind === "person") person[target.field].push(index);
    else if (target.kind === "extra") extra[target.field] = [...(extra[target.field] ?? []), index];
    else if (target.kind === "address") {
      let columns = groups.get(target.group);
      if (!columns) {
        columns = Object.fromEntries(
          ADDRESS_PARTS.map((p) => [p, [] as number[]]),
        ) as AddressColumns;
        groups.set(target.group, columns);
      }
      columns[target.part].push(index);
    } else if (target.kind === "custom") {
      let key = target.key;
      for (let n = 2; used.has(key); n++) key = `${target.key}${n}`;
      used.add(key);
      custom.push({ index, key });
      return { kind: "custom", key };
    }
    return target;
  });

  const order = ["", ...ADDRESS_GROUPS];
  const addresses = [...groups.entries()]
    .sort(([a], [b]) => rank(order, a) - rank(order, b))
    .map(([group, columns]) => ({ group, columns }));
  const plain = groups.get("");
  const anyCityOrPostal = [...groups.values()].some(
    (c) => c.city.length > 0 || c.postalCode.length > 0,
  );
  return {
    headers,
    targets,
    person,
    addresses,
    custom,
    extra,
    combinedAddress: plain !== undefined && plain.line1.length === 1 && !anyCityOrPostal,
  };
}

function rank(order: string[], group: string): number {
  const i = order.indexOf(group);
  return i < 0 ? order.length : i;
}

/** How a column shows in the header report: `firstName`, `home.line1`, `custom:lastPurchase`, `ignore`. */
export function describeTarget(target: ColumnTarget): string {
  switch (target.kind) {
    case "person":
      return target.field;
    case "address":
      return target.group ? `${target.group}.${target.part}` : target.part;
    case "custom":
      return `custom:${target.key}`;
    case "extra":
      return target.field;
    case "ignore":
      return "ignore";
  }
}
