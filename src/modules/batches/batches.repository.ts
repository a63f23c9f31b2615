import { type Listed, type PageRequest, timeKey } from "../../db/cursor.ts";
import type { Pool } from "../../db/pool.ts";
import { inTransaction } from "../../db/transaction.ts";
import { emitBatchEvent } from "../events/object-events.ts";
import type { BatchRow } from "../pipeline/pipeline.repository.ts";

/** The automation whose day a batch prints (null for a campaign's): id, name and day. */
export const AUTOMATION = `(SELECT jsonb_build_object('id', a.id, 'name', a.name, 'send_date', c.send_date)
    FROM campaigns c JOIN automations a ON a.id = c.automation_id
   WHERE c.id = b.campaign_id) AS automation,
  (SELECT c.name FROM campaigns c WHERE c.id = b.campaign_id) AS campaign_name,
  (SELECT c.mode FROM campaigns c WHERE c.id = b.campaign_id) AS campaign_mode`;

/** A batch as the vendor routes read it: with where it came from, for its file names. */
export type VendorBatch = BatchRow & { campaign_name: string; campaign_mode: "live" | "test" };

/** Batches a vendor can see: assembled ones (ready or further; not assembling, not failed), newest first. */
export async function listBatches(
  db: Pool,
  accountId: string,
  page: PageRequest & { status?: string },
): Promise<Listed<VendorBatch>[]> {
  const { rows } = await db.query<Listed<VendorBatch>>(
    `SELECT b.*, ${timeKey("b.created_at")} AS sort_key, ${AUTOMATION} FROM batches b
      WHERE b.account_id = $1 AND b.ready_at IS NOT NULL
        AND ($2::text IS NULL OR b.status = $2)
        AND ($3::timestamptz IS NULL OR (b.created_at, b.id) < ($3::timestamptz, $4::text))
      ORDER BY b.created_at DESC, b.id DESC LIMIT $5`,
    [accountId, page.status ?? null, page.after?.key ?? null, page.after?.id ?? null, page.limit],
  );
  return rows;
}

export async function findBatch(
  db: Pool,
  accountId: string,
  id: string,
): Promise<VendorBatch | undefined> {
  const { rows } = await db.query<VendorBatch>(
    `SELECT b.*, ${AUTOMATION} FROM batches b
      WHERE b.account_id = $1 AND b.id = $2 AND b.ready_at IS NOT NULL`,
    [accountId, id],
  );
  return rows[0];
}

const ORDER = ["ready", "downloaded", "printed", "mailed"] as const;
export type Acknowledgement = "downloaded" | "printed" | "mailed";

/**
 * Records what the vendor did, at the time it says (default now). Status only moves forward;
 * each earlier step without a time gets this one (a batch mailed was printed and downloaded).
 */
export async function acknowledge(
  db: Pool,
  accountId: string,
  id: string,
  step: Acknowledgement,
  at: Date,
): Promise<VendorBatch | undefined> {
  const rank = ORDER.indexOf(step);
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<VendorBatch>(
      `UPDATE batches b SET
        status = CASE WHEN array_position($4::text[], status) < $5 THEN $3 ELSE status END,
        downloaded_at = CASE WHEN $5 >= 2 THEN coalesce(downloaded_at, $6) ELSE downloaded_at END,
        printed_at    = CASE WHEN $5 >= 3 THEN coalesce(printed_at, $6) ELSE printed_at END,
        mailed_at     = CASE WHEN $5 >= 4 THEN coalesce(mailed_at, $6) ELSE mailed_at END
      WHERE account_id = $1 AND id = $2 AND ready_at IS NOT NULL
      RETURNING b.*, ${AUTOMATION}`,
      [accountId, id, step, ORDER, rank + 1, at],
    );
    if (rows[0]) await emitBatchEvent(tx, id, "batch.acknowledged");
    return rows[0];
  });
}
