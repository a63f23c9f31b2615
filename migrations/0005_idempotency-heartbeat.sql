-- A request holding an Idempotency-Key refreshes heartbeat_at while it runs; only a key whose
-- request stopped doing so (its process died) is taken to be abandoned, however long a live
-- request takes.
ALTER TABLE idempotency_keys ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();
