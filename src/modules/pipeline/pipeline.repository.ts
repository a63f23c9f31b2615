/** SQL of the campaign pipeline (submit → render → batch), each query named for the step that uses it. */
import type { Listed, PageRequest } from "../../db/cursor.ts";
import type { Pool, PoolClient } from "../../db/pool.ts";
import { inTransaction } from "../../db/transaction.ts";
import { pipelineMetrics } from "../../metrics/pipeline-metrics.ts";
import type { Recipient } from "../../render/card-data.ts";
import type { CardReport, ColourMode as ColorMode } from "../../render/index.ts";
import type { EventType } from "../events/event-types.ts";
import { emitBatchEvent, emitCampaignEvent, emitCardEvent } from "../events/object-events.ts";

type Db = Pool | PoolClient;

export interface CardRow {
  id: string;
  account_id: string;
  campaign_id: string;
  recipient_id: string;
  seq: number;
  data: Recipient;
  photo_id: string | null;
  status: "pending" | "rendered" | "failed";
  attempts: number;
  /** Renders begun; counted before each starts (see startRender). */
  render_starts: number;
  /** Renders that came back, whatever the outcome: starts minus ends are crashes. */
  render_ends: number;
  failure_reason: string | null;
  failure_detail: string | null;
  report: Partial<CardReport> | null;
  pdf_key: string | null;
  pdf_sha256: string | null;
  pages: number | null;
  rendered_at: Date | null;
  failed_at: Date | null;
  batch_id: string | null;
  batch_sequence: number | null;
  /** The card's short URL (its QR code), fixed when the card was made; null without a landing URL. */
  qr_url?: string | null;
}

export interface BatchRow {
  id: string;
  account_id: string;
  campaign_id: string;
  format: string;
  number: number;
  card_count: number;
  /** The colour mode its PDF (and imposed sheets) are made in: its campaign's. */
  color_mode: ColorMode;
  status: "assembling" | "ready" | "downloaded" | "printed" | "mailed" | "failed";
  pages: number | null;
  pdf_key: string | null;
  pdf_bytes: number | null;
  pdf_sha256: string | null;
  manifest_key: string | null;
  manifest_bytes: number | null;
  manifest_sha256: string | null;
  zip_key: string | null;
  zip_bytes: number | null;
  zip_sha256: string | null;
  ready_at: Date | null;
  downloaded_at: Date | null;
  printed_at: Date | null;
  mailed_at: Date | null;
  failures: number;
  first_failure_at: Date | null;
  failed_at: Date | null;
  failure: string | null;
  created_at: Date;
  /** The automation whose day the batch prints, where the query asked for it. */
  automation?: { id: string; name: string; send_date: string } | null;
}

/** Submit: one card per recipient, the merge data frozen; ids derived from the recipient's. */
export async function insertCardsForCampaign(tx: PoolClient, campaignId: string): Promise<number> {
  const { rowCount } = await tx.query(
    `INSERT INTO cards (id, account_id, campaign_id, recipient_id, seq, data, photo_id)
     SELECT 'card_' || substr(r.id, 5), r.account_id, r.campaign_id, r.id, r.seq, r.data, r.photo_id
       FROM recipients r WHERE r.campaign_id = $1
     ON CONFLICT (campaign_id, recipient_id) DO NOTHING`,
    [campaignId],
  );
  return rowCount ?? 0;
}

/**
 * Submit: the campaign's render chunks are cut `size` cards at a time from now on, by every process
 * (see {@link pendingChunks}).
 */
export async function fixRenderChunkSize(
  tx: PoolClient,
  campaignId: string,
  size: number,
): Promise<void> {
  await tx.query("UPDATE campaigns SET render_chunk_size = $2 WHERE id = $1", [campaignId, size]);
}

/** Submit: send_at is the given time or PostgreSQL's now; returns how long until then, in ms. */
export async function scheduleSend(
  tx: PoolClient,
  campaignId: string,
  sendAt: Date | null,
): Promise<number> {
  const { rows } = await tx.query<{ ms: number }>(
    `UPDATE campaigns SET send_at = coalesce($2, now()) WHERE id = $1
     RETURNING greatest(0, extract(epoch FROM send_at - now()) * 1000)::float8 AS ms`,
    [campaignId, sendAt],
  );
  return Math.ceil(rows[0]?.ms ?? 0);
}

