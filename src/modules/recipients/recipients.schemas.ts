import { Type } from "typebox";
import { MAX_HOUSEHOLD } from "../../csv/index.ts";
import { AddressJsonSchema, Nullable } from "../shared/json-schemas.ts";
import type { ImportRow, RecipientRow } from "./recipients.repository.ts";

export const RecipientSchema = Type.Object(
  {
    object: Type.Literal("recipient"),
    id: Type.String(),
    campaign_id: Type.String(),
    first_name: Type.String(),
    last_name: Type.String(),
    full_name: Type.String({ description: "As printed on top of the card." }),
    company: Nullable(Type.String()),
    address: AddressJsonSchema,
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
    household_members: Type.Union([Type.Array(Type.String()), Type.Null()], {
      description:
        "A household's card (household=true): the full names of everyone it goes to, in file order; first_name, last_name and full_name then name them all.",
    }),
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
    imported: Type.Integer({
      description:
        "Rows taken in. With household=true, each is a card of its own or part of a household's card: cards = imported − merged.",
    }),
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
    household: Type.Boolean({
      description: "Whether the import merged households (household=true).",
    }),
    merged: Type.Integer({ description: "Rows that joined another row's household card." }),
    households: Type.Integer({ description: "Cards that go to more than one person." }),
    not_merged: Type.Integer({
      description: `Rows left with a card each because more than ${MAX_HOUSEHOLD} people at their address share a last name or household id.`,
    }),
    merged_url: Nullable(
      Type.String({
        description:
          "merged.csv: every merged row (row, name) with the card it joined, and every row not merged with why.",
      }),
    ),
    created_at: Type.String(),
  },
  { $id: "RecipientImport" },
);

/** `?household=true` on both imports (CSV/JSON and from-contacts). */
export const HouseholdOption = Type.Boolean({
  description: `One card per household: people at one address (street and unit: Apt 1 and Apt 2 are two homes) with the same last name get one card, "John & Jane Smith", or "The Smith Family" for three or more. Different last names stay apart unless a household id column (household_id, household) gives them one id. At most ${MAX_HOUSEHOLD} people per household. Merges within this import only.`,
});

export const ImportQuery = Type.Object({
  default_country: Type.Optional(
    Type.String({
      pattern: "^[A-Za-z]{2}$",
      description: "Country for rows without one (ISO alpha-2).",
    }),
  ),
  household: Type.Optional(HouseholdOption),
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
    household_members: r.household ?? null,
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
    household: row.household,
    merged: row.merged,
    households: row.households,
    not_merged: row.not_merged,
    merged_url: row.merged_key
      ? `/v1/campaigns/${row.campaign_id}/imports/${row.id}/merged.csv`
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
    household: Type.Boolean({ description: "Whether households were merged (household=true)." }),
    merged: Type.Integer({ description: "Contacts that joined another contact's household card." }),
    households: Type.Integer({ description: "Cards that go to more than one person." }),
    not_merged: Type.Integer({
      description: `Contacts left with a card each: more than ${MAX_HOUSEHOLD} at one address share a last name or household id.`,
    }),
    merges: Type.Array(
      Type.Object({
        contact_id: Nullable(Type.String()),
        name: Type.String(),
        card_recipient_id: Nullable(Type.String()),
        card_contact_id: Nullable(Type.String()),
        card_name: Nullable(Type.String()),
        note: Type.String(),
      }),
      {
        description:
          "The first 100 merged (or not merged) contacts, with the card they joined; the recipients list shows every household's members.",
      },
    ),
  },
  { $id: "FromContactsResult" },
);
