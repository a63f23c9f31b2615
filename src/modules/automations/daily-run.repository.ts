/** SQL of the daily run, each statement inside the run's transaction (the automation locked). */
import type { Pool, PoolClient } from "../../db/pool.ts";
import type { AutomationRow } from "./automations.repository.ts";

type Db = Pool | PoolClient;

/**
 * The day's campaign: a draft made from the automation's design, one per (automation, day) by a
 * unique key. Returns its id, and whether it is still a draft (a day's campaign is frozen in the
 * transaction that made it, so finding another one means the day was made already).
 */
export async function dayCampaign(
  tx: PoolClient,
  a: AutomationRow,
  day: { id: string; date: string; mergeFields: string[] },
): Promise<{ id: string; status: string }> {
  const { rows } = await tx.query<{ id: string; status: string }>(
    `INSERT INTO campaigns (id, account_id, name, occasion, template_id, format, message,
                            merge_fields, sender, photo_id, automation_id, send_date, landing_url)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (automation_id, send_date) DO NOTHING
     RETURNING id, status`,
    [
      day.id,
      a.account_id,
      `${a.name} · ${day.date}`,
      a.occasion,
      a.template_id,
      a.format,
      a.message,
      day.mergeFields,
      a.sender,
      a.photo_id,
      a.id,
      day.date,
      a.landing_url,
    ],
  );
  if (rows[0]) return rows[0];
  const found = await tx.query<{ id: string; status: string }>(
    "SELECT id, status FROM campaigns WHERE automation_id = $1 AND send_date = $2",
    [a.id, day.date],
  );
  return found.rows[0] as { id: string; status: string };
}

export interface NewDecision {
  id: string;
  contactId: string;
  occasionYear: number | null;
  occasionDate: string;
  campaignId: string | null;
  recipientId: string | null;
  skipReason: string | null;
}

/**
 * Records decisions the run made about occurrences nobody decided yet. The unique key (automation,
 * contact, occasion year) decides: a row another run wrote first is left alone, and only the
 * recipients of the rows inserted here are returned (so only they get a card).
 */
export async function insertDecisions(
  tx: PoolClient,
  a: AutomationRow,
  sendDate: string,
  rows: NewDecision[],
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const { rows: inserted } = await tx.query<{ recipient_id: string | null }>(
    `INSERT INTO automation_sends (id, account_id, automation_id, contact_id, occasion_year,
                                   occasion_date, send_date, campaign_id, recipient_id, skip_reason)
     SELECT r.id, $1, $2, r.contact_id, r.occasion_year, r.occasion_date, $3, r.campaign_id,
            r.recipient_id, r.skip_reason
       FROM json_to_recordset($4::json) AS r(id text, contact_id text, occasion_year int,
            occasion_date date, campaign_id text, recipient_id text, skip_reason text)
     ON CONFLICT ON CONSTRAINT automation_sends_once DO NOTHING
     RETURNING recipient_id`,
    [
      a.account_id,
      a.id,
      sendDate,
      JSON.stringify(
        rows.map((r) => ({
          id: r.id,
          contact_id: r.contactId,
          occasion_year: r.occasionYear,
          occasion_date: r.occasionDate,
          campaign_id: r.campaignId,
          recipient_id: r.recipientId,
          skip_reason: r.skipReason,
        })),
      ),
    ],
  );
  return new Set(inserted.flatMap((r) => (r.recipient_id ? [r.recipient_id] : [])));
}

/**
 * Decides rows that exist: a thank-you send waiting, or a skip for the contact's state that a late
 * card now overturns. Only a row still undecided (or still a skip) changes, so a card is made once.
 */
export async function settleDecisions(
  tx: PoolClient,
  sendDate: string,
  rows: {
    sendId: string;
    campaignId: string | null;
    recipientId: string | null;
    skipReason: string | null;
  }[],
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const { rows: updated } = await tx.query<{ recipient_id: string | null }>(
    `UPDATE automation_sends s
        SET send_date = $1, campaign_id = r.campaign_id, recipient_id = r.recipient_id,
            skip_reason = r.skip_reason
       FROM json_to_recordset($2::json) AS r(id text, campaign_id text, recipient_id text, skip_reason text)
      WHERE s.id = r.id AND s.recipient_id IS NULL
      RETURNING s.recipient_id`,
    [
      sendDate,
      JSON.stringify(
        rows.map((r) => ({
          id: r.sendId,
          campaign_id: r.campaignId,
          recipient_id: r.recipientId,
          skip_reason: r.skipReason,
        })),
      ),
    ],
  );
  return new Set(updated.flatMap((r) => (r.recipient_id ? [r.recipient_id] : [])));
}

/** The day's recipients, frozen copies of contacts, keeping the contact's id for the record. */
export async function insertRecipients(
  tx: PoolClient,
  scope: { accountId: string; campaignId: string },
  rows: { id: string; contactId: string; dataJson: string; photoId: string | null }[],
): Promise<void> {
  if (rows.length === 0) return;
  const doc = `[${rows
    .map(
      (r) =>
        `{"id":${JSON.stringify(r.id)},"contact_id":${JSON.stringify(r.contactId)},"data":${r.dataJson},"photo_id":${JSON.stringify(r.photoId)}}`,
    )
    .join(",")}]`;
  // The recipient's id is its own dedupe key: one recipient per decision.
  const { rowCount } = await tx.query(
    `INSERT INTO recipients (id, account_id, campaign_id, data, photo_id, dedupe_key, contact_id)
     SELECT r.id, $1, $2, r.data, r.photo_id, r.id, r.contact_id
       FROM json_to_recordset($3::json) AS r(id text, contact_id text, data jsonb, photo_id text)`,
    [scope.accountId, scope.campaignId, doc],
  );
  if (rowCount !== rows.length)
    throw new Error(`inserted ${rowCount} of ${rows.length} recipients`);
}

export async function markRun(tx: PoolClient, automationId: string, date: string): Promise<void> {
  await tx.query(
    "UPDATE automations SET last_run_date = greatest(last_run_date, $2::date) WHERE id = $1",
    [automationId, date],
  );
}

/** The day's campaign and what it holds, for a day already run. */
export async function dayCampaignOf(
  db: Db,
  automationId: string,
  date: string,
): Promise<{ id: string; status: string } | undefined> {
  const { rows } = await db.query<{ id: string; status: string }>(
    "SELECT id, status FROM campaigns WHERE automation_id = $1 AND send_date = $2",
    [automationId, date],
  );
  return rows[0];
}
