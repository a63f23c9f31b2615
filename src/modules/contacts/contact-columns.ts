/**
 * The columns a contacts CSV has beyond a campaign's (External ID, Spouse, Children, Tags, Notes,
 * Mail Status / Do Not Mail), how their cells read, and how an imported row updates a contact:
 * the file's columns replace what they hold (an empty cell clears), columns the file lacks keep
 * their values, and custom columns add to the contact's custom fields. Pure.
 */
import type { ExtraFields, HeaderReport, Person, RowError } from "../../csv/index.ts";
import { foldHeader } from "../../csv/index.ts";
import { CONTACT_LIMITS, type ContactFields, cleanList, textOrNull } from "./contact-fields.ts";
import type { MailStatus } from "./contacts.repository.ts";

/** Extra fields of the CSV import, by their folded header aliases (CRM, Google, Outlook exports). */
export const CONTACT_COLUMNS: ExtraFields = {
  externalId: [
    "externalid",
    "crmid",
    "id",
    "recordid",
    "contactid",
    "customerid",
    "clientid",
    "customernumber",
    "customerno",
    "externalreference",
  ],
  spouseName: [
    "spouse",
    "spousename",
    "partner",
    "partnername",
    "spousepartner",
    "spouseorpartner",
    "spousepartnername",
    "significantother",
    "husband",
    "wife",
  ],
  children: ["children", "kids", "childrensnames", "childrennames", "kidsnames", "child"],
  tags: ["tags", "tag", "labels", "label", "groups", "groupmembership", "categories", "segments"],
  notes: ["notes", "note", "comments", "comment", "remarks"],
  mailStatus: ["mailstatus", "mailingstatus", "postalstatus", "addressstatus"],
  doNotMail: [
    "donotmail",
    "dnm",
    "nomail",
    "donotsendmail",
    "mailoptout",
    "optoutmail",
    "donotcontact",
    "directmailoptout",
  ],
};

/** A file's Do Not Mail "no" lifts a do-not-mail, but leaves a returned address returned. */
export type ImportedMailStatus = MailStatus | "not_do_not_mail";

/** What the contact columns of one row say, for the columns the file has. */
export interface ColumnValues {
  externalId?: string | null;
  spouseName?: string | null;
  children?: string[];
  tags?: string[];
  notes?: string | null;
  /** Absent (no column, or an empty cell): the status stays as it is. */
  mailStatus?: ImportedMailStatus;
}

const STATUS_WORDS: Record<string, MailStatus> = {
  active: "active",
  ok: "active",
  mail: "active",
  mailable: "active",
  subscribed: "active",
  donotmail: "do_not_mail",
  dnm: "do_not_mail",
  nomail: "do_not_mail",
  optedout: "do_not_mail",
  optout: "do_not_mail",
  unsubscribed: "do_not_mail",
  donotcontact: "do_not_mail",
  returned: "returned",
  returnedmail: "returned",
  returntosender: "returned",
  rts: "returned",
  undeliverable: "returned",
  badaddress: "returned",
};
const YES = new Set(["yes", "y", "true", "t", "1", "x", "✓", "✔", "donotmail", "dnm", "optout"]);
const NO = new Set(["no", "n", "false", "f", "0"]);

/** Tags: "vip; golf", "vip, golf", Google's "* myContacts ::: Golf". */
const TAG_SEPARATORS = /\s*(?::::|[;,|\n])\s*/;
/** Children: "Anna, Ben and Cleo", "Anna & Ben", "Anna; Ben", "Anna / Ben". */
const CHILD_SEPARATORS = /\s*(?:[;,/\n]|\s(?:and|&|\+)\s)\s*/i;

/**
 * Reads the contact columns of one row: the values, or what to fix. `extra` holds a value for
 * each contact column the file has (several columns of one field joined by newlines).
 */
