/**
 * Events about the pipeline's objects, each with the object re-read inside the change's
 * transaction and shown as the API shows it: what a webhook carries is what GET answered then.
 * Called from the one place each change is written (see the call sites' comments).
 */
import type { PoolClient } from "../../db/pool.ts";
import { automationCardJson } from "../automations/automation-card-json.ts";
import type { AutomationCardRow } from "../automations/automations.repository.ts";
import { batchJson } from "../batches/batch-json.ts";
import { AUTOMATION } from "../batches/batches.repository.ts";
import { campaignJson } from "../campaigns/campaign-json.ts";
import { type CampaignRow, findCampaign } from "../campaigns/campaigns.repository.ts";
import type { ContactImportRow } from "../contacts/contact-imports.repository.ts";
import { contactImportJson } from "../contacts/contacts.schemas.ts";
import { cardJson } from "../pipeline/card-json.ts";
import type { BatchRow, CardRow } from "../pipeline/pipeline.repository.ts";
import type { ImportRow } from "../recipients/recipients.repository.ts";
import { importJson } from "../recipients/recipients.schemas.ts";
import { emitEvent, emitEvents } from "./emit-event.ts";
import { modeOf } from "./event-mode.ts";
import type { EventType } from "./event-types.ts";

export async function emitCampaignEvent(
  tx: PoolClient,
  campaignId: string,
  type: EventType,
): Promise<void> {
  const { rows } = await tx.query<{ account_id: string }>(
    "SELECT account_id FROM campaigns WHERE id = $1",
    [campaignId],
  );
  const accountId = rows[0]?.account_id;
  const row: CampaignRow | undefined = accountId
    ? await findCampaign(tx, accountId, campaignId)
    : undefined;
  if (!row) return;
  await emitEvent(tx, {
    accountId: row.account_id,
    mode: modeOf(row),
    type,
    object: campaignJson(row),
  });
}

export async function emitBatchEvent(
  tx: PoolClient,
  batchId: string,
  type: EventType,
): Promise<void> {
  const { rows } = await tx.query<BatchRow>(
    `SELECT b.*, ${AUTOMATION} FROM batches b WHERE b.id = $1`,
    [batchId],
  );
  const row = rows[0];
  if (!row) return;
  await emitEvent(tx, {
    accountId: row.account_id,
    mode: modeOf(row),
    type,
    object: batchJson(row),
  });
}

export async function emitCardEvent(tx: PoolClient, cardId: string, type: EventType) {
  const { rows } = await tx.query<CardRow>("SELECT * FROM cards WHERE id = $1", [cardId]);
  const row = rows[0];
  if (!row) return;
  await emitEvent(tx, {
    accountId: row.account_id,
    mode: modeOf(row),
    type,
    object: cardJson(row),
  });
}

/** A campaign's recipient import, reported when its transaction commits. */
export async function emitImportCompleted(tx: PoolClient, row: ImportRow): Promise<void> {
  await emitEvent(tx, {
    accountId: row.account_id,
    mode: modeOf(row),
    type: "import.completed",
    object: importJson(row),
  });
}

export async function emitContactImportCompleted(
  tx: PoolClient,
  row: ContactImportRow,
): Promise<void> {
  await emitEvent(tx, {
    accountId: row.account_id,
    mode: modeOf(row),
    type: "contact_import.completed",
    object: contactImportJson(row),
  });
}

/** The cards a daily run just made (by their recipients), as GET …/automations/:id/cards lists them. */
export async function emitAutomationCardsCreated(
  tx: PoolClient,
  campaignId: string,
  recipientIds: string[],
): Promise<void> {
  const { rows } = await tx.query<AutomationCardRow>(
    `SELECT k.*, s.contact_id, s.send_date, s.occasion_date
       FROM automation_sends s
       JOIN cards k ON k.campaign_id = s.campaign_id AND k.recipient_id = s.recipient_id
      WHERE s.campaign_id = $1 AND s.recipient_id = ANY($2::text[]) ORDER BY k.seq`,
    [campaignId, recipientIds],
  );
  const first = rows[0];
  if (!first) return;
  await emitEvents(tx, {
    accountId: first.account_id,
    mode: modeOf(first),
    type: "automation.card_created",
    objects: rows.map(automationCardJson),
  });
}
