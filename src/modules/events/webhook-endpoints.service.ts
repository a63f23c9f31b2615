/**
 * Webhook endpoints: a URL and the event types it wants. The secret is shown when made and when
 * rolled; a rolled secret keeps signing beside the new one for a day, so a receiver can switch
 * without a gap. A vendor key (batches scope only) may subscribe to batch events only, and sees
 * only the endpoints vendor keys made. At most MAX_ENDPOINTS per account.
 */
import type { PageRequest } from "../../db/cursor.ts";
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { type FieldError, notFound, unprocessable, validation } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { modeOf } from "./event-mode.ts";
import { eventPatternHelp, isBatchPattern, isEventPattern } from "./event-types.ts";
import { isVendor, type Reader } from "./events.service.ts";
import * as deliveries from "./webhook-deliveries.repository.ts";
import * as repo from "./webhook-endpoints.repository.ts";
import { newWebhookSecret } from "./webhook-signature.ts";
import { urlFaults } from "./webhook-url.ts";

export const MAX_ENDPOINTS = 16;
/** How long a rolled secret keeps signing beside the new one. */
export const ROLL_GRACE_SECONDS = 24 * 3600;

export interface EndpointInput {
  url?: string;
  description?: string | null;
  event_types?: string[];
  status?: "enabled" | "disabled";
}

export function createWebhookEndpointsService(deps: {
  pool: Pool;
  webhooks: { allowPrivate: boolean };
}) {
  const { pool } = deps;
  const scopeOf = (r: Reader): repo.EndpointScope => ({
    accountId: r.accountId,
    mode: modeOf(r),
    batchesOnly: isVendor(r),
  });

  /** Every fault of the input at once, each naming its field. */
  function check(reader: Reader, input: EndpointInput): string[] | undefined {
    const errors: FieldError[] = [];
    if (input.url !== undefined)
      errors.push(...urlFaults(input.url, { allowPrivate: deps.webhooks.allowPrivate }));
    const types = input.event_types && [...new Set(input.event_types)];
    types?.forEach((t, i) => {
      if (!isEventPattern(t))
        errors.push({ field: `event_types/${i}`, message: `unknown: use ${eventPatternHelp()}` });
      else if (isVendor(reader) && !isBatchPattern(t))
        errors.push({
          field: `event_types/${i}`,
          message:
            'a key with only the batches scope may subscribe to batch events ("batch.*") only',
        });
    });
    if (errors.length > 0) throw validation("The webhook endpoint is not valid.", errors);
    return types;
  }

  async function endpointOf(reader: Reader, id: string) {
    const row = await repo.findEndpoint(pool, scopeOf(reader), id);
    if (!row) throw notFound("Webhook endpoint");
    return row;
  }

  return {
    async create(
      reader: Reader,
      input: Required<Pick<EndpointInput, "url" | "event_types">> & EndpointInput,
    ) {
      const types = check(reader, input) as string[];
      return withTransaction(pool, async (tx) => {
        if ((await repo.lockAccountEndpoints(tx, reader.accountId)) >= MAX_ENDPOINTS)
          throw unprocessable(
            `An account can have at most ${MAX_ENDPOINTS} webhook endpoints: delete one, or subscribe one endpoint to more event types.`,
          );
        return repo.insertEndpoint(tx, {
          id: newId("we"),
          account_id: reader.accountId,
          mode: modeOf(reader),
          url: input.url,
          description: input.description ?? null,
          event_types: types,
          batches_only: isVendor(reader),
          secret: newWebhookSecret(),
        });
      });
    },
    list: (reader: Reader, page: PageRequest) => repo.listEndpoints(pool, scopeOf(reader), page),
    get: endpointOf,
    async update(reader: Reader, id: string, input: EndpointInput) {
      const types = check(reader, input);
      const row = await repo.updateEndpoint(pool, scopeOf(reader), id, {
        ...input,
        event_types: types,
      });
      if (!row) throw notFound("Webhook endpoint");
      return row;
    },
    async remove(reader: Reader, id: string) {
      if (!(await repo.deleteEndpoint(pool, scopeOf(reader), id)))
        throw notFound("Webhook endpoint");
    },
    async rollSecret(reader: Reader, id: string) {
      const row = await repo.rollSecret(
        pool,
        scopeOf(reader),
        id,
        newWebhookSecret(),
        ROLL_GRACE_SECONDS,
      );
      if (!row) throw notFound("Webhook endpoint");
      return row;
    },
    async deliveries(reader: Reader, id: string, page: PageRequest & { status?: string }) {
      await endpointOf(reader, id);
      return deliveries.listDeliveries(pool, id, page);
    },
    async retry(reader: Reader, id: string, deliveryId: string) {
      await endpointOf(reader, id);
      if (!(await deliveries.retryDelivery(pool, id, deliveryId))) throw notFound("Delivery");
      return deliveries.findDelivery(pool, id, deliveryId) as Promise<deliveries.DeliveryRow>;
    },
  };
}

export type WebhookEndpointsService = ReturnType<typeof createWebhookEndpointsService>;
