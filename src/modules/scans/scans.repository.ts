import type { Pool, PoolClient } from "../../db/pool.ts";

export interface ScanTarget {
  card_id: string;
  account_id: string;
  campaign_id: string;
  landing_url: string | null;
  name: string;
  metadata: Record<string, string>;
  automation_name: string | null;
}

/** The card a token's hash names, with what its redirect needs; undefined for none. */
export async function findScanTarget(db: Pool, hash: Buffer): Promise<ScanTarget | undefined> {
  const { rows } = await db.query<ScanTarget>(
    `SELECT k.id AS card_id, k.account_id, k.campaign_id, c.landing_url, c.name, c.metadata,
            a.name AS automation_name
       FROM cards k JOIN campaigns c ON c.id = k.campaign_id
       LEFT JOIN automations a ON a.id = c.automation_id
      WHERE k.qr_token_sha256 = $1`,
    [hash],
  );
  return rows[0];
}

export async function insertScan(
  db: Pool | PoolClient,
  t: ScanTarget,
  userAgent: string | undefined,
): Promise<Date> {
  const { rows } = await db.query<{ scanned_at: Date }>(
    `INSERT INTO scans (account_id, campaign_id, card_id, user_agent) VALUES ($1, $2, $3, $4)
     RETURNING scanned_at`,
    [t.account_id, t.campaign_id, t.card_id, userAgent?.slice(0, 300) ?? null],
  );
  return (rows[0] as { scanned_at: Date }).scanned_at;
}
