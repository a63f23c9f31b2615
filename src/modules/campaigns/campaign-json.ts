/** A campaign as the API shows it (also the object of campaign events). */
import type { CampaignRow } from "./campaigns.repository.ts";
import { cardDesignJson } from "./card-design-json.ts";

export function campaignJson(row: CampaignRow) {
  return {
    object: "campaign" as const,
    id: row.id,
    ...cardDesignJson(row),
    metadata: row.metadata,
    scans: { total: Number(row.scan_total ?? 0), cards: Number(row.scanned_cards ?? 0) },
    status: row.status,
    send_at: row.send_at?.toISOString() ?? null,
    automation_id: row.automation_id ?? null,
    send_date: row.send_date ?? null,
    recipients: Number(row.recipients),
    cards: {
      pending: row.card_counts?.pending ?? 0,
      rendered: row.card_counts?.rendered ?? 0,
      failed: row.card_counts?.failed ?? 0,
    },
    batches: row.batches ?? [],
    submitted_at: row.submitted_at?.toISOString() ?? null,
    rendering_at: row.rendering_at?.toISOString() ?? null,
    batching_at: row.batching_at?.toISOString() ?? null,
    ready_at: row.ready_at?.toISOString() ?? null,
    cancelled_at: row.cancelled_at?.toISOString() ?? null,
    failed_at: row.failed_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
