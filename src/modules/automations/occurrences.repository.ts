/**
 * Which contact gets a card from an automation on which day, and why not when it does not: one SQL
 * statement, used both by `upcoming` (looking, over up to 400 days of 100,000 contacts) and by the
 * daily run (deciding), so what is shown is what is done.
 *
 * An occurrence is one contact's occasion in one year. Its *nominal* send day is the day its card
 * belongs to: the occasion minus lead_days (birthday, anniversary; 29 February is 28 February in
 * other years), or the contact's day of the October window (round-robin over the contacts in id
 * order, so the days' counts differ by at most one). Each occurrence is judged as of a day E, with
 * the days up to `lastRun` already done:
 *
 * - already decided (a row in automation_sends): `already_sent`, or the recorded skip — except a
 *   skip for the contact's state (do-not-mail, no address…) that is now fixed, when a late card is
 *   allowed (below): then it is made after all;
 * - a do-not-mail or returned contact, one without an address, or without a value the message
 *   prints (`missing_field`): skipped with that reason;
 * - nominal day = E: made on E;
 * - nominal day missed (after lastRun, before E: the workers were down): made on E if it can still
 *   arrive, i.e. the occasion is at least min(lead_days, MIN_TRANSIT_DAYS) days after E (for the
 *   October card: E is still in the window); otherwise `too_late`;
 * - nominal day passed before the contact qualified (added or changed since): `too_late`, unless a
 *   late card is allowed: send_late and the occasion still after E (October: E still in the window).
 *
 * The run judges as of the day it runs (E = that day). `upcoming` judges each occurrence as of the
 * day the schedule will reach it (E = its nominal day, or the next day to run if that has passed).
 */
import type { Pool, PoolClient } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import type { AutomationRow } from "./automations.repository.ts";

type Db = Pool | PoolClient;

/** Days a card needs in the mail: a missed day's card is still made if the occasion is this far off. */
export const MIN_TRANSIT_DAYS = 3;

export const CONTACT_STATE_REASONS = [
  "do_not_mail",
  "returned",
  "no_address",
  "missing_field",
] as const;
export const SKIP_REASONS = [
  ...CONTACT_STATE_REASONS,
  "too_late",
  "contact_deleted",
  "already_sent",
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** The contact's columns a card is frozen from (contactRecipient's input). */
export interface OccurrenceContact {
  data: import("../../render/card-data.ts").Recipient;
  spouse_name: string | null;
  children: string[];
  birthday_month: number | null;
  birthday_day: number | null;
  birthday_year: number | null;
  anniversary_month: number | null;
  anniversary_day: number | null;
  anniversary_year: number | null;
  photo_id: string | null;
}

export interface Occurrence {
  /** What the list pages by within a day: the contact (yearly occasions) or the send (thank-yous). */
  key: string;
  contact_id: string;
  contact_name: string | null;
  occasion_year: number | null;
  occasion_date: string;
  /** The day its card is made (or was, or would have been). */
  send_date: string;
  /** null: a card is made. */
  outcome: SkipReason | null;
  /** An existing automation_sends row (a decision, or a thank-you send waiting). */
  send_id: string | null;
  /** That row is a decision already (a card, or a skip). */
  decided: boolean;
  campaign_id: string | null;
}

export type DecidedOccurrence = Occurrence &
  OccurrenceContact & { merge: Record<string, string>; send_photo_id: string | null };

interface Judge {
  /** Judge as of this day (the run); null: as of each occurrence's own day (upcoming). */
  runDate: string | null;
  /** Days up to this one are done. */
  lastRun: string;
  /** Nominal send days to look at. */
  from: string;
  to: string;
  /** Custom variables the message prints unconditionally: a contact needs a value for each. */
  required: string[];
}

const CONTACT_COLUMNS = `c.data, c.mail_status, c.spouse_name, c.children, c.birthday_month,
  c.birthday_day, c.birthday_year, c.anniversary_month, c.anniversary_day, c.anniversary_year,
  c.photo_id`;

const TAGGED = "($3::text IS NULL OR c.tags @> ARRAY[$3::text])";

