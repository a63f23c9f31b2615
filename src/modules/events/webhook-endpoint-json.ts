/** A webhook endpoint as the API shows it; the secret only when it has just been made or rolled. */
import type { DeliveryRow } from "./webhook-deliveries.repository.ts";
import type { EndpointRow } from "./webhook-endpoints.repository.ts";

export function endpointJson(row: EndpointRow) {
  return {
    object: "webhook_endpoint" as const,
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: row.event_types,
    status: row.status,
    disabled_reason: row.disabled_reason,
    mode: row.mode,
    previous_secret_expires_at: row.previous_secret_expires_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Only in the answers that make or roll it. */
export const endpointWithSecretJson = (row: EndpointRow) => ({
  ...endpointJson(row),
  secret: row.secret,
});

export function deliveryJson(row: DeliveryRow) {
  return {
    object: "webhook_delivery" as const,
    id: row.id,
    endpoint_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempt_count: row.attempts,
    next_attempt_at: row.status === "pending" ? row.next_attempt_at.toISOString() : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    attempts: (row.attempt_log ?? []).map((a) => ({
      ...a,
      outcome: a.outcome as "succeeded" | "failed",
      created_at: new Date(a.created_at).toISOString(),
    })),
    created_at: row.created_at.toISOString(),
    completed_at: row.completed_at?.toISOString() ?? null,
  };
}