export async function msUntilSend(db: Db, campaignId: string): Promise<number> {
  const { rows } = await db.query<{ ms: number }>(
    "SELECT greatest(0, extract(epoch FROM send_at - now()) * 1000)::float8 AS ms FROM campaigns WHERE id = $1",
    [campaignId],
  );
  return Math.ceil(rows[0]?.ms ?? 0);
}

/**
 * Pending cards grouped into render chunks by their fixed position in the campaign (not among the
 * pending ones), so a chunk keeps its number, and its job its id, however much is already rendered.
 * Chunks are the campaign's own size, fixed at submit, so every process cuts the same ones; `size`
 * is for campaigns submitted before that was recorded.
 */
export async function pendingChunks(
  db: Db,
  campaignId: string,
  size: number,
): Promise<Map<number, string[]>> {
  const { rows } = await db.query<{ id: string; chunk: number }>(
    `SELECT id, chunk FROM (
       SELECT k.id, k.status,
              (row_number() OVER (ORDER BY k.seq) - 1) / coalesce(c.render_chunk_size, $2) AS chunk
         FROM cards k JOIN campaigns c ON c.id = k.campaign_id
        WHERE k.campaign_id = $1) c
      WHERE status = 'pending' ORDER BY chunk, id`,
    [campaignId, size],
  );
  const chunks = new Map<number, string[]>();
  for (const r of rows) {
    const list = chunks.get(r.chunk) ?? [];
    list.push(r.id);
    chunks.set(r.chunk, list);
  }
  return chunks;
}

export async function cardsById(db: Db, campaignId: string, ids: string[]): Promise<CardRow[]> {
  const { rows } = await db.query<CardRow>(
    "SELECT * FROM cards WHERE campaign_id = $1 AND id = ANY($2::text[]) ORDER BY seq",
    [campaignId, ids],
  );
  return rows;
}

/** Outcomes are recorded only while the card's campaign renders: a cancelled one keeps its cards as they were. */
const CAMPAIGN_RENDERING =
  "EXISTS (SELECT 1 FROM campaigns k WHERE k.id = cards.campaign_id AND k.status = 'rendering')";

/**
 * Render: counts a start before the card's render begins, in its own statement, so a render that
 * kills its process is still on record. Nothing is counted (undefined) when the card is no longer
 * pending or its campaign no longer rendering (cancelled). `crashes`: earlier starts that never
 * came back.
 */
export async function startRender(db: Db, id: string): Promise<{ crashes: number } | undefined> {
  const { rows } = await db.query<{ crashes: number }>(
    `UPDATE cards SET render_starts = render_starts + 1
      WHERE id = $1 AND status = 'pending' AND ${CAMPAIGN_RENDERING}
      RETURNING render_starts - 1 - render_ends AS crashes`,
    [id],
  );
  return rows[0];
}

/** Render: the render came back but its outcome could not be recorded (storage, database): not a crash. */
export async function endRender(db: Db, id: string): Promise<void> {
  await db.query("UPDATE cards SET render_ends = render_ends + 1 WHERE id = $1", [id]);
}

/** Render: record a rendered card, unless another attempt already did (first outcome wins). */
export async function markRendered(
  db: Db,
  id: string,
  v: { pdfKey: string; sha256: string; pages: number; report: CardReport },
): Promise<void> {
  const { rowCount } = await db.query(
    `UPDATE cards SET status = 'rendered', pdf_key = $2, pdf_sha256 = $3, pages = $4, report = $5,
            rendered_at = now(), attempts = attempts + 1, render_ends = render_ends + 1
      WHERE id = $1 AND status = 'pending' AND ${CAMPAIGN_RENDERING}`,
    [id, v.pdfKey, v.sha256, v.pages, JSON.stringify(v.report)],
  );
  pipelineMetrics.cardRendered(rowCount);
}

