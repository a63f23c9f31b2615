/** A card of an automation as the API lists it (also the object of automation.card_created). */
import type { AutomationCardRow } from "./automations.repository.ts";

export const automationCardJson = (c: AutomationCardRow) => ({
  object: "card" as const,
  id: c.id,
  campaign_id: c.campaign_id,
  contact_id: c.contact_id,
  recipient_name: c.data.fullName,
  send_date: c.send_date,
  occasion_date: c.occasion_date,
  status: c.status,
  failure_reason: c.failure_reason,
  batch_id: c.batch_id,
  pdf_url: c.pdf_key ? `/v1/campaigns/${c.campaign_id}/cards/${c.id}.pdf` : null,
});