/** occ(contact_id, occasion_year, occasion_date, nominal, <contact columns>) for a yearly date. */
function annualOccurrences(column: "birthday" | "anniversary"): string {
  return `days AS (
      SELECT o::date AS occasion_date, extract(year FROM o)::int AS y,
             extract(month FROM o)::int AS m, extract(day FROM o)::int AS d
        FROM generate_series(($7::date + $4::int)::timestamp, ($8::date + $4::int)::timestamp,
                             interval '1 day') o
    ),
    occ AS (
      SELECT c.id AS contact_id, days.y AS occasion_year, days.occasion_date,
             days.occasion_date - $4::int AS nominal, NULL::jsonb AS merge, ${CONTACT_COLUMNS}
        FROM days JOIN contacts c
          ON c.account_id = $1 AND c.${column}_month = days.m AND c.${column}_day = days.d
       WHERE ${TAGGED}
      UNION ALL
      -- 29 February on 28 February of the other years.
      SELECT c.id, days.y, days.occasion_date, days.occasion_date - $4::int, NULL::jsonb, ${CONTACT_COLUMNS}
        FROM days JOIN contacts c
          ON c.account_id = $1 AND c.${column}_month = 2 AND c.${column}_day = 29
       WHERE days.m = 2 AND days.d = 28
         AND NOT (days.y % 4 = 0 AND (days.y % 100 <> 0 OR days.y % 400 = 0)) AND ${TAGGED}
    )`;
}

/** The October (or any) window: each contact's day is its position in id order, round-robin. */
const windowOccurrences = `ranked AS (
      SELECT c.id, row_number() OVER (ORDER BY c.id) - 1 AS rn, ${CONTACT_COLUMNS}
        FROM contacts c WHERE c.account_id = $1 AND ${TAGGED}
    ),
    win AS (
      SELECT y, make_date(y, $6[1], $6[2]) AS ws, make_date(y, $6[3], $6[4]) AS we
        FROM generate_series(extract(year FROM $7::date)::int, extract(year FROM $8::date)::int) y
    ),
    occ AS (
      SELECT r.id AS contact_id, win.y AS occasion_year, n.day AS occasion_date, n.day AS nominal,
             NULL::jsonb AS merge, r.data, r.mail_status, r.spouse_name, r.children, r.birthday_month, r.birthday_day,
             r.birthday_year, r.anniversary_month, r.anniversary_day, r.anniversary_year, r.photo_id
        FROM ranked r CROSS JOIN win
        CROSS JOIN LATERAL (SELECT win.ws + (r.rn % (win.we - win.ws + 1))::int AS day) n
       WHERE n.day BETWEEN $7::date AND $8::date
    )`;

/** Why this contact cannot have a card now, or NULL. `o` has the contact's columns. */
const INELIGIBLE = `CASE
      WHEN o.mail_status = 'do_not_mail' THEN 'do_not_mail'
      WHEN o.mail_status = 'returned' THEN 'returned'
      WHEN coalesce(o.data #>> '{address,line1}', '') = '' THEN 'no_address'
      WHEN cardinality($11::text[]) > 0 AND EXISTS (
             SELECT 1 FROM unnest($11::text[]) v
              WHERE CASE WHEN v = 'years'
                         THEN o.anniversary_year IS NULL OR o.anniversary_year >= o.occasion_year
                         ELSE coalesce(o.merge->>v, o.data->'custom'->>v, '') = '' END)
        THEN 'missing_field'
    END`;

