-- Up Migration

-- Where an account wants its events. The secret signs deliveries, so it is kept as is (it cannot
-- be hashed: we need it to compute the HMAC). A rolled secret keeps signing beside the new one
-- until previous_secret_expires_at, so receivers can switch without losing a delivery.
-- batches_only: made by a vendor key (batches scope only), which may subscribe to batch.* only.
-- failing_since: the first failed attempt since the last success; three days of it disables.
CREATE TABLE webhook_endpoints (
  id                          text PRIMARY KEY,
  account_id                  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  mode                        text NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test')),
  url                         text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  description                 text CHECK (length(description) <= 500),
  event_types                 text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 64),
  status                      text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
  disabled_reason             text,
  batches_only                boolean NOT NULL DEFAULT false,
  secret                      text NOT NULL,
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  failing_since               timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_account_idx ON webhook_endpoints (account_id, created_at DESC, id DESC);

-- The outbox: one row per (endpoint, event), written in the event's transaction. The workers send
-- what is due (next_attempt_at), claiming a row by moving next_attempt_at past the attempt's time,
-- so a worker that dies mid-attempt leaves it due again and another sends it (at least once).
CREATE TABLE webhook_deliveries (
  id               text PRIMARY KEY,
  account_id       text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id         text NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_attempt_at  timestamptz,
  last_status_code integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  completed_at     timestamptz,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

-- Every attempt, for GET …/deliveries: what was answered, or why nothing was sent.
CREATE TABLE webhook_attempts (
  id           text PRIMARY KEY,
  delivery_id  text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  status_code  integer,
  outcome      text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
  error        text,
  duration_ms  integer NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, created_at);
