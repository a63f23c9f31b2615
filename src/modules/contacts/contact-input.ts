/**
 * Contacts sent as JSON (POST one or a batch, PATCH): the body's shape is checked against
 * ContactInput, the dates are read strictly (a placeholder or impossible date is a 400 naming the
 * field, never a dropped value the caller did not see), and the recipient part — names, address,
 * email, phone, custom — goes through the very same row checks as a CSV, so a contact is the same
 * whichever way it came in.
 */
import { Readable } from "node:stream";
import { Value } from "typebox/value";
import {
  customKey,
  parseOccasionDate,
  parsePeople,
  type RowOutcome,
  readsMonthFirst,
} from "../../csv/index.ts";
import { csvRecordLine } from "../../csv/json-records.ts";
import type { FieldError } from "../../errors.ts";
import { type ContactFields, cleanList, textOrNull } from "./contact-fields.ts";
import type { MailStatus } from "./contacts.repository.ts";
import { ContactInput } from "./contacts.schemas.ts";

/** A JSON contact after its shape was checked (what ContactInput allows). */
export interface ContactJson {
  external_id?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  full_name?: string | null;
  company?: string | null;
  address?: {
    line1?: string | null;
    line2?: string | null;
    city?: string | null;
    region?: string | null;
    postal_code?: string | null;
    country?: string | null;
  } | null;
  email?: string | null;
  phone?: string | null;
  birthday?: string | null;
  anniversary?: string | null;
  spouse_name?: string | null;
  children?: string[];
  tags?: string[];
  custom?: Record<string, string | null>;
  notes?: string | null;
  mail_status?: MailStatus;
  photo?: string | null;
}

export type InputResult = { ok: true; fields: ContactFields } | { ok: false; errors: FieldError[] };

