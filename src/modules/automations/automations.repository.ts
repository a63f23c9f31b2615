import { type Listed, type PageRequest, timeKey } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import type { Sender } from "../../render/card-data.ts";
import type { CardRow } from "../pipeline/pipeline.repository.ts";

type Db = Pool | PoolClient;

export const AUTOMATION_OCCASIONS = [
  "birthday",
  "anniversary",
  "october_holiday",
  "thank_you",
] as const;
export type AutomationOccasion = (typeof AUTOMATION_OCCASIONS)[number];

export interface AutomationRow {
  id: string;
  account_id: string;
  name: string;
  occasion: AutomationOccasion;
  template_id: string;
  format: string;
  message: string | null;
  merge_fields: string[];
  sender: Sender;
  photo_id: string | null;
  landing_url: string | null;
  tag: string | null;
  active: boolean;
  lead_days: number;
  send_late: boolean;
  /** MM-DD, october_holiday only. */
  window_start: string | null;
  window_end: string | null;
  /** The last day the daily run has done (YYYY-MM-DD). */
  last_run_date: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** What create and update write (everything but the id, account, occasion and clock). */
export interface AutomationValues {
  name: string;
  templateId: string;
  format: string;
  message: string | null;
  mergeFields: string[];
  sender: Sender;
  photoId: string | null;
  landingUrl: string | null;
  tag: string | null;
  active: boolean;
  leadDays: number;
  sendLate: boolean;
  windowStart: string | null;
  windowEnd: string | null;
}

const values = (v: AutomationValues) => [
  v.name,
  v.templateId,
  v.format,
  v.message,
  v.mergeFields,
  v.sender,
  v.photoId,
  v.tag,
  v.active,
  v.leadDays,
  v.sendLate,
  v.windowStart,
  v.windowEnd,
  v.landingUrl,
];

export async function insertAutomation(
  db: Db,
  row: { id: string; accountId: string; occasion: AutomationOccasion; lastRunDate: string },
  v: AutomationValues,
): Promise<void> {
  await db.query(
    `INSERT INTO automations (id, account_id, occasion, last_run_date, name, template_id, format,
                              message, merge_fields, sender, photo_id, tag, active, lead_days,
                              send_late, window_start, window_end, landing_url)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
    [row.id, row.accountId, row.occasion, row.lastRunDate, ...values(v)],
  );
}

export async function updateAutomation(
  db: Db,
  id: string,
  v: AutomationValues,
  lastRunDate: string,
): Promise<void> {
  await db.query(
    `UPDATE automations SET name = $2, template_id = $3, format = $4, message = $5,
            merge_fields = $6, sender = $7, photo_id = $8, tag = $9, active = $10, lead_days = $11,
            send_late = $12, window_start = $13, window_end = $14, landing_url = $15,
            last_run_date = $16, updated_at = now()
      WHERE id = $1`,
    [id, ...values(v), lastRunDate],
  );
}

export async function findAutomation(
  db: Db,
  accountId: string,
  id: string,
): Promise<AutomationRow | undefined> {
  const { rows } = await db.query<AutomationRow>(
    "SELECT * FROM automations WHERE account_id = $1 AND id = $2 AND deleted_at IS NULL",
    [accountId, id],
  );
  return rows[0];
}

/**
 * The automation, locked until the transaction ends: the daily run holds it FOR UPDATE (one run of
 * an automation at a time, whatever the day), edits and thank-you sends wait for it.
 */
export async function lockAutomation(
  db: PoolClient,
  id: string,
  mode: "update" | "share" = "update",
): Promise<AutomationRow | undefined> {
  const { rows } = await db.query<AutomationRow>(
    `SELECT * FROM automations WHERE id = $1 AND deleted_at IS NULL FOR ${mode === "update" ? "UPDATE" : "SHARE"}`,
    [id],
  );
  return rows[0];
}

export async function listAutomations(
  db: Db,
  accountId: string,
  page: PageRequest,
): Promise<Listed<AutomationRow>[]> {
  const { rows } = await db.query<Listed<AutomationRow>>(
    `SELECT *, ${timeKey("created_at")} AS sort_key FROM automations
      WHERE account_id = $1 AND deleted_at IS NULL
        AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::text))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [accountId, page.after?.key ?? null, page.after?.id ?? null, page.limit],
  );
  return rows;
}

