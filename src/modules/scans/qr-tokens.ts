/**
 * Each card's short URL, made when the card is (submit freezes a campaign): PUBLIC_URL/q/<token>,
 * the token 16 random bytes (128 bits) in base64url, drawn from the OS's CSPRNG and derived from
 * nothing (not the card's id). The URL is stored whole, so a re-render draws the same code; only
 * the token's SHA-256 is looked up.
 */
import { createHash, randomBytes } from "node:crypto";
import type { PoolClient } from "../../db/pool.ts";

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A proof's sample token: a real one's length, so the code prints at the same density; never issued. */
export const PROOF_TOKEN = "proof-sample-unissued0";

export const newToken = () => randomBytes(16).toString("base64url");

export const tokenHash = (token: string) => createHash("sha256").update(token).digest();

export function shortUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/q/${token}`;
}

/** Gives the campaign's new cards their short URLs, when the campaign has a landing URL. */
export async function assignShortUrls(
  tx: PoolClient,
  campaignId: string,
  publicUrl: string,
): Promise<number> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT k.id FROM cards k JOIN campaigns c ON c.id = k.campaign_id
      WHERE k.campaign_id = $1 AND c.landing_url IS NOT NULL AND k.qr_url IS NULL`,
    [campaignId],
  );
  if (rows.length === 0) return 0;
  const ids: string[] = [];
  const urls: string[] = [];
  const hashes: Buffer[] = [];
  for (const r of rows) {
    const token = newToken();
    ids.push(r.id);
    urls.push(shortUrl(publicUrl, token));
    hashes.push(tokenHash(token));
  }
  await tx.query(
    `UPDATE cards k SET qr_url = v.url, qr_token_sha256 = v.hash
       FROM unnest($1::text[], $2::text[], $3::bytea[]) AS v(id, url, hash)
      WHERE k.id = v.id`,
    [ids, urls, hashes],
  );
  return rows.length;
}
