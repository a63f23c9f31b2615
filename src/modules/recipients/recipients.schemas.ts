import { Type } from "typebox";
import type { ImportRow, RecipientRow } from "./recipients.repository.ts";

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const RecipientSchema = Type.Object(
  {
    object: Type.Literal("recipient"),
    id: Type.String(),
    campaign_id: Type.String(),
    first_name: Type.String(),
    last_name: Type.String(),
    full_name: Type.String({ description: "As printed on top of the card." }),
    company: Nullable(Type.String()),
    address: Type.Object({
      line1: Type.String(),
      line2: Nullable(Type.String()),
      city: Type.String(),
      region: Nullable(Type.String()),
      postal_code: Nullable(Type.String()),
      country: Type.String(),
    }),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    birthday: Nullable(Type.String()),
    anniversary: Nullable(Type.String()),
    photo_id: Nullable(Type.String()),
    custom: Type.Record(Type.String(), Type.String(), {
      description: "Other columns, as merge variables.",
    }),
    contact_id: Nullable(
      Type.String({ description: "The contact this recipient was taken from." }),
    ),
    import_id: Nullable(Type.String()),
    row_number: Type.Union([Type.Integer(), Type.Null()]),
    created_at: Type.String(),
    report: Type.Optional(
      Type.Unknown({
        description:
          "How the card renders now: font sizes, shrinking, fallback fonts, photo resolution, failure.",
      }),
    ),
  },
  { $id: "Recipient" },
);

export const ImportSchema = Type.Object(
  {
    object: Type.Literal("import"),
    id: Type.String(),
    campaign_id: Type.String(),
    source: Type.String(),
    filename: Nullable(Type.String()),
    encoding: Nullable(Type.String()),
    delimiter: Nullable(Type.String()),
    columns: Type.Array(Type.Object({ header: Type.String(), field: Type.String() })),
    rows: Type.Integer(),
    imported: Type.Integer(),
    rejected: Type.Integer(),
    duplicates: Type.Integer(),
    errors: Type.Array(
      Type.Object({
        row: Type.Integer(),
        field: Type.String(),
        column: Type.Optional(Type.String()),
        message: Type.String(),
      }),
      { description: "The first 100 row errors; the failures CSV has every rejected row." },
    ),
    failures_url: Nullable(Type.String()),
    created_at: Type.String(),
  },
  { $id: "RecipientImport" },
);

export const ImportQuery = Type.Object({
  default_country: Type.Optional(
    Type.String({
      pattern: "^[A-Za-z]{2}$",
      description: "Country for rows without one (ISO alpha-2).",
    }),
  ),
  mapping: Type.Optional(
    Type.String({
      description:
        'JSON object: your header → field, e.g. {"Kunde Vorname":"firstName","Letzter Kauf":"custom:lastPurchase"}',
    }),
  ),
});

export function recipientJson(row: RecipientRow) {
  const r = row.data;
  return {
    object: "recipient" as const,
    id: row.id,
    campaign_id: row.campaign_id,
    first_name: r.firstName,
    last_name: r.lastName,
    full_name: r.fullName,
    company: r.company ?? null,
    address: {
      line1: r.address.line1,
      line2: r.address.line2 ?? null,
      city: r.address.city,
      region: r.address.region ?? null,
      postal_code: r.address.postalCode ?? null,
      country: r.address.country,
    },
    email: r.email ?? null,
    phone: r.phone ?? null,
    birthday: r.birthday ?? null,
    anniversary: r.anniversary ?? null,
    photo_id: row.photo_id,
    custom: r.custom,
    contact_id: row.contact_id ?? null,
    import_id: row.import_id,
    row_number: row.row_number,
    created_at: row.created_at.toISOString(),
  };
}

export function importJson(row: ImportRow) {
  return {
    object: "import" as const,
    id: row.id,
    campaign_id: row.campaign_id,
    source: row.source,
    filename: row.filename,
    encoding: row.encoding,
    delimiter: row.delimiter,
    columns: row.columns,
    rows: row.rows,
    imported: row.imported,
    rejected: row.rejected,
    duplicates: row.duplicates,
    errors: row.errors as { row: number; field: string; column?: string; message: string }[],
    failures_url: row.failures_key
      ? `/v1/campaigns/${row.campaign_id}/imports/${row.id}/failures.csv`
      : null,
    created_at: row.created_at.toISOString(),
  };
}

const SkipCounts = Type.Object({
  do_not_mail: Type.Integer(),
  returned: Type.Integer(),
  no_address: Type.Integer(),
  missing_merge_field: Type.Integer(),
});

export const FromContactsSchema = Type.Object(
  {
    object: Type.Literal("contacts_import"),
    campaign_id: Type.String(),
    tag: Nullable(Type.String()),
    contacts: Type.Integer({ description: "Contacts considered (all, or those with the tag)." }),
    imported: Type.Integer(),
    duplicates: Type.Integer({
      description:
        "Already in the campaign, or the same person at the same address as another contact.",
    }),
    skipped: SkipCounts,
    errors: Type.Array(
      Type.Object({
        contact_id: Type.String(),
        reason: Type.String(),
        message: Type.String(),
      }),
      { description: "The first 100 skipped contacts and why." },
    ),
  },
  { $id: "FromContactsResult" },
);
