-- Up Migration

-- A person of the account has looked at the proofs of a draft campaign and approved them (console:
-- "I have checked these proofs"); the console submits only an approved campaign. Any change to what
-- the cards show (design, message, photo, sender, recipients) clears the approval, in the same
-- transaction as the change.
ALTER TABLE campaigns
  ADD COLUMN proofs_approved_at timestamptz,
  ADD COLUMN proofs_approved_by text REFERENCES users (id) ON DELETE SET NULL;

-- Down Migration
ALTER TABLE campaigns DROP COLUMN proofs_approved_by, DROP COLUMN proofs_approved_at;
