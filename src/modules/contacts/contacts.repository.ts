import { type Listed, type PageRequest, timeKey } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import type { PostalAddress, Recipient } from "../../render/card-data.ts";

type Db = Pool | PoolClient;

/**
 * What `data` holds: a Recipient's names, company, address, email, phone, photo (as given: a name
 * or id) and custom fields. No dates (they are columns), and no `address` for a contact whose
 * postal address is not known yet.
 */
export type ContactData = Omit<Recipient, "address" | "birthday" | "anniversary"> & {
  address?: PostalAddress;
};

/**
 * A contact as stored (migrations/0009_contacts.sql). The dates, family and mailing state are
 * columns of their own, so the daily run finds the day's birthdays by index and a do-not-mail
 * contact is one WHERE away.
 */
export interface ContactRow {
  id: string;
  account_id: string;
  external_id: string | null;
  data: ContactData;
  birthday_month: number | null;
  birthday_day: number | null;
  /** NULL for a month-day-only date. */
  birthday_year: number | null;
  anniversary_month: number | null;
  anniversary_day: number | null;
  anniversary_year: number | null;
  spouse_name: string | null;
  children: string[];
  tags: string[];
  notes: string | null;
  mail_status: MailStatus;
  photo_id: string | null;
  /** src/csv/dedupe.ts's key of the name and address; NULL without an address. */
  dedupe_key: string | null;
  created_at: Date;
  updated_at: Date;
}

