-- Up Migration

-- The account's clock: the daily run makes a day's cards once the account's wall clock reads
-- send_hour on that day, in its IANA time zone (validated by the API; the run computes the day in
-- the application, so PostgreSQL's own zone database is not involved).
ALTER TABLE accounts
  ADD COLUMN time_zone text NOT NULL DEFAULT 'America/New_York' CHECK (length(time_zone) BETWEEN 1 AND 64),
  ADD COLUMN send_hour smallint NOT NULL DEFAULT 6 CHECK (send_hour BETWEEN 0 AND 23);

-- A standing order: an occasion with a campaign's design. last_run_date is the last day the daily
-- run has done (cards made, skips recorded); the next run catches up the days after it. A deleted
-- automation keeps its row (deleted_at) so its campaigns and batches can still name it.
CREATE TABLE automations (
  id            text PRIMARY KEY,
  account_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  occasion      text NOT NULL CHECK (occasion IN ('birthday', 'anniversary', 'october_holiday', 'thank_you')),
  template_id   text NOT NULL,
  format        text NOT NULL,
  message       text,
  merge_fields  text[] NOT NULL DEFAULT '{}',
  sender        jsonb NOT NULL,
  photo_id      text REFERENCES photos (id),
  tag           text,
  active        boolean NOT NULL DEFAULT true,
  lead_days     smallint NOT NULL DEFAULT 10 CHECK (lead_days BETWEEN 0 AND 60),
  send_late     boolean NOT NULL DEFAULT false,
  -- october_holiday only: the days of the year its cards go out, as MM-DD, start <= end.
  window_start  text CHECK (window_start ~ '^\d{2}-\d{2}$'),
  window_end    text CHECK (window_end ~ '^\d{2}-\d{2}$'),
  last_run_date date NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  CHECK ((window_start IS NULL) = (occasion <> 'october_holiday')),
  CHECK ((window_end IS NULL) = (occasion <> 'october_holiday'))
);
CREATE INDEX automations_account_idx ON automations (account_id, created_at, id) WHERE deleted_at IS NULL;

-- An automation's day is one campaign: its cards, batches, manifest and ZIP are a campaign's.
ALTER TABLE campaigns
  ADD COLUMN automation_id text REFERENCES automations (id),
  ADD COLUMN send_date date,
  ADD CONSTRAINT campaigns_automation_day_key UNIQUE (automation_id, send_date),
  ADD CONSTRAINT campaigns_automation_day_check CHECK ((automation_id IS NULL) = (send_date IS NULL));

-- The contact a recipient was frozen from (IF NOT EXISTS: the contacts branch may add it too).
ALTER TABLE recipients ADD COLUMN IF NOT EXISTS contact_id text;

-- What the daily run decided, one row per card made or skipped. (automation, contact, occasion
-- year) is unique: whatever runs twice, a contact gets one birthday card a year. Thank-you sends
-- have no occasion year (NULL, so not constrained): each is a card of its own, keyed by its id,
-- and waits here (no recipient, no skip) until the run of its send_date. No key to contacts: the
-- record outlives a deleted contact.
CREATE TABLE automation_sends (
  id            text PRIMARY KEY,
  account_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  automation_id text NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
  contact_id    text NOT NULL,
  occasion_year integer,
  occasion_date date NOT NULL,
  send_date     date NOT NULL,
  campaign_id   text REFERENCES campaigns (id) ON DELETE SET NULL,
  recipient_id  text,
  skip_reason   text,
  -- thank_you: the caller's extra merge data and the job's photo.
  merge         jsonb NOT NULL DEFAULT '{}',
  photo_id      text REFERENCES photos (id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT automation_sends_once UNIQUE (automation_id, contact_id, occasion_year),
  CHECK (recipient_id IS NULL OR skip_reason IS NULL)
);
CREATE INDEX automation_sends_day_idx ON automation_sends (automation_id, send_date);
CREATE INDEX automation_sends_waiting_idx ON automation_sends (automation_id, send_date)
  WHERE occasion_year IS NULL AND recipient_id IS NULL AND skip_reason IS NULL;
CREATE INDEX automation_sends_recipient_idx ON automation_sends (recipient_id) WHERE recipient_id IS NOT NULL;
