-- Up Migration

-- Where a card's QR code leads (validated by the API: http or https, no credentials, at most 2,000
-- characters). A campaign made by an automation's day copies the automation's.
ALTER TABLE campaigns ADD COLUMN landing_url text CHECK (length(landing_url) <= 2000);
ALTER TABLE automations ADD COLUMN landing_url text CHECK (length(landing_url) <= 2000);

-- Each card's own short URL, fixed when the card is made (a re-render draws the same code). The
-- token in it is random (128 bits); lookups go by its SHA-256, so an index walk reveals nothing of
-- the tokens that exist.
ALTER TABLE cards
  ADD COLUMN qr_url text,
  ADD COLUMN qr_token_sha256 bytea;
CREATE UNIQUE INDEX cards_qr_token_idx ON cards (qr_token_sha256) WHERE qr_token_sha256 IS NOT NULL;

-- One row per scan of a card's code.
CREATE TABLE scans (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  campaign_id text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  card_id     text NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
  user_agent  text CHECK (length(user_agent) <= 300),
  scanned_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scans_campaign_idx ON scans (campaign_id, card_id);

-- Down Migration
DROP TABLE scans;
DROP INDEX cards_qr_token_idx;
ALTER TABLE cards DROP COLUMN qr_url, DROP COLUMN qr_token_sha256;
ALTER TABLE automations DROP COLUMN landing_url;
ALTER TABLE campaigns DROP COLUMN landing_url;
