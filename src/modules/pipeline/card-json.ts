/** A card as the API shows it (also the object of card events). */
import type { CardRow } from "./pipeline.repository.ts";

export const cardJson = (c: CardRow) => ({
  object: "card" as const,
  id: c.id,
  campaign_id: c.campaign_id,
  recipient_id: c.recipient_id,
  recipient_name: c.data.fullName,
  status: c.status,
  failure_reason: c.failure_reason,
  failure_detail: c.failure_detail,
  pages: c.pages,
  batch_id: c.batch_id,
  batch_sequence: c.batch_sequence,
  pdf_url: c.pdf_key ? `/v1/campaigns/${c.campaign_id}/cards/${c.id}.pdf` : null,
  qr_url: c.qr_url ?? null,
  report: c.report,
});
