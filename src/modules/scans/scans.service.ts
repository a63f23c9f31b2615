/**
 * A scan of a card's QR code: find the card by its token's hash, record the scan, answer where to
 * send the person. A token that names no card (or a card whose campaign has no landing URL) is
 * simply not found; the caller answers every such case the same way.
 */
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { emitCardEvent } from "../events/object-events.ts";
import { scanRedirect } from "./landing-url.ts";
import { TOKEN_PATTERN, tokenHash } from "./qr-tokens.ts";
import { findScanTarget, insertScan } from "./scans.repository.ts";

export function createScansService(deps: { pool: Pool }) {
  return {
    /** The redirect for `token`, the scan recorded; undefined when it names no card. */
    async scan(token: string, userAgent: string | undefined): Promise<string | undefined> {
      // Hash whatever came, so a malformed token costs what a well-formed one does.
      const hash = tokenHash(token);
      const target = TOKEN_PATTERN.test(token) ? await findScanTarget(deps.pool, hash) : undefined;
      if (!target?.landing_url) return undefined;
      // The scan and its card.scanned event commit together (the outbox rule).
      await withTransaction(deps.pool, async (tx) => {
        await insertScan(tx, target, userAgent);
        await emitCardEvent(tx, target.card_id, "card.scanned");
      });
      // An automation's day campaign is tagged with the automation's name, not the day's.
      const name = target.automation_name ?? target.name;
      return scanRedirect(target.landing_url, { name, metadata: target.metadata ?? {} });
    },
  };
}

export type ScansService = ReturnType<typeof createScansService>;
