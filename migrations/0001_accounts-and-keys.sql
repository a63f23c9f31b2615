-- Up Migration

CREATE TABLE accounts (
  id          text PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  default_country text NOT NULL DEFAULT 'US' CHECK (default_country ~ '^[A-Z]{2}$'),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Keys are stored as SHA-256 hashes (they are 190-bit random, so a fast hash is enough);
-- the prefix is kept in clear so people can tell keys apart.
CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name         text NOT NULL DEFAULT '',
  prefix       text NOT NULL,
  secret_hash  bytea NOT NULL UNIQUE,
  scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['campaigns', 'batches', 'admin']::text[] AND cardinality(scopes) > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, created_at, id);

-- One row per (account, Idempotency-Key). response_status is NULL while the first request runs.
CREATE TABLE idempotency_keys (
  account_id       text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  key              text NOT NULL,
  request_hash     text NOT NULL,
  method           text NOT NULL,
  path             text NOT NULL,
  response_status  integer,
  response_headers jsonb,
  response_body    text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
