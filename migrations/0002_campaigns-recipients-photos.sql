-- Up Migration

-- An account's own card designs; built-in templates live in templates/ and are not rows.
CREATE TABLE templates (
  id          text PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name        text NOT NULL,
  occasion    text,
  formats     text[] NOT NULL,
  storage_prefix text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX templates_account_idx ON templates (account_id, created_at, id);

CREATE TABLE photos (
  id          text PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  filename    text NOT NULL,
  source_format text NOT NULL,
  width       integer NOT NULL,
  height      integer NOT NULL,
  bytes       bigint NOT NULL,
  sha256      text NOT NULL,
  master_key  text NOT NULL,
  preview_key text NOT NULL,
  warnings    jsonb NOT NULL DEFAULT '[]',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX photos_account_idx ON photos (account_id, created_at, id);
-- A CSV's photo column names an upload by its file name; the newest upload of a name wins.
CREATE INDEX photos_filename_idx ON photos (account_id, lower(filename), created_at DESC);

CREATE TABLE campaigns (
  id          text PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name        text NOT NULL,
  occasion    text NOT NULL CHECK (occasion IN ('thank_you', 'birthday', 'october_holiday', 'anniversary', 'custom')),
  template_id text NOT NULL,
  format      text NOT NULL,
  message     text,
  merge_fields text[] NOT NULL DEFAULT '{}',
  sender      jsonb NOT NULL,
  photo_id    text REFERENCES photos (id),
  metadata    jsonb NOT NULL DEFAULT '{}',
  status      text NOT NULL DEFAULT 'draft'
              CHECK (status IN ('draft', 'scheduled', 'rendering', 'batching', 'ready', 'cancelled', 'failed')),
  send_at     timestamptz,
  submitted_at timestamptz,
  rendering_at timestamptz,
  batching_at  timestamptz,
  ready_at     timestamptz,
  cancelled_at timestamptz,
  failed_at    timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_account_idx ON campaigns (account_id, created_at, id);

CREATE TABLE imports (
  id           text PRIMARY KEY,
  account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  campaign_id  text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  source       text NOT NULL CHECK (source IN ('csv', 'json')),
  filename     text,
  encoding     text,
  delimiter    text,
  columns      jsonb NOT NULL DEFAULT '[]',
  rows         integer NOT NULL DEFAULT 0,
  imported     integer NOT NULL DEFAULT 0,
  rejected     integer NOT NULL DEFAULT 0,
  duplicates   integer NOT NULL DEFAULT 0,
  errors       jsonb NOT NULL DEFAULT '[]',
  failures_key text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX imports_campaign_idx ON imports (campaign_id, created_at, id);

CREATE TABLE recipients (
  id           text PRIMARY KEY,
  -- Import order, for stable listing (rows of one import share created_at).
  seq          bigint GENERATED ALWAYS AS IDENTITY,
  account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  campaign_id  text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  import_id    text REFERENCES imports (id) ON DELETE SET NULL,
  row_number   integer,
  data         jsonb NOT NULL,
  photo_id     text REFERENCES photos (id),
  dedupe_key   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  -- The same person at the same address is one recipient, however many times uploaded.
  UNIQUE (campaign_id, dedupe_key)
);
CREATE INDEX recipients_campaign_idx ON recipients (campaign_id, seq);