function judged(occasion: AutomationRow["occasion"]): string {
  const window = occasion === "october_holiday";
  const lateOk = window
    ? "(f.eval_date <= make_date(f.occasion_year, $6[3], $6[4]))"
    : "($5::boolean AND f.occasion_date > f.eval_date)";
  const inTime = window
    ? "(f.eval_date <= make_date(f.occasion_year, $6[3], $6[4]))"
    : "(f.occasion_date - f.eval_date >= least($4::int, $12::int))";
  // Each step is its own subquery behind OFFSET 0, so PostgreSQL computes each value once per
  // occurrence instead of repeating the expressions wherever the next step uses them.
  return `facts AS (
      SELECT o.*, s.id AS send_id, s.campaign_id, s.send_date AS recorded_date,
             s.skip_reason AS recorded, s.recipient_id,
             coalesce($9::date, greatest(o.nominal, $10::date + 1)) AS eval_date,
             ${INELIGIBLE} AS ineligible
        FROM occ o
        LEFT JOIN automation_sends s
          ON s.automation_id = $2 AND s.contact_id = o.contact_id AND s.occasion_year = o.occasion_year
      OFFSET 0
    ),
    outcomes AS (
      SELECT f.*, CASE
          WHEN f.recipient_id IS NOT NULL THEN 'already_sent'
          WHEN f.send_id IS NOT NULL AND NOT (f.recorded IN ('do_not_mail', 'returned', 'no_address', 'missing_field')
                                              AND f.ineligible IS NULL AND ${lateOk})
            THEN f.recorded
          WHEN f.ineligible IS NOT NULL THEN f.ineligible
          WHEN f.nominal = f.eval_date THEN NULL
          WHEN f.nominal > $10::date THEN CASE WHEN ${inTime} THEN NULL ELSE 'too_late' END
          WHEN ${lateOk} THEN NULL
          ELSE 'too_late'
        END AS outcome
        FROM facts f
      OFFSET 0
    ),
    judged AS (
      SELECT contact_id AS key, contact_id, occasion_year, occasion_date, send_id, campaign_id,
             outcome, coalesce(recipient_id IS NOT NULL OR recorded IS NOT NULL, false) AS decided,
             CASE WHEN send_id IS NOT NULL AND outcome IS NOT NULL THEN recorded_date
                  WHEN outcome IS NULL THEN eval_date
                  ELSE nominal END AS send_date,
             data, spouse_name, children, birthday_month, birthday_day, birthday_year,
             anniversary_month, anniversary_day, anniversary_year, photo_id,
             '{}'::jsonb AS merge, NULL::text AS send_photo_id
        FROM outcomes
    )`;
}

/**
 * Thank-you sends: each is its own occurrence, waiting in automation_sends for its send day (made
 * on the first run on or after it). Nominal days here are the sends' send_date.
 */
const thankYouJudged = `judged AS (
      SELECT s.id AS key, s.contact_id, s.occasion_year,
             s.occasion_date, s.id AS send_id, s.campaign_id, x.outcome,
             (s.recipient_id IS NOT NULL OR s.skip_reason IS NOT NULL) AS decided,
             CASE WHEN x.outcome IS NULL AND s.recipient_id IS NULL
                  THEN coalesce($9::date, greatest(s.send_date, $10::date + 1))
                  ELSE s.send_date END AS send_date,
             o.data, o.spouse_name, o.children, o.birthday_month, o.birthday_day, o.birthday_year,
             o.anniversary_month, o.anniversary_day, o.anniversary_year, o.photo_id,
             s.merge, s.photo_id AS send_photo_id
        FROM automation_sends s
        LEFT JOIN LATERAL (SELECT c.id, ${CONTACT_COLUMNS}, NULL::int AS occasion_year, s.merge
                             FROM contacts c WHERE c.id = s.contact_id AND c.account_id = $1) o ON true
        CROSS JOIN LATERAL (SELECT CASE
            WHEN s.recipient_id IS NOT NULL THEN 'already_sent'
            WHEN s.skip_reason IS NOT NULL THEN s.skip_reason
            WHEN o.id IS NULL THEN 'contact_deleted'
            ELSE ${INELIGIBLE}
          END AS outcome) x
       WHERE s.automation_id = $2 AND s.occasion_year IS NULL
         AND s.send_date BETWEEN $7::date AND $8::date
    )`;

/** Runs `work` with a larger work_mem, inside a transaction of its own when given the pool. */
async function withWorkMem<T>(db: Db, size: "64MB", work: (q: PoolClient) => Promise<T>) {
  const run = async (q: PoolClient) => {
    await q.query(`SET LOCAL work_mem = '${size}'`);
    return work(q);
  };
  return "release" in db ? run(db) : withTransaction(db, run);
}