/** The shape errors of one item, one per field, with paths under `prefix` ("body", "body.data.3"). */
export function shapeErrors(item: unknown, prefix: string): FieldError[] {
  if (!item || typeof item !== "object" || Array.isArray(item))
    return [{ field: prefix, message: "must be an object (a contact)" }];
  const byPath = new Map<string, string>();
  for (const e of Value.Errors(ContactInput, item)) {
    const path = e.instancePath.replace(/^\//, "").replaceAll("/", ".");
    if (e.keyword === "additionalProperties") {
      const names = (e.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      for (const name of names)
        byPath.set([path, name].filter(Boolean).join("."), `unknown field "${name}"`);
      continue;
    }
    // A union member's "must be null" and the union's own summary say nothing a caller needs.
    if (e.keyword === "anyOf" || e.keyword === "boolean" || e.message === "must be null") continue;
    if (!byPath.has(path)) byPath.set(path, e.message);
  }
  return [...byPath].map(([path, message]) => ({
    field: path ? `${prefix}.${path}` : prefix,
    message,
  }));
}

/**
 * A stored contact in the JSON shape, so that a PATCH or an upsert is merged over it and then
 * checked whole, exactly like a new contact.
 */
export function jsonOf(fields: ContactFields): ContactJson {
  const p = fields.person;
  return {
    external_id: fields.externalId,
    first_name: p.firstName,
    last_name: p.lastName,
    full_name: p.fullName,
    company: p.company ?? null,
    address: p.address
      ? {
          line1: p.address.line1,
          line2: p.address.line2 ?? null,
          city: p.address.city,
          region: p.address.region ?? null,
          postal_code: p.address.postalCode ?? null,
          country: p.address.country,
        }
      : null,
    email: p.email ?? null,
    phone: p.phone ?? null,
    birthday: p.birthday ?? null,
    anniversary: p.anniversary ?? null,
    spouse_name: fields.spouseName,
    children: fields.children,
    tags: fields.tags,
    custom: p.custom,
    notes: fields.notes,
    mail_status: fields.mailStatus,
    photo: p.photo ?? null,
  };
}

/**
 * `patch` over `base`: members sent replace, members left out keep their value, `address` and
 * `custom` merge member by member (a null address clears it, a null custom value removes it).
 * Changing a first or last name without a full name lets the full name be made again.
 */
export function mergeJson(base: ContactJson, patch: ContactJson): ContactJson {
  const out: ContactJson = { ...base, ...patch };
  if (("first_name" in patch || "last_name" in patch) && !("full_name" in patch))
    delete out.full_name;
  if (patch.address !== undefined && patch.address !== null && base.address)
    out.address = { ...base.address, ...patch.address };
  if (patch.custom) {
    // Keys fold as stored ("last_purchase" is lastPurchase), so a patch replaces, not adds.
    const custom = foldKeys(base.custom ?? {});
    for (const [key, value] of Object.entries(foldKeys(patch.custom))) {
      if (value === null) delete custom[key];
      else custom[key] = value;
    }
    out.custom = custom;
  }
  return out;
}

function foldKeys(custom: Record<string, string | null>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(custom)) out[customKey(key, 0)] = value;
  return out;
}

/** CSV headers of the recipient part, each pinned to its field (no guessing from JSON keys). */
const PERSON_COLUMNS: [header: string, field: string, read: (c: ContactJson) => unknown][] = [
  ["first_name", "firstName", (c) => c.first_name],
  ["last_name", "lastName", (c) => c.last_name],
  ["full_name", "fullName", (c) => c.full_name],
  ["company", "company", (c) => c.company],
  ["address.line1", "line1", (c) => c.address?.line1],
  ["address.line2", "line2", (c) => c.address?.line2],
  ["address.city", "city", (c) => c.address?.city],
  ["address.region", "region", (c) => c.address?.region],
  ["address.postal_code", "postalCode", (c) => c.address?.postal_code],
  ["address.country", "country", (c) => c.address?.country],
  ["email", "email", (c) => c.email],
  ["phone", "phone", (c) => c.phone],
  ["birthday", "birthday", (c) => c.birthday],
  ["anniversary", "anniversary", (c) => c.anniversary],
  ["photo", "photo", (c) => c.photo],
];

/**
 * Checks complete contacts (already merged over what they update): the dates strictly, then the
 * recipient part through the CSV row checks, all items in one pass. One result per item, in order.
 * `prefix(i)` names item i in error fields ("body", "body.data.3").
 */
export async function readContacts(
  sent: ContactJson[],
  ctx: { defaultCountry: string; today: string; prefix: (i: number) => string },
): Promise<InputResult[]> {
  // Custom keys fold like CSV headers; two that fold alike are one field (the later value wins).
  const items = sent.map((item) =>
    item.custom ? { ...item, custom: foldKeys(item.custom) } : item,
  );
  const monthFirst = readsMonthFirst(ctx.defaultCountry);
  const errors: FieldError[][] = items.map(() => []);
  const dates = items.map((item, i) => {
    const out: { birthday?: string; anniversary?: string } = {};
    for (const field of ["birthday", "anniversary"] as const) {
      const raw = item[field];
      if (!raw?.trim()) continue;
      const parsed = parseOccasionDate(raw, monthFirst, ctx.today);
      if (parsed?.ok) out[field] = parsed.value;
      else if (parsed)
        errors[i]?.push({
          field: `${ctx.prefix(i)}.${field}`,
          message: `"${raw}" ${parsed.reason}: send the real date as 1990-03-14 (or --03-14 without the year), or null when it is not known.`,
        });
    }
    return out;
  });

  const customKeys = [...new Set(items.flatMap((item) => Object.keys(item.custom ?? {})))].sort();
  const headers = [...PERSON_COLUMNS.map(([h]) => h), ...customKeys.map((k) => `custom.${k}`)];
  const mapping: Record<string, string> = {};
  for (const [header, field] of PERSON_COLUMNS) mapping[header] = field;
  for (const k of customKeys) mapping[`custom.${k}`] = `custom:${k}`;
  const lines = [csvRecordLine(headers)];
  items.forEach((item, i) => {
    const values = PERSON_COLUMNS.map(([header, , read]) => {
      if (header === "birthday" || header === "anniversary") return dates[i]?.[header] ?? "";
      const v = read(item);
      return typeof v === "string" ? v : "";
    });
    for (const k of customKeys) values.push(item.custom?.[k] ?? "");
    lines.push(csvRecordLine(values));
  });

  const parsed = parsePeople(Readable.from([Buffer.from(lines.join(""))]), {
    mapping,
    defaultCountry: ctx.defaultCountry,
    dedupe: false,
    badDates: "drop",
    today: ctx.today,
    limits: { maxRows: Math.max(items.length, 1) },
  });
  const outcomes = new Map<number, RowOutcome<ContactFields["person"]>>();
  for await (const outcome of parsed.rows) outcomes.set(outcome.row - 2, outcome);

  return items.map((item, i): InputResult => {
    const problems = errors[i] ?? [];
    const outcome = outcomes.get(i);
    if (!outcome) {
      problems.push({
        field: `${ctx.prefix(i)}.first_name`,
        message: "is missing: a contact needs a first name or a full name.",
      });
    } else if (outcome.kind === "rejected") {
      for (const e of outcome.errors) {
        const where = e.column ?? e.field;
        const message =
          e.column && e.message.startsWith(e.column)
            ? e.message.slice(e.column.length).trim()
            : e.message;
        problems.push({ field: `${ctx.prefix(i)}.${where}`, message });
      }
    }
    if (problems.length > 0 || outcome?.kind !== "recipient")
      return { ok: false, errors: problems };
    const person = outcome.recipient;
    return {
      ok: true,
      fields: {
        externalId: textOrNull(item.external_id),
        person,
        spouseName: textOrNull(item.spouse_name),
        children: cleanList(item.children ?? []),
        tags: cleanList(item.tags ?? []),
        notes: textOrNull(item.notes),
        mailStatus: item.mail_status ?? "active",
      },
    };
  });
}
