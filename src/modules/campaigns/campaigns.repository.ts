import { type Listed, type PageRequest, timeKey } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import type { Sender } from "../../render/card-data.ts";

type Db = Pool | PoolClient;

export interface CampaignRow {
  id: string;
  account_id: string;
  name: string;
  occasion: string;
  template_id: string;
  format: string;
  message: string | null;
  merge_fields: string[];
  sender: Sender;
  photo_id: string | null;
  metadata: Record<string, string>;
  landing_url: string | null;
  scan_total?: number | string;
  scanned_cards?: number | string;
  status: string;
  send_at: Date | null;
  submitted_at: Date | null;
  created_at: Date;
  updated_at: Date;
  rendering_at: Date | null;
  batching_at: Date | null;
  ready_at: Date | null;
  cancelled_at: Date | null;
  failed_at: Date | null;
  /** Its account's mode (set by the database on insert): test campaigns' cards are marked SAMPLE. */
  mode: "live" | "test";
  /** The account's colour mode, taken when the campaign was frozen (null while a draft). */
  color_mode: "rgb" | "cmyk" | null;
  /** Someone checked the draft's proofs (console), and who; cleared when what the cards show changes. */
  proofs_approved_at?: Date | null;
  proofs_approved_by?: string | null;
  /** A day of an automation: the automation and the day (YYYY-MM-DD). */
  automation_id?: string | null;
  send_date?: string | null;
  recipients: number;
  card_counts?: Record<string, number>;
  batches?: {
    id: string;
    format: string;
    number: number;
    cards: number;
    status: string;
    failure: string | null;
  }[];
}

export interface CampaignValues {
  name: string;
  occasion: string;
  templateId: string;
  format: string;
  message: string | null;
  mergeFields: string[];
  sender: Sender;
  photoId: string | null;
  metadata: Record<string, string>;
  landingUrl: string | null;
}

// Counts come from campaign_counts (kept by triggers): counting 10,000 cards on every read was
// the database's CPU under load.
const SELECT = `SELECT c.*, n.recipients,
    jsonb_build_object('pending', n.pending, 'rendered', n.rendered, 'failed', n.failed) AS card_counts,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('id', b.id, 'format', b.format, 'number', b.number,
                                                  'cards', b.card_count, 'status', b.status,
                                                  'failure', b.failure)
                               ORDER BY b.format, b.number), '[]')
       FROM batches b WHERE b.campaign_id = c.id) AS batches,
    (SELECT count(*) FROM scans s WHERE s.campaign_id = c.id) AS scan_total,
    (SELECT count(DISTINCT s.card_id) FROM scans s WHERE s.campaign_id = c.id) AS scanned_cards
  FROM campaigns c JOIN campaign_counts n ON n.campaign_id = c.id`;

/** $3…$12 of both the insert and the update, in column order. */
const designParams = (v: CampaignValues) => [
  v.name,
  v.occasion,
  v.templateId,
  v.format,
  v.message,
  v.mergeFields,
  v.sender,
  v.photoId,
  v.metadata,
  v.landingUrl,
];

