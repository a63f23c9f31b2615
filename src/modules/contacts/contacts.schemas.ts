import { Type } from "typebox";
import { AddressJsonSchema, Nullable } from "../shared/json-schemas.ts";
import { CONTACT_LIMITS } from "./contact-fields.ts";
import type { ContactImportRow } from "./contact-imports.repository.ts";
import { type ContactRow, isoDate } from "./contacts.repository.ts";

/** An optional text member; null (or "") clears it. */
const Text = (maxLength: number, description?: string) =>
  Type.Optional(Nullable(Type.String({ maxLength, ...(description ? { description } : {}) })));
const NameList = (description: string) =>
  Type.Array(Type.String({ maxLength: CONTACT_LIMITS.itemLength }), {
    maxItems: CONTACT_LIMITS.listItems,
    description,
  });
const MailStatus = Type.Union(
  [Type.Literal("active"), Type.Literal("do_not_mail"), Type.Literal("returned")],
  {
    description:
      "active; do_not_mail (the person asked for no mail); returned (mail came back). Only active contacts get cards.",
  },
);
const DATE_HELP =
  "A full date 1990-03-14 or a month-day --03-14; the CSV formats (03/14/1990, 14.03.1990, March 14) are read too. Placeholders (1900-01-01, 1970-01-01…), impossible dates and dates in the future are refused.";

/**
 * A contact as the API takes it (POST, PATCH, and each item of a batch). Every member is optional
 * here: a new contact needs a name, which the import's own checks ask for with a clear message.
 */
export const ContactInput = Type.Object(
  {
    external_id: Text(
      CONTACT_LIMITS.externalIdLength,
      "Your CRM's id: a POST with an external_id you used before updates that contact.",
    ),
    first_name: Text(200),
    last_name: Text(200),
    full_name: Text(
      300,
      "As it prints on top of the card; made from first and last name if left out.",
    ),
    company: Text(300),
    address: Type.Optional(
      Type.Union([
        Type.Object(
          {
            line1: Text(300),
            line2: Text(300),
            city: Text(200),
            region: Text(100),
            postal_code: Text(20),
            country: Text(
              100,
              "ISO 3166-1 alpha-2 or a country name; the account's country if left out.",
            ),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
    email: Text(320),
    phone: Text(50),
    birthday: Text(40, DATE_HELP),
    anniversary: Text(40, DATE_HELP),
    spouse_name: Text(CONTACT_LIMITS.spouseLength),
    children: Type.Optional(
      NameList("Names, in order; {{children}} prints them as “Anna, Ben and Cleo”."),
    ),
    tags: Type.Optional(
      NameList("Labels to choose contacts by (campaigns, automations, the list's tag filter)."),
    ),
    custom: Type.Optional(
      Type.Record(Type.String({ maxLength: 100 }), Nullable(Type.String({ maxLength: 1000 })), {
        maxProperties: CONTACT_LIMITS.customFields,
        description:
          "More merge variables; keys fold to camelCase like CSV headers (last_purchase → {{lastPurchase}}). In a PATCH, null removes one.",
      }),
    ),
    notes: Text(CONTACT_LIMITS.notesLength, "For people; never printed."),
    mail_status: Type.Optional(MailStatus),
    photo: Text(300, "An uploaded photo's file name or id, for this contact's cards."),
  },
  { additionalProperties: false },
);

export const MAX_BATCH = 1000;

export const ContactSchema = Type.Object(
  {
    object: Type.Literal("contact"),
    id: Type.String(),
    external_id: Nullable(Type.String()),
    first_name: Type.String(),
    last_name: Type.String(),
    full_name: Type.String(),
    company: Nullable(Type.String()),
    address: Type.Union([AddressJsonSchema, Type.Null()]),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    birthday: Nullable(Type.String({ description: "YYYY-MM-DD, or --MM-DD without the year." })),
    anniversary: Nullable(Type.String()),
    spouse_name: Nullable(Type.String()),
    children: Type.Array(Type.String()),
    tags: Type.Array(Type.String()),
    custom: Type.Record(Type.String(), Type.String()),
    notes: Nullable(Type.String()),
    mail_status: MailStatus,
    photo: Nullable(Type.String({ description: "As given (a photo's name or id)." })),
    photo_id: Nullable(Type.String()),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  { $id: "Contact" },
);

export function contactJson(row: ContactRow) {
  const d = row.data;
  const a = d.address;
  return {
    object: "contact" as const,
    id: row.id,
    external_id: row.external_id,
    first_name: d.firstName,
    last_name: d.lastName,
    full_name: d.fullName,
    company: d.company ?? null,
    address: a
      ? {
          line1: a.line1,
          line2: a.line2 ?? null,
          city: a.city,
          region: a.region ?? null,
          postal_code: a.postalCode ?? null,
          country: a.country,
        }
      : null,
    email: d.email ?? null,
    phone: d.phone ?? null,
    birthday: isoDate(row.birthday_year, row.birthday_month, row.birthday_day) ?? null,
    anniversary: isoDate(row.anniversary_year, row.anniversary_month, row.anniversary_day) ?? null,
    spouse_name: row.spouse_name,
    children: row.children,
    tags: row.tags,
    custom: d.custom,
    notes: row.notes,
    mail_status: row.mail_status,
    photo: d.photo ?? null,
    photo_id: row.photo_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export const ContactListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  after: Type.Optional(Type.String({ maxLength: 200 })),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: "Part of the name, email or city, any case.",
    }),
  ),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: CONTACT_LIMITS.itemLength })),
  birthday_month: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
  mail_status: Type.Optional(MailStatus),
});

const Problem = Type.Object({
  row: Type.Integer(),
  field: Type.String(),
  column: Type.Optional(Type.String()),
  message: Type.String(),
});

export const ContactImportSchema = Type.Object(
  {
    object: Type.Literal("contact_import"),
    id: Type.String(),
    filename: Nullable(Type.String()),
    encoding: Nullable(Type.String()),
    delimiter: Nullable(Type.String()),
    columns: Type.Array(Type.Object({ header: Type.String(), field: Type.String() })),
    rows: Type.Integer(),
    created: Type.Integer(),
    updated: Type.Integer(),
    rejected: Type.Integer(),
    duplicates: Type.Integer({
      description: "Rows whose External ID an earlier row of the file had.",
    }),
    warned: Type.Integer({ description: "Rows imported without a value that could not be used." }),
    errors: Type.Array(Problem, {
      description: "The first 100 row errors; the failures CSV has every rejected row.",
    }),
    warnings: Type.Array(Problem, {
      description: "The first 100 warnings (a placeholder birthday left out…).",
    }),
    failures_url: Nullable(Type.String()),
    created_at: Type.String(),
  },
  { $id: "ContactImport" },
);

export function contactImportJson(row: ContactImportRow) {
  return {
    object: "contact_import" as const,
    id: row.id,
    filename: row.filename,
    encoding: row.encoding,
    delimiter: row.delimiter,
    columns: row.columns,
    rows: row.rows,
    created: row.created,
    updated: row.updated,
    rejected: row.rejected,
    duplicates: row.duplicates,
    warned: row.warned,
    errors: row.errors,
    warnings: row.warnings,
    failures_url: row.failures_key ? `/v1/contacts/imports/${row.id}/failures.csv` : null,
    created_at: row.created_at.toISOString(),
  };
}
