-- Up Migration

-- What changed for a customer, written in the same transaction as the change (an outbox): the
-- object as the API returned it at that moment, so a reader sees what happened, not what is now.
-- mode: live or test, like the key (and objects) the change was made under; an endpoint gets only
-- the events of its mode.
CREATE TABLE events (
  id          text PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  mode        text NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test')),
  type        text NOT NULL CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$' AND length(type) <= 64),
  object_id   text NOT NULL,
  data        jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- The list (newest first), by type, and by the object an event is about.
CREATE INDEX events_account_idx ON events (account_id, created_at DESC, id DESC);
CREATE INDEX events_account_type_idx ON events (account_id, type, created_at DESC, id DESC);
CREATE INDEX events_account_object_idx ON events (account_id, object_id, created_at DESC, id DESC);