/** Every parameter typed once, so a statement that does not use one still prepares. */
const TYPED = `typed AS (SELECT $1::text, $2::text, $3::text, $4::int, $5::boolean, $6::int[],
      $7::date, $8::date, $9::date, $10::date, $11::text[], $12::int)`;

function statement(a: AutomationRow): string {
  if (a.occasion === "thank_you") return `WITH ${TYPED}, ${thankYouJudged}`;
  const occurrences =
    a.occasion === "october_holiday" ? windowOccurrences : annualOccurrences(a.occasion);
  return `WITH ${TYPED}, ${occurrences}, ${judged(a.occasion)}`;
}

function windowParam(a: AutomationRow): number[] | null {
  if (!a.window_start || !a.window_end) return null;
  const [sm, sd] = a.window_start.split("-").map(Number);
  const [em, ed] = a.window_end.split("-").map(Number);
  return [sm as number, sd as number, em as number, ed as number];
}

function params(a: AutomationRow, j: Judge): unknown[] {
  return [
    a.account_id,
    a.id,
    a.tag,
    a.lead_days,
    a.send_late,
    windowParam(a),
    j.from,
    j.to,
    j.runDate,
    j.lastRun,
    j.required,
    MIN_TRANSIT_DAYS,
  ];
}

/**
 * What the run has to do: every occurrence with a nominal day in [from, to] not decided yet (or a
 * recorded skip it now overturns), with the contact's columns to freeze a card from. Thank-yous:
 * the sends waiting with a send day in [from, to].
 */
export async function decide(
  db: Db,
  a: AutomationRow,
  j: Judge & { runDate: string },
): Promise<DecidedOccurrence[]> {
  const { rows } = await db.query<DecidedOccurrence>(
    `${statement(a)}
     SELECT * FROM judged WHERE outcome IS NULL OR NOT decided ORDER BY contact_id, key`,
    params(a, j),
  );
  return rows;
}

export interface UpcomingPage {
  items: Occurrence[];
  /** Over the whole range: cards to be made, and skips by reason. */
  totals: Record<string, number>;
}

/** What the schedule will do with each occurrence whose send day is in [from, to]. */
export async function upcoming(
  db: Db,
  a: AutomationRow,
  j: Judge & { runDate: null; shownFrom: string; shownTo: string },
  page: { limit: number; after?: { date: string; key: string } },
): Promise<UpcomingPage> {
  const p = params(a, j);
  const n = p.length;
  // The whole range is judged (the totals need it); the page is its first rows after the cursor.
  // A year of 100,000 contacts is ~10 MB of judged rows: kept in memory rather than spilled.
  const { rows } = await withWorkMem(db, "64MB", (q) =>
    q.query<{ page: Occurrence[]; totals: Record<string, number> }>(
      `${statement(a)},
       shown AS MATERIALIZED (
         SELECT key, contact_id, occasion_year, occasion_date, send_date, outcome, send_id, campaign_id
           FROM judged WHERE send_date BETWEEN $${n + 1}::date AND $${n + 2}::date
       )
       SELECT
         (SELECT coalesce(json_agg(p ORDER BY p.send_date, p.key), '[]') FROM
            (SELECT s.*, c.data->>'fullName' AS contact_name
               FROM (SELECT * FROM shown
                      WHERE $${n + 3}::date IS NULL
                         OR (send_date, key) > ($${n + 3}::date, $${n + 4}::text)
                      ORDER BY send_date, key LIMIT $${n + 5}) s
               LEFT JOIN contacts c ON c.id = s.contact_id) p) AS page,
         (SELECT coalesce(json_object_agg(t.outcome, t.n), '{}') FROM
            (SELECT coalesce(outcome, 'card') AS outcome, count(*) AS n FROM shown GROUP BY 1) t) AS totals`,
      [...p, j.shownFrom, j.shownTo, page.after?.date ?? null, page.after?.key ?? null, page.limit],
    ),
  );
  const row = rows[0] ?? { page: [], totals: {} };
  return { items: row.page, totals: row.totals };
}
