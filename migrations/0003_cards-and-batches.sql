-- Up Migration

-- One card per recipient of a submitted campaign, with a frozen copy of the merge data: later edits
-- to anything cannot change a card that is being printed.
CREATE TABLE cards (
  id             text PRIMARY KEY,
  account_id     text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  campaign_id    text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  recipient_id   text NOT NULL,
  seq            bigint NOT NULL,
  data           jsonb NOT NULL,
  photo_id       text REFERENCES photos (id),
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'rendered', 'failed')),
  attempts       integer NOT NULL DEFAULT 0,
  failure_reason text,
  failure_detail text,
  report         jsonb,
  pdf_key        text,
  pdf_sha256     text,
  pages          integer,
  rendered_at    timestamptz,
  failed_at      timestamptz,
  batch_id       text,
  batch_sequence integer,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, recipient_id)
);
CREATE INDEX cards_campaign_idx ON cards (campaign_id, seq);
CREATE INDEX cards_pending_idx ON cards (campaign_id) WHERE status = 'pending';

-- A print batch: up to N cards of one format, presorted. Assembled once: (campaign, format, number)
-- is unique, and each card points at exactly one batch.
CREATE TABLE batches (
  id              text PRIMARY KEY,
  account_id      text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  campaign_id     text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  format          text NOT NULL,
  number          integer NOT NULL,
  card_count      integer NOT NULL,
  status          text NOT NULL DEFAULT 'assembling'
                  CHECK (status IN ('assembling', 'ready', 'downloaded', 'printed', 'mailed')),
  pages           integer,
  pdf_key         text,
  pdf_bytes       bigint,
  pdf_sha256      text,
  manifest_key    text,
  manifest_bytes  bigint,
  manifest_sha256 text,
  zip_key         text,
  zip_bytes       bigint,
  zip_sha256      text,
  ready_at        timestamptz,
  downloaded_at   timestamptz,
  printed_at      timestamptz,
  mailed_at       timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, format, number)
);
CREATE INDEX batches_account_idx ON batches (account_id, status, created_at, id);
ALTER TABLE cards ADD CONSTRAINT cards_batch_fk FOREIGN KEY (batch_id) REFERENCES batches (id);
CREATE INDEX cards_batch_idx ON cards (batch_id, batch_sequence);