export const MAIL_STATUSES = ["active", "do_not_mail", "returned"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

/** Why no card may go to this contact, or undefined when one may. */
export function mailSkipReason(
  row: Pick<ContactRow, "mail_status" | "data">,
): "do_not_mail" | "returned" | "no_address" | undefined {
  if (row.mail_status !== "active") return row.mail_status;
  return row.data.address ? undefined : "no_address";
}

/** "2024-03-14", or "--03-14" when the year is unknown; undefined when there is no date. */
export function isoDate(
  year: number | null,
  month: number | null,
  day: number | null,
): string | undefined {
  if (month === null || day === null) return undefined;
  const md = `${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return year === null ? `--${md}` : `${String(year).padStart(4, "0")}-${md}`;
}

/** "Anna", "Anna and Ben", "Anna, Ben and Cleo". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * The renderer's Recipient for a contact: its stored data, its dates as ISO text, and its extra
 * merge data in `custom` (`spouseName`, `children` as "Anna, Ben and Cleo"), which the merge
 * offers as `{{spouseName}}` and `{{children}}`. The contact's columns win over a custom field of
 * the same name. A contact without an address has no card: check {@link mailSkipReason} first
 * (this throws for one).
 */
export function contactRecipient(row: ContactRow): Recipient {
  const { address, ...rest } = row.data;
  if (!address) throw new Error(`contact ${row.id} has no address`);
  const custom: Record<string, string> = { ...row.data.custom };
  if (row.spouse_name) custom.spouseName = row.spouse_name;
  else delete custom.spouseName;
  if (row.children.length > 0) custom.children = joinNames(row.children);
  else delete custom.children;
  const recipient: Recipient = { ...rest, address, custom };
  const birthday = isoDate(row.birthday_year, row.birthday_month, row.birthday_day);
  const anniversary = isoDate(row.anniversary_year, row.anniversary_month, row.anniversary_day);
  if (birthday) recipient.birthday = birthday;
  if (anniversary) recipient.anniversary = anniversary;
  return recipient;
}

/** Everything a write sets (the id and timestamps aside). */
export interface ContactWrite {
  id: string;
  external_id: string | null;
  data: ContactData;
  birthday_month: number | null;
  birthday_day: number | null;
  birthday_year: number | null;
  anniversary_month: number | null;
  anniversary_day: number | null;
  anniversary_year: number | null;
  spouse_name: string | null;
  children: string[];
  tags: string[];
  notes: string | null;
  mail_status: MailStatus;
  photo_id: string | null;
  dedupe_key: string | null;
}

const RECORD = `r(id text, external_id text, data jsonb, birthday_month smallint, birthday_day smallint,
  birthday_year smallint, anniversary_month smallint, anniversary_day smallint, anniversary_year smallint,
  spouse_name text, children text[], tags text[], notes text, mail_status text, photo_id text, dedupe_key text)`;

/**
 * The rows as one JSON document (one parameter, parsed once by PostgreSQL), as recipients are
 * inserted: per-element quoting of parallel arrays costs more than the write itself.
 */
function document(rows: ContactWrite[]): string {
  return JSON.stringify(rows);
}

/**
 * Writes contacts the caller has decided on: `created` rows are inserted, the others (existing
 * ids of this account) replaced in full with `updated_at` bumped. Call under {@link lockContacts}.
 */
export async function writeContacts(
  db: Db,
  accountId: string,
  rows: { write: ContactWrite; created: boolean }[],
): Promise<void> {
  const inserts = rows.filter((r) => r.created).map((r) => r.write);
  const updates = rows.filter((r) => !r.created).map((r) => r.write);
  if (inserts.length > 0) {
    const { rowCount } = await db.query(
      `INSERT INTO contacts (id, account_id, external_id, data, birthday_month, birthday_day, birthday_year,
              anniversary_month, anniversary_day, anniversary_year, spouse_name, children, tags, notes,
              mail_status, photo_id, dedupe_key)
       SELECT r.id, $1, r.external_id, r.data, r.birthday_month, r.birthday_day, r.birthday_year,
              r.anniversary_month, r.anniversary_day, r.anniversary_year, r.spouse_name, r.children,
              r.tags, r.notes, r.mail_status, r.photo_id, r.dedupe_key
         FROM json_to_recordset($2::json) AS ${RECORD}`,
      [accountId, document(inserts)],
    );
    if (rowCount !== inserts.length)
      throw new Error(`inserted ${rowCount} of ${inserts.length} contacts`);
  }
  if (updates.length > 0) {
    const { rowCount } = await db.query(
      `UPDATE contacts c SET external_id = r.external_id, data = r.data,
              birthday_month = r.birthday_month, birthday_day = r.birthday_day, birthday_year = r.birthday_year,
              anniversary_month = r.anniversary_month, anniversary_day = r.anniversary_day,
              anniversary_year = r.anniversary_year, spouse_name = r.spouse_name, children = r.children,
              tags = r.tags, notes = r.notes, mail_status = r.mail_status, photo_id = r.photo_id,
              dedupe_key = r.dedupe_key, updated_at = now()
         FROM json_to_recordset($2::json) AS ${RECORD}
        WHERE c.account_id = $1 AND c.id = r.id`,
      [accountId, document(updates)],
    );
    if (rowCount !== updates.length)
      throw new Error(`updated ${rowCount} of ${updates.length} contacts`);
  }
}

/**
 * Serialises writes to one account's contacts (upserts by external_id decide "new or existing"
 * by reading first). Taken before any campaign lock, by every path that takes both.
 */
export async function lockContacts(db: PoolClient, accountId: string): Promise<void> {
  await db.query("SELECT pg_advisory_xact_lock(hashtextextended('contacts:' || $1, 0))", [
    accountId,
  ]);
}

export async function findContact(
  db: Db,
  accountId: string,
  id: string,
): Promise<ContactRow | undefined> {
  const { rows } = await db.query<ContactRow>(
    "SELECT * FROM contacts WHERE account_id = $1 AND id = $2",
    [accountId, id],
  );
  return rows[0];
}

export async function findContacts(
  db: Db,
  accountId: string,
  ids: string[],
): Promise<ContactRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<ContactRow>(
    "SELECT * FROM contacts WHERE account_id = $1 AND id = ANY($2::text[])",
    [accountId, ids],
  );
  return rows;
}

/** True when the account has no contacts (under lockContacts, none can appear). */
export async function hasNoContacts(db: Db, accountId: string): Promise<boolean> {
  const { rows } = await db.query<{ none: boolean }>(
    "SELECT NOT EXISTS (SELECT 1 FROM contacts WHERE account_id = $1) AS none",
    [accountId],
  );
  return rows[0]?.none ?? false;
}

/** The account's contacts with these external ids, by external id. */
export async function findByExternalIds(
  db: Db,
  accountId: string,
  externalIds: string[],
): Promise<Map<string, ContactRow>> {
  if (externalIds.length === 0) return new Map();
  const { rows } = await db.query<ContactRow>(
    "SELECT * FROM contacts WHERE account_id = $1 AND external_id = ANY($2::text[])",
    [accountId, externalIds],
  );
  return new Map(rows.map((r) => [r.external_id as string, r]));
}

export interface ContactFilters {
  /** Substring of the name, email or city, any case. */
  q?: string;
  tag?: string;
  birthdayMonth?: number;
  mailStatus?: MailStatus;
}

/** LIKE pattern matching `text` literally anywhere. */
function contains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Newest first, like the other lists. */
export async function listContacts(
  db: Db,
  accountId: string,
  filters: ContactFilters,
  page: PageRequest,
): Promise<Listed<ContactRow>[]> {
  const { rows } = await db.query<Listed<ContactRow>>(
    `SELECT *, ${timeKey("created_at")} AS sort_key FROM contacts
      WHERE account_id = $1
        AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::text))
        AND ($5::text IS NULL OR data->>'fullName' ILIKE $5 OR data->>'email' ILIKE $5
             OR data->'address'->>'city' ILIKE $5)
        AND ($6::text IS NULL OR tags @> ARRAY[$6::text])
        AND ($7::smallint IS NULL OR birthday_month = $7::smallint)
        AND ($8::text IS NULL OR mail_status = $8)
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [
      accountId,
      page.after?.key ?? null,
      page.after?.id ?? null,
      page.limit,
      filters.q ? contains(filters.q) : null,
      filters.tag ?? null,
      filters.birthdayMonth ?? null,
      filters.mailStatus ?? null,
    ],
  );
  return rows;
}