export async function markFailed(
  db: Db,
  id: string,
  v: { reason: string; detail: string; report: Partial<CardReport> },
): Promise<void> {
  const failed = await inTransaction(db, async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE cards SET status = 'failed', failure_reason = $2, failure_detail = $3, report = $4,
              failed_at = now(), attempts = attempts + 1, render_ends = render_ends + 1
        WHERE id = $1 AND status = 'pending' AND ${CAMPAIGN_RENDERING}`,
      [id, v.reason, v.detail, JSON.stringify(v.report)],
    );
    if (rowCount) await emitCardEvent(tx, id, "card.failed");
    return rowCount;
  });
  // Counted once committed, so a rolled-back failure is not counted.
  pipelineMetrics.cardFailed(failed, v.reason);
}

/** Render: counts one unexpected fault against a pending card: how many so far, over how long. */
export async function countFault(
  db: Db,
  id: string,
): Promise<{ attempts: number; seconds: number } | undefined> {
  const { rows } = await db.query<{ attempts: number; seconds: number }>(
    `UPDATE cards SET attempts = attempts + 1, render_ends = render_ends + 1,
            first_fault_at = coalesce(first_fault_at, now())
      WHERE id = $1 AND status = 'pending'
      RETURNING attempts, extract(epoch FROM now() - first_fault_at)::float8 AS seconds`,
    [id],
  );
  return rows[0];
}

export async function countPending(db: Db, campaignId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM cards WHERE campaign_id = $1 AND status = 'pending'",
    [campaignId],
  );
  return rows[0]?.n ?? 0;
}

export async function cardCounts(db: Db, campaignId: string): Promise<Record<string, number>> {
  // Kept by triggers on cards (migration 0023), so asking once a chunk costs no count.
  const { rows } = await db.query<{ pending: number; rendered: number; failed: number }>(
    `SELECT pending::int, rendered::int, failed::int FROM campaign_counts WHERE campaign_id = $1`,
    [campaignId],
  );
  return { ...rows[0] };
}

/** Batching: rendered cards not yet in a batch, with what presorting needs. */
export async function unbatchedRenderedCards(tx: PoolClient, campaignId: string) {
  const { rows } = await tx.query<{ id: string; data: Recipient; pages: number }>(
    `SELECT id, data, pages FROM cards
      WHERE campaign_id = $1 AND status = 'rendered' AND batch_id IS NULL ORDER BY seq`,
    [campaignId],
  );
  return rows;
}

/** The campaign's cards print in its account's colour mode as it is when the campaign is frozen. */
export async function takeAccountColorMode(tx: PoolClient, campaignId: string): Promise<void> {
  await tx.query(
    `UPDATE campaigns k SET color_mode = a.color_mode FROM accounts a
      WHERE k.id = $1 AND a.id = k.account_id`,
    [campaignId],
  );
}

export async function insertBatch(
  tx: PoolClient,
  row: {
    id: string;
    accountId: string;
    campaignId: string;
    format: string;
    number: number;
    cardCount: number;
    colorMode: ColorMode;
  },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO batches (id, account_id, campaign_id, format, number, card_count, color_mode)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (campaign_id, format, number) DO NOTHING`,
    [row.id, row.accountId, row.campaignId, row.format, row.number, row.cardCount, row.colorMode],
  );
  return (rowCount ?? 0) > 0;
}

/** Puts cards into a batch in print order; a card already in a batch is left where it is. */
export async function assignCards(
  tx: PoolClient,
  batchId: string,
  cardIds: string[],
): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE cards c SET batch_id = $1, batch_sequence = x.ord
       FROM unnest($2::text[]) WITH ORDINALITY AS x(id, ord)
      WHERE c.id = x.id AND c.batch_id IS NULL`,
    [batchId, cardIds],
  );
  return rowCount ?? 0;
}

export async function batchesOfCampaign(db: Db, campaignId: string): Promise<BatchRow[]> {
  const { rows } = await db.query<BatchRow>(
    "SELECT * FROM batches WHERE campaign_id = $1 ORDER BY format, number",
    [campaignId],
  );
  return rows;
}

export async function findBatchById(db: Db, id: string): Promise<BatchRow | undefined> {
  const { rows } = await db.query<BatchRow>("SELECT * FROM batches WHERE id = $1", [id]);
  return rows[0];
}

export async function batchCards(db: Db, batchId: string): Promise<CardRow[]> {
  const { rows } = await db.query<CardRow>(
    "SELECT * FROM cards WHERE batch_id = $1 ORDER BY batch_sequence",
    [batchId],
  );
  return rows;
}

/** Counts a failed assembly: how many so far, and for how long (seconds since the first). */
export async function countBatchFailure(
  db: Db,
  id: string,
): Promise<{ failures: number; seconds: number } | undefined> {
  const { rows } = await db.query<{ failures: number; seconds: number }>(
    `UPDATE batches SET failures = failures + 1, first_failure_at = coalesce(first_failure_at, now())
      WHERE id = $1 AND status = 'assembling'
      RETURNING failures, extract(epoch FROM now() - first_failure_at)::float8 AS seconds`,
    [id],
  );
  return rows[0];
}

export async function markBatchFailed(db: Db, id: string, failure: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE batches SET status = 'failed', failure = $2, failed_at = now()
        WHERE id = $1 AND status = 'assembling'`,
      [id, failure],
    );
    if (rowCount) await emitBatchEvent(tx, id, "batch.failed");
  });
}

