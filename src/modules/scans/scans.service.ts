/**
 * A scan of a card's QR code: find the card by its token's hash, record the scan, answer where to
 * send the person. A token that names no card (or a card whose campaign has no landing URL) is
 * simply not found; the caller answers every such case the same way.
 */
import type { Pool } from "../../db/pool.ts";
import { scanRedirect } from "./landing-url.ts";
import { TOKEN_PATTERN, tokenHash } from "./qr-tokens.ts";
import { cardScanned, cardScannedEvent } from "./scan-events.ts";
import { findScanTarget, insertScan } from "./scans.repository.ts";

export function createScansService(deps: { pool: Pool }) {
  return {
    /** The redirect for `token`, the scan recorded; undefined when it names no card. */
    async scan(token: string, userAgent: string | undefined): Promise<string | undefined> {
      // Hash whatever came, so a malformed token costs what a well-formed one does.
      const hash = tokenHash(token);
      const target = TOKEN_PATTERN.test(token) ? await findScanTarget(deps.pool, hash) : undefined;
      if (!target?.landing_url) return undefined;
      const scannedAt = await insertScan(deps.pool, target, userAgent);
      await cardScanned(
        cardScannedEvent({
          accountId: target.account_id,
          cardId: target.card_id,
          campaignId: target.campaign_id,
          scannedAt,
        }),
      );
      // An automation's day campaign is tagged with the automation's name, not the day's.
      const name = target.automation_name ?? target.name;
      return scanRedirect(target.landing_url, { name, metadata: target.metadata ?? {} });
    },
  };
}

export type ScansService = ReturnType<typeof createScansService>;
