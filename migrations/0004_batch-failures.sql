-- A batch whose assembly keeps failing (a card cannot be drawn again, say its photo is gone from
-- storage) is failed with a reason instead of being retried for ever where nobody sees it. Its
-- failures are counted here, with the first one's time: only failures that go on for a while
-- (not a storage outage of a few seconds) fail a batch.
ALTER TABLE batches
  ADD COLUMN failures         integer NOT NULL DEFAULT 0,
  ADD COLUMN first_failure_at timestamptz,
  ADD COLUMN failed_at        timestamptz,
  ADD COLUMN failure          text;
ALTER TABLE batches DROP CONSTRAINT batches_status_check;
ALTER TABLE batches ADD CONSTRAINT batches_status_check
  CHECK (status IN ('assembling', 'ready', 'downloaded', 'printed', 'mailed', 'failed'));
