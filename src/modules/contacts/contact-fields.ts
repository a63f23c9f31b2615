/**
 * A contact in one shape whatever it came from (a CSV row, a JSON body, the stored row), and how
 * that shape becomes the row that is written. Pure.
 */
import { dedupeKey, type Person } from "../../csv/index.ts";
import {
  type ContactRow,
  type ContactWrite,
  isoDate,
  type MailStatus,
} from "./contacts.repository.ts";

/** Bounds of a contact's own fields, the same over JSON and CSV. */
export const CONTACT_LIMITS = Object.freeze({
  /** Tags, and children. */
  listItems: 50,
  /** One tag or child's name. */
  itemLength: 100,
  spouseLength: 200,
  externalIdLength: 200,
  notesLength: 1000,
  customFields: 100,
});

export interface ContactFields {
  externalId: string | null;
  /** Names, address (if known), company, email, phone, photo (name or id), custom, and the dates as ISO text. */
  person: Person;
  spouseName: string | null;
  children: string[];
  tags: string[];
  notes: string | null;
  mailStatus: MailStatus;
}

export function fieldsOf(row: ContactRow): ContactFields {
  const person: Person = { ...row.data };
  const birthday = isoDate(row.birthday_year, row.birthday_month, row.birthday_day);
  const anniversary = isoDate(row.anniversary_year, row.anniversary_month, row.anniversary_day);
  if (birthday) person.birthday = birthday;
  if (anniversary) person.anniversary = anniversary;
  return {
    externalId: row.external_id,
    person,
    spouseName: row.spouse_name,
    children: row.children,
    tags: row.tags,
    notes: row.notes,
    mailStatus: row.mail_status,
  };
}

const NO_DATE: [null, null, null] = [null, null, null];

/** "1990-03-14" → [1990, 3, 14]; "--03-14" → [null, 3, 14]; none → nulls. */
function dateParts(iso: string | undefined): [number | null, number | null, number | null] {
  if (!iso) return NO_DATE;
  // The month and day are the last five characters of both forms.
  const md = iso.slice(-5);
  const year = iso.startsWith("--") ? null : Number(iso.slice(0, 4));
  return [year, Number(md.slice(0, 2)), Number(md.slice(3))];
}

/** The row to write for `fields`, with the photo already resolved to `photoId`. */
export function writeOf(id: string, fields: ContactFields, photoId: string | null): ContactWrite {
  const p = fields.person;
  // Built member by member (not by rest and spread): an import writes 100,000 of these.
  const custom: Record<string, string> = {};
  for (const key in p.custom) {
    const value = p.custom[key];
    // An empty custom value is no value: {{#if}} and the campaign's checks see it as missing.
    if (value) custom[key] = value;
  }
  const data: ContactWrite["data"] = {
    firstName: p.firstName,
    lastName: p.lastName,
    fullName: p.fullName,
    custom,
  };
  if (p.company !== undefined) data.company = p.company;
  if (p.address !== undefined) data.address = p.address;
  if (p.email !== undefined) data.email = p.email;
  if (p.phone !== undefined) data.phone = p.phone;
  if (p.photo !== undefined) data.photo = p.photo;
  const [by, bm, bd] = dateParts(p.birthday);
  const [ay, am, ad] = dateParts(p.anniversary);
  return {
    id,
    external_id: fields.externalId,
    data,
    birthday_year: by,
    birthday_month: bm,
    birthday_day: bd,
    anniversary_year: ay,
    anniversary_month: am,
    anniversary_day: ad,
    spouse_name: fields.spouseName,
    children: fields.children,
    tags: fields.tags,
    notes: fields.notes,
    mail_status: fields.mailStatus,
    photo_id: photoId,
    dedupe_key: p.address ? dedupeKey({ ...p, address: p.address }) : null,
  };
}

/** Trimmed, or null when empty. */
export function textOrNull(value: string | null | undefined): string | null {
  const t = value?.trim();
  return t ? t : null;
}

/** Trimmed, empty ones dropped, each kept once (first spelling wins). */
export function cleanList(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v !== ""))];
}