export async function markBatchReady(
  db: Db,
  id: string,
  v: {
    pages: number;
    pdf: { key: string; bytes: number; sha256: string };
    manifest: { key: string; bytes: number; sha256: string };
    zip: { key: string; bytes: number; sha256: string };
  },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE batches SET status = 'ready', pages = $2, pdf_key = $3, pdf_bytes = $4, pdf_sha256 = $5,
            manifest_key = $6, manifest_bytes = $7, manifest_sha256 = $8,
            zip_key = $9, zip_bytes = $10, zip_sha256 = $11, ready_at = now()
      WHERE id = $1 AND status = 'assembling'`,
      [
        id,
        v.pages,
        v.pdf.key,
        v.pdf.bytes,
        v.pdf.sha256,
        v.manifest.key,
        v.manifest.bytes,
        v.manifest.sha256,
        v.zip.key,
        v.zip.bytes,
        v.zip.sha256,
      ],
    );
    if (rowCount) await emitBatchEvent(tx, id, "batch.ready");
  });
}

/** Campaign status moves, each allowed only from the state before it (so a retry is a no-op). */
export async function moveCampaign(
  db: Db,
  campaignId: string,
  from: string[],
  to: "scheduled" | "rendering" | "batching" | "ready" | "cancelled" | "failed",
  extraWhere = "",
): Promise<boolean> {
  const stamp = to === "scheduled" ? "submitted_at" : `${to}_at`;
  const event = CAMPAIGN_EVENTS[to];
  return inTransaction(db, async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE campaigns SET status = $3, ${stamp} = now(), updated_at = now()
        WHERE id = $1 AND status = ANY($2::text[]) ${extraWhere}`,
      [campaignId, from, to],
    );
    const moved = (rowCount ?? 0) > 0;
    if (moved && event) await emitCampaignEvent(tx, campaignId, event);
    return moved;
  });
}

/** The moves a customer hears about (submitted is told by submit's freeze, once send_at is set). */
const CAMPAIGN_EVENTS: Partial<Record<string, EventType>> = {
  cancelled: "campaign.canceled",
  ready: "campaign.ready",
  failed: "campaign.failed",
};

export async function campaignsInState(db: Db, statuses: string[]) {
  const { rows } = await db.query<{ id: string; status: string; send_at: Date | null }>(
    "SELECT id, status, send_at FROM campaigns WHERE status = ANY($1::text[])",
    [statuses],
  );
  return rows;
}

/** Progress for the business: a campaign's cards in import order, optionally by status. */
export async function listCards(
  db: Db,
  accountId: string,
  campaignId: string,
  page: PageRequest & { status?: string },
): Promise<Listed<CardRow>[]> {
  const { rows } = await db.query<Listed<CardRow>>(
    `SELECT *, seq::text AS sort_key FROM cards WHERE account_id = $1 AND campaign_id = $2
        AND ($3::text IS NULL OR status = $3)
        AND ($4::bigint IS NULL OR seq > $4::bigint)
      ORDER BY seq LIMIT $5`,
    [accountId, campaignId, page.status ?? null, page.after?.key ?? null, page.limit],
  );
  return rows;
}

export async function findCard(
  db: Db,
  accountId: string,
  campaignId: string,
  id: string,
): Promise<CardRow | undefined> {
  const { rows } = await db.query<CardRow>(
    "SELECT * FROM cards WHERE account_id = $1 AND campaign_id = $2 AND id = $3",
    [accountId, campaignId, id],
  );
  return rows[0];
}