export async function insertCampaign(db: Db, id: string, accountId: string, v: CampaignValues) {
  await db.query(
    `INSERT INTO campaigns (id, account_id, name, occasion, template_id, format, message, merge_fields,
                            sender, photo_id, metadata, landing_url)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [id, accountId, ...designParams(v)],
  );
}

export async function findCampaign(
  db: Db,
  accountId: string,
  id: string,
): Promise<CampaignRow | undefined> {
  const { rows } = await db.query<CampaignRow>(`${SELECT} WHERE c.account_id = $1 AND c.id = $2`, [
    accountId,
    id,
  ]);
  return rows[0];
}

/** The campaign, locked for the rest of the transaction (edits and imports check its status). */
export async function lockCampaign(
  db: PoolClient,
  accountId: string,
  id: string,
): Promise<CampaignRow | undefined> {
  const { rows } = await db.query<CampaignRow>(
    `SELECT c.*, 0 AS recipients FROM campaigns c WHERE c.account_id = $1 AND c.id = $2 FOR UPDATE`,
    [accountId, id],
  );
  return rows[0];
}

export async function listCampaigns(
  db: Db,
  accountId: string,
  page: PageRequest,
  status?: string,
): Promise<Listed<CampaignRow>[]> {
  const { rows } = await db.query<Listed<CampaignRow>>(
    `SELECT c.*, ${timeKey("c.created_at")} AS sort_key FROM (${SELECT}) c
      WHERE c.account_id = $1
        AND ($2::timestamptz IS NULL OR (c.created_at, c.id) < ($2::timestamptz, $3::text))
        AND ($5::text IS NULL OR c.status = $5)
      ORDER BY c.created_at DESC, c.id DESC LIMIT $4`,
    [accountId, page.after?.key ?? null, page.after?.id ?? null, page.limit, status ?? null],
  );
  return rows;
}

export async function updateCampaign(
  db: Db,
  accountId: string,
  id: string,
  v: CampaignValues,
  opts: { clearProofApproval: boolean } = { clearProofApproval: true },
) {
  await db.query(
    `UPDATE campaigns SET name = $3, occasion = $4, template_id = $5, format = $6, message = $7,
            merge_fields = $8, sender = $9, photo_id = $10, metadata = $11, landing_url = $12,
            proofs_approved_at = CASE WHEN $13 THEN NULL ELSE proofs_approved_at END,
            proofs_approved_by = CASE WHEN $13 THEN NULL ELSE proofs_approved_by END,
            updated_at = now()
      WHERE account_id = $1 AND id = $2`,
    [accountId, id, ...designParams(v), opts.clearProofApproval],
  );
}

/**
 * What the proofs of a campaign are drawn from, as one short text that changes when any of it
 * changes: the campaign's edits, and its recipients' number, newest row and latest edit. A person
 * approves the proofs they saw: approval compares this with the one their page was made with.
 */
export async function proofsFingerprint(db: Db, campaignId: string): Promise<string> {
  const { rows } = await db.query<{ f: string }>(
    `SELECT concat_ws('.', extract(epoch FROM c.updated_at)::text, count(r.id)::text,
                      coalesce(max(r.seq), 0)::text, coalesce(extract(epoch FROM max(r.updated_at)), 0)::text) AS f
       FROM campaigns c LEFT JOIN recipients r ON r.campaign_id = c.id
      WHERE c.id = $1 GROUP BY c.id`,
    [campaignId],
  );
  return rows[0]?.f ?? "";
}

/** Records that `userId` checked the draft's proofs (inside the caller's lock of the campaign). */
export async function approveProofs(db: Db, campaignId: string, userId: string): Promise<void> {
  await db.query(
    "UPDATE campaigns SET proofs_approved_at = now(), proofs_approved_by = $2 WHERE id = $1",
    [campaignId, userId],
  );
}

/** What the cards show has changed (recipients imported, edited or removed): approve again. */
export async function clearProofApproval(db: Db, campaignId: string): Promise<void> {
  await db.query(
    `UPDATE campaigns SET proofs_approved_at = NULL, proofs_approved_by = NULL
      WHERE id = $1 AND proofs_approved_at IS NOT NULL`,
    [campaignId],
  );
}

/** Files in storage that belong to the campaign's rows (the imports' failures CSVs). */
export async function campaignFileKeys(db: Db, campaignId: string): Promise<string[]> {
  const { rows } = await db.query<{ key: string }>(
    "SELECT failures_key AS key FROM imports WHERE campaign_id = $1 AND failures_key IS NOT NULL",
    [campaignId],
  );
  return rows.map((r) => r.key);
}

export async function deleteCampaign(db: Db, accountId: string, id: string): Promise<void> {
  await db.query("DELETE FROM campaigns WHERE account_id = $1 AND id = $2", [accountId, id]);
}
