-- Up Migration

-- The account's customer file, kept across campaigns: automations make cards from it every day
-- and campaigns can take their recipients from it. `data` is a Recipient (src/render/card-data.ts)
-- without its dates, and without `address` for a contact whose postal address is not known yet;
-- the dates live in columns of their own so that "whose birthday is on 14 March" is an index
-- lookup, and a date that is not known is NULL (never a placeholder like 1900-01-01).
CREATE TABLE contacts (
  id            text PRIMARY KEY,
  account_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- The caller's CRM id: a second POST or import with the same one updates the contact.
  external_id   text,
  data          jsonb NOT NULL,
  -- NULL when unknown; the year alone NULL for a month-day-only date.
  birthday_month smallint CHECK (birthday_month BETWEEN 1 AND 12),
  birthday_day   smallint CHECK (birthday_day BETWEEN 1 AND 31),
  birthday_year  smallint,
  anniversary_month smallint CHECK (anniversary_month BETWEEN 1 AND 12),
  anniversary_day   smallint CHECK (anniversary_day BETWEEN 1 AND 31),
  anniversary_year  smallint,
  spouse_name   text,
  children      text[] NOT NULL DEFAULT '{}',
  tags          text[] NOT NULL DEFAULT '{}',
  notes         text,
  mail_status   text NOT NULL DEFAULT 'active' CHECK (mail_status IN ('active', 'do_not_mail', 'returned')),
  photo_id      text REFERENCES photos (id) ON DELETE SET NULL,
  -- The person at the address, as a campaign's recipients are keyed (src/csv/dedupe.ts); NULL
  -- without an address. Lets an import into a campaign find a do-not-mail contact in a CSV.
  dedupe_key    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, external_id),
  CHECK ((birthday_month IS NULL) = (birthday_day IS NULL)),
  CHECK ((anniversary_month IS NULL) = (anniversary_day IS NULL))
);
CREATE INDEX contacts_account_idx ON contacts (account_id, created_at, id);
CREATE INDEX contacts_birthday_idx ON contacts (account_id, birthday_month, birthday_day) WHERE birthday_month IS NOT NULL;
CREATE INDEX contacts_anniversary_idx ON contacts (account_id, anniversary_month, anniversary_day) WHERE anniversary_month IS NOT NULL;
CREATE INDEX contacts_tags_idx ON contacts USING gin (tags);
CREATE INDEX contacts_unmailable_idx ON contacts (account_id, dedupe_key) WHERE mail_status <> 'active';

-- The report of one contacts CSV import (the file is not kept; rejected rows are, in the failures CSV).
CREATE TABLE contact_imports (
  id           text PRIMARY KEY,
  account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  filename     text,
  encoding     text,
  delimiter    text,
  columns      jsonb NOT NULL DEFAULT '[]',
  rows         integer NOT NULL DEFAULT 0,
  created      integer NOT NULL DEFAULT 0,
  updated      integer NOT NULL DEFAULT 0,
  rejected     integer NOT NULL DEFAULT 0,
  duplicates   integer NOT NULL DEFAULT 0,
  warned       integer NOT NULL DEFAULT 0,
  errors       jsonb NOT NULL DEFAULT '[]',
  warnings     jsonb NOT NULL DEFAULT '[]',
  failures_key text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_imports_account_idx ON contact_imports (account_id, created_at, id);

-- A campaign recipient taken from a contact. No foreign key (an import writes many recipients,
-- and a key costs a lookup per row, see 0006): a deleted or do-not-mail contact's recipients are
-- taken out of draft campaigns by the contacts service, and a sent card keeps its frozen copy.
ALTER TABLE recipients ADD COLUMN contact_id text;
CREATE INDEX recipients_contact_idx ON recipients (contact_id) WHERE contact_id IS NOT NULL;

-- Down Migration

DROP INDEX recipients_contact_idx;
ALTER TABLE recipients DROP COLUMN contact_id;
DROP TABLE contact_imports;
DROP TABLE contacts;