/**
 * A page of the contacts a campaign may take, all or those with `tag`, oldest first (a stable
 * order), after the last one of the previous page.
 */
export async function contactsForCampaign(
  db: Db,
  accountId: string,
  tag: string | undefined,
  page: { after?: { key: string; id: string }; limit: number },
): Promise<Listed<ContactRow>[]> {
  // The sort key is text with microseconds: a Date would lose them and repeat rows.
  const { rows } = await db.query<Listed<ContactRow>>(
    `SELECT *, ${timeKey("created_at")} AS sort_key FROM contacts
      WHERE account_id = $1 AND ($2::text IS NULL OR tags @> ARRAY[$2::text])
        AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::text))
      ORDER BY created_at, id LIMIT $5`,
    [accountId, tag ?? null, page.after?.key ?? null, page.after?.id ?? null, page.limit],
  );
  return rows;
}

export async function deleteContact(db: Db, accountId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query("DELETE FROM contacts WHERE account_id = $1 AND id = $2", [
    accountId,
    id,
  ]);
  return (rowCount ?? 0) > 0;
}

/**
 * Takes these contacts (turned do-not-mail or returned, or about to be deleted) out of the
 * account's draft campaigns, locking those campaigns so that a submit cannot read the recipient
 * list in between. Campaigns already submitted keep their cards. Returns how many recipients went.
 */
export async function withdrawFromDrafts(
  db: Db,
  accountId: string,
  contactIds: string[],
): Promise<number> {
  if (contactIds.length === 0) return 0;
  const { rowCount } = await db.query(
    `WITH drafts AS (
       SELECT id FROM campaigns
        WHERE account_id = $1 AND status = 'draft'
          AND id IN (SELECT campaign_id FROM recipients WHERE contact_id = ANY($2::text[]))
          FOR UPDATE)
     DELETE FROM recipients r USING drafts d
      WHERE r.campaign_id = d.id AND r.contact_id = ANY($2::text[])`,
    [accountId, contactIds],
  );
  return rowCount ?? 0;
}

/**
 * Every do-not-mail or returned contact of the account, by dedupe key, when there are at most
 * `max` of them; undefined when there are more.
 */
export async function unmailableContacts(
  db: Db,
  accountId: string,
  max: number,
): Promise<Map<string, MailStatus> | undefined> {
  const { rows } = await db.query<{ dedupe_key: string; mail_status: MailStatus }>(
    `SELECT dedupe_key, mail_status FROM contacts
      WHERE account_id = $1 AND mail_status <> 'active' LIMIT $2`,
    [accountId, max + 1],
  );
  if (rows.length > max) return undefined;
  return new Map(rows.map((r) => [r.dedupe_key, r.mail_status]));
}

/** Do-not-mail or returned contacts among these dedupe keys (a campaign's CSV rows), by key. */
export async function unmailableByDedupeKey(
  db: Db,
  accountId: string,
  keys: string[],
): Promise<Map<string, MailStatus>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{ dedupe_key: string; mail_status: MailStatus }>(
    `SELECT dedupe_key, mail_status FROM contacts
      WHERE account_id = $1 AND mail_status <> 'active' AND dedupe_key = ANY($2::text[])`,
    [accountId, keys],
  );
  return new Map(rows.map((r) => [r.dedupe_key, r.mail_status]));
}