export function readContactColumns(
  extra: Record<string, string>,
  header: HeaderReport,
): { ok: true; values: ColumnValues } | { ok: false; errors: RowError[] } {
  const errors: RowError[] = [];
  const values: ColumnValues = {};
  const column = (field: string) => header.columns.find((c) => c.field === field)?.header ?? field;
  const tooLong = (field: string, max: number, what: string) =>
    errors.push({
      field,
      column: column(field),
      message: `${column(field)} is longer than ${max} characters: shorten the ${what}.`,
    });

  if ("externalId" in extra) {
    values.externalId = textOrNull(extra.externalId);
    if ((values.externalId?.length ?? 0) > CONTACT_LIMITS.externalIdLength)
      tooLong("externalId", CONTACT_LIMITS.externalIdLength, "id");
  }
  if ("spouseName" in extra) {
    values.spouseName = textOrNull(extra.spouseName?.replaceAll("\n", " "));
    if ((values.spouseName?.length ?? 0) > CONTACT_LIMITS.spouseLength)
      tooLong("spouseName", CONTACT_LIMITS.spouseLength, "name");
  }
  if ("notes" in extra) values.notes = textOrNull(extra.notes);
  for (const [field, separators] of [
    ["tags", TAG_SEPARATORS],
    ["children", CHILD_SEPARATORS],
  ] as const) {
    if (!(field in extra)) continue;
    const raw = extra[field] ?? "";
    const items = cleanList(raw.split(separators).map((t) => t.replace(/^\*\s+/, "")));
    const what = field === "tags" ? "tags" : "names";
    if (items.length > CONTACT_LIMITS.listItems) {
      errors.push({
        field,
        column: column(field),
        message: `${column(field)} has ${items.length} ${what}: at most ${CONTACT_LIMITS.listItems} are kept per contact.`,
      });
    } else if (items.some((t) => t.length > CONTACT_LIMITS.itemLength)) {
      tooLong(field, CONTACT_LIMITS.itemLength, `${what} (separate them with ";")`);
    }
    values[field] = items;
  }

  const statuses: MailStatus[] = [];
  let lifted = false;
  for (const part of (extra.mailStatus ?? "").split("\n")) {
    if (!part.trim()) continue;
    const status = STATUS_WORDS[foldHeader(part)];
    if (status) statuses.push(status);
    else
      errors.push({
        field: "mailStatus",
        column: column("mailStatus"),
        message: `${column("mailStatus")} "${part}" is not a mail status: write active, do_not_mail or returned (or leave it empty to keep the status).`,
      });
  }
  for (const part of (extra.doNotMail ?? "").split("\n")) {
    if (!part.trim()) continue;
    const folded = foldHeader(part);
    if (YES.has(folded) || YES.has(part.trim())) statuses.push("do_not_mail");
    else if (NO.has(folded)) lifted = true;
    else
      errors.push({
        field: "doNotMail",
        column: column("doNotMail"),
        message: `${column("doNotMail")} "${part}" is neither yes nor no: write yes to stop mail to this contact, no to allow it.`,
      });
  }
  // Any "stop" wins over an "ok": a contact is never mailed because two columns disagree.
  if (statuses.includes("do_not_mail")) values.mailStatus = "do_not_mail";
  else if (statuses.includes("returned")) values.mailStatus = "returned";
  else if (statuses.includes("active")) values.mailStatus = "active";
  else if (lifted) values.mailStatus = "not_do_not_mail";

  return errors.length > 0 ? { ok: false, errors } : { ok: true, values };
}

/** Which recipient fields a file's columns carry: those it lacks keep their stored values. */
export interface PresentFields {
  address: boolean;
  company: boolean;
  email: boolean;
  phone: boolean;
  photo: boolean;
  birthday: boolean;
  anniversary: boolean;
}

export function presentFields(header: HeaderReport): PresentFields {
  const fields = new Set(header.columns.map((c) => c.field.replace(/^\w+\./, "")));
  const address = ["line1", "line2", "poBox", "city", "region", "postalCode", "country"].some((f) =>
    fields.has(f),
  );
  return {
    address,
    company: fields.has("company"),
    email: fields.has("email"),
    phone: fields.has("phone"),
    photo: fields.has("photo"),
    birthday: fields.has("birthday"),
    anniversary: fields.has("anniversary"),
  };
}

/** An imported row over the contact it updates (`existing`), or as a new contact. */
export function mergeImported(
  existing: ContactFields | undefined,
  row: Person,
  columns: ColumnValues,
  present: PresentFields,
): ContactFields {
  const before = existing?.person;
  const person: Person = {
    firstName: row.firstName,
    lastName: row.lastName,
    fullName: row.fullName,
    custom: { ...before?.custom, ...row.custom },
  };
  // Member by member, for one object shape over a 100,000-row import.
  const address = present.address ? row.address : before?.address;
  if (address !== undefined) person.address = address;
  const company = present.company ? row.company : before?.company;
  if (company !== undefined) person.company = company;
  const email = present.email ? row.email : before?.email;
  if (email !== undefined) person.email = email;
  const phone = present.phone ? row.phone : before?.phone;
  if (phone !== undefined) person.phone = phone;
  const photo = present.photo ? row.photo : before?.photo;
  if (photo !== undefined) person.photo = photo;
  const birthday = present.birthday ? row.birthday : before?.birthday;
  if (birthday !== undefined) person.birthday = birthday;
  const anniversary = present.anniversary ? row.anniversary : before?.anniversary;
  if (anniversary !== undefined) person.anniversary = anniversary;
  const status = columns.mailStatus;
  const was = existing?.mailStatus ?? "active";
  return {
    externalId:
      columns.externalId !== undefined ? columns.externalId : (existing?.externalId ?? null),
    person,
    spouseName:
      columns.spouseName !== undefined ? columns.spouseName : (existing?.spouseName ?? null),
    children: columns.children ?? existing?.children ?? [],
    tags: columns.tags ?? existing?.tags ?? [],
    notes: columns.notes !== undefined ? columns.notes : (existing?.notes ?? null),
    mailStatus:
      status === undefined
        ? was
        : status === "not_do_not_mail"
          ? was === "do_not_mail"
            ? "active"
            : was
          : status,
  };
}