/** The run's work list: active automations (of one account, or all), oldest first. */
export async function activeAutomations(db: Db, accountId?: string): Promise<AutomationRow[]> {
  const { rows } = await db.query<AutomationRow>(
    `SELECT * FROM automations WHERE active AND deleted_at IS NULL
        AND ($1::text IS NULL OR account_id = $1) ORDER BY account_id, created_at, id`,
    [accountId ?? null],
  );
  return rows;
}

/**
 * Deleted automations stay as rows (their campaigns and batches name them); they let go of their
 * photo, and their thank-you sends still waiting are dropped.
 */
export async function deleteAutomation(db: PoolClient, id: string): Promise<void> {
  await db.query(
    "UPDATE automations SET deleted_at = now(), active = false, photo_id = NULL WHERE id = $1",
    [id],
  );
  await db.query(
    `DELETE FROM automation_sends
      WHERE automation_id = $1 AND recipient_id IS NULL AND skip_reason IS NULL`,
    [id],
  );
}

/** Decisions between two days (inclusive): cards made and skips by reason. */
export async function decisionCounts(
  db: Db,
  automationId: string,
  from: string,
  to: string,
): Promise<{ cards: number; skipped: Record<string, number> }> {
  const { rows } = await db.query<{ reason: string | null; n: number }>(
    `SELECT skip_reason AS reason, count(*) AS n FROM automation_sends
      WHERE automation_id = $1 AND send_date BETWEEN $2 AND $3
        AND (recipient_id IS NOT NULL OR skip_reason IS NOT NULL)
      GROUP BY skip_reason`,
    [automationId, from, to],
  );
  const skipped: Record<string, number> = {};
  let cards = 0;
  for (const r of rows) {
    if (r.reason === null) cards = r.n;
    else skipped[r.reason] = r.n;
  }
  return { cards, skipped };
}

export type AutomationCardRow = CardRow & {
  contact_id: string;
  send_date: string;
  occasion_date: string;
  sort_key: string;
};

/** The cards an automation made, newest first (cards' seq grows with every recipient made). */
export async function listAutomationCards(
  db: Db,
  accountId: string,
  automationId: string,
  page: PageRequest & { status?: string },
): Promise<AutomationCardRow[]> {
  const { rows } = await db.query<AutomationCardRow>(
    `SELECT k.*, s.contact_id, s.send_date, s.occasion_date, k.seq::text AS sort_key
       FROM automation_sends s
       JOIN cards k ON k.campaign_id = s.campaign_id AND k.recipient_id = s.recipient_id
      WHERE s.account_id = $1 AND s.automation_id = $2 AND s.recipient_id IS NOT NULL
        AND ($3::text IS NULL OR k.status = $3)
        AND ($4::bigint IS NULL OR k.seq < $4::bigint)
      ORDER BY k.seq DESC LIMIT $5`,
    [accountId, automationId, page.status ?? null, page.after?.key ?? null, page.limit],
  );
  return rows;
}

export interface SendRow {
  id: string;
  account_id: string;
  automation_id: string;
  contact_id: string;
  occasion_year: number | null;
  occasion_date: string;
  send_date: string;
  campaign_id: string | null;
  recipient_id: string | null;
  skip_reason: string | null;
  merge: Record<string, string>;
  photo_id: string | null;
  created_at: Date;
}

/** A thank-you send, waiting for the run of its send day. */
export async function insertThankYouSend(
  db: Db,
  row: {
    id: string;
    accountId: string;
    automationId: string;
    contactId: string;
    occasionDate: string;
    sendDate: string;
    merge: Record<string, string>;
    photoId: string | null;
  },
): Promise<SendRow> {
  const { rows } = await db.query<SendRow>(
    `INSERT INTO automation_sends (id, account_id, automation_id, contact_id, occasion_date,
                                   send_date, merge, photo_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      row.id,
      row.accountId,
      row.automationId,
      row.contactId,
      row.occasionDate,
      row.sendDate,
      row.merge,
      row.photoId,
    ],
  );
  return rows[0] as SendRow;
}
