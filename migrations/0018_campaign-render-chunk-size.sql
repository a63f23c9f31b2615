-- Up Migration

-- How many cards each of a campaign's render jobs holds, fixed when it is submitted. A render job's
-- id is its chunk's number, so every process that enqueues the campaign's cards (the start job, a
-- reconciler in any worker) must cut the same chunks, whatever its own RENDER_CHUNK_SIZE: two
-- cuttings would give two jobs for the same cards, rendered side by side. Campaigns submitted
-- before this column have none and keep the enqueuing process's setting.
ALTER TABLE campaigns
  ADD COLUMN render_chunk_size integer CHECK (render_chunk_size BETWEEN 1 AND 1000);
