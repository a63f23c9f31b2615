-- A batch whose assembly keeps failing (a card cannot be drawn again, say its photo is gone from
-- storage) is failed with its reason after a few attempts, counted here, instead of being retried
-- for ever where nobody sees it.
ALTER TABLE batches
  ADD COLUMN attempts  integer NOT NULL DEFAULT 0,
  ADD COLUMN failed_at timestamptz,
  ADD COLUMN failure   text;
ALTER TABLE batches DROP CONSTRAINT batches_status_check;
ALTER TABLE batches ADD CONSTRAINT batches_status_check
  CHECK (status IN ('assembling', 'ready', 'downloaded', 'printed', 'mailed', 'failed'));
