/**
 * Sending the outbox. Workers poll PostgreSQL for due deliveries and enqueue one job per
 * (delivery, attempt); the job claims its delivery (so a duplicate job does nothing), signs and
 * sends the event, and records the attempt. A non-2xx, a timeout or a refused address is retried
 * with doubling delays for three days from the event; an endpoint that has failed for three days
 * is disabled, with a webhook_endpoint.disabled event. PostgreSQL, not Redis, holds all of this,
 * so a lost queue or a killed worker only delays a delivery (at least once, in no promised order).
 */
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import type { Logger } from "../../logger.ts";
import type { Producer } from "../../queue/producer.ts";
import type { Resolver } from "./address-guard.ts";
import { countDeliveryOutcome, type DeliveryOutcome } from "./delivery-metrics.ts";
import { emitEvent } from "./emit-event.ts";
import { eventJson } from "./event-json.ts";
import type { EventRow } from "./events.repository.ts";
import * as repo from "./webhook-deliveries.repository.ts";
import { endpointJson } from "./webhook-endpoint-json.ts";
import type { EndpointRow } from "./webhook-endpoints.repository.ts";
import { sendWebhook } from "./webhook-send.ts";
import { SIGNATURE_HEADER, signatureHeader } from "./webhook-signature.ts";

/** How long deliveries are retried, and how long an endpoint may fail before it is disabled. */
export const RETRY_FOR_MS = 3 * 24 * 3600 * 1000;
const MAX_DELAY_MS = 12 * 3600 * 1000;

/** The wait after attempt `n` failed: base, 2×base, 4×base… at most 12 hours. */
export const retryDelayMs = (baseMs: number, attempt: number) =>
  Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));

export function createWebhookDelivery(deps: {
  pool: Pool;
  producer: Pick<Producer, "addMany">;
  webhooks: { allowPrivate: boolean; retryBaseMs: number; timeoutMs: number };
  logger: Pick<Logger, "warn">;
  resolve?: Resolver;
  onOutcome?: (o: DeliveryOutcome) => void;
}) {
  const { pool, webhooks } = deps;
  const onOutcome = deps.onOutcome ?? countDeliveryOutcome;

  return {
    /** One poll: a job for every due delivery (job ids repeat, so polls overlap harmlessly). */
    async enqueueDue(limit = 500): Promise<number> {
      const due = await repo.dueDeliveries(pool, limit);
      await deps.producer.addMany(
        "deliver-webhook",
        due.map((d) => ({ deliveryId: d.id, attempt: d.attempts })),
      );
      return due.length;
    },

    async deliver(deliveryId: string): Promise<"succeeded" | "failed" | "skipped"> {
      const d = await repo.claimDelivery(pool, deliveryId, webhooks.timeoutMs + 5000);
      if (!d) return "skipped";
      const { rows } = await pool.query<EventRow>("SELECT * FROM events WHERE id = $1", [
        d.event_id,
      ]);
      const event = rows[0];
      if (!event) return "skipped";
      const body = JSON.stringify(eventJson(event));
      const timestamp = Math.floor(Date.now() / 1000);
      const result = await sendWebhook({
        url: d.url,
        body,
        headers: {
          "content-type": "application/json",
          "user-agent": "cardmerge-webhooks/1",
          [SIGNATURE_HEADER]: signatureHeader(d.secrets, timestamp, body),
        },
        allowPrivate: webhooks.allowPrivate,
        timeoutMs: webhooks.timeoutMs,
        resolve: deps.resolve,
      });
      await withTransaction(pool, async (tx) => {
        const { endpointFailingMs } = await repo.recordAttempt(tx, d, {
          ...result,
          retryInMs: retryDelayMs(webhooks.retryBaseMs, d.attempts),
          giveUpAfterMs: RETRY_FOR_MS,
        });
        if (result.ok || endpointFailingMs === null || endpointFailingMs < RETRY_FOR_MS) return;
        const reason = `Every delivery failed for three days (the last: ${result.error}). Fix the receiver, then PATCH status "enabled".`;
        if (!(await repo.disableEndpoint(tx, d.endpoint_id, reason))) return;
        const { rows: found } = await tx.query<EndpointRow>(
          "SELECT * FROM webhook_endpoints WHERE id = $1",
          [d.endpoint_id],
        );
        const endpoint = found[0] as EndpointRow;
        await emitEvent(tx, {
          accountId: endpoint.account_id,
          type: "webhook_endpoint.disabled",
          object: endpointJson(endpoint),
        });
        deps.logger.warn({ endpoint: endpoint.id }, "webhook endpoint disabled after three days");
      });
      onOutcome({
        outcome: result.ok ? "succeeded" : "failed",
        statusCode: result.statusCode,
        refused: result.error?.startsWith("refused:") ?? false,
        durationMs: result.durationMs,
        attempt: d.attempts,
      });
      return result.ok ? "succeeded" : "failed";
    },
  };
}

export type WebhookDelivery = ReturnType<typeof createWebhookDelivery>;
