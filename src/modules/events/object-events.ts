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
import type { EventType } from "./event-types.ts";

type Json = { id: string } & Record<string, unknown>;

/** One event for a row that is there (a row gone by now reports nothing). */
async function emitRowEvent<R extends { account_id: string }>(
  tx: PoolClient,
  row: R | undefined,
  type: EventType,
  json: (row: R) => Json,
): Promise<void> {
  if (row) await emitEvent(tx, { accountId: row.account_id, type, object: json(row) });
}

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
  await emitRowEvent(tx, row, type, campaignJson);
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
  await emitRowEvent(tx, rows[0], type, batchJson);
}

export async function emitCardEvent(tx: PoolClient, cardId: string, type: EventType) {
  const { rows } = await tx.query<CardRow>("SELECT * FROM cards WHERE id = $1", [cardId]);
  await emitRowEvent(tx, rows[0], type, cardJson);
}

/** A campaign's recipient import, reported when its transaction commits. */
export const emitImportCompleted = (tx: PoolClient, row: ImportRow) =>
  emitRowEvent(tx, row, "import.completed", importJson);

export const emitContactImportCompleted = (tx: PoolClient, row: ContactImportRow) =>
  emitRowEvent(tx, row, "contact_import.completed", contactImportJson);

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
    type: "automation.card_created",
    objects: rows.map(automationCardJson),
  });
}
