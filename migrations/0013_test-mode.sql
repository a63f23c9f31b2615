-- Test mode. A test key acts on the account's test twin: a second accounts row (mode 'test',
-- live_account_id = the account) made with the account's first test key. Every object belongs
-- to one account row, so every existing account check is also the mode check: a live key gets
-- 404 for a test object exactly as for another account's, and a vendor's key sees only the
-- batches of its own mode, with no query that could forget a mode filter.
ALTER TABLE accounts
  ADD COLUMN mode text NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test')),
  ADD COLUMN live_account_id text UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
  ADD CONSTRAINT accounts_test_twin CHECK ((mode = 'test') = (live_account_id IS NOT NULL));

-- Keys stay on the account people know (listed and revoked there); mode says which row they act on.
-- Every key made before test mode is live.
ALTER TABLE api_keys
  ADD COLUMN mode text NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test'));

-- The renderer marks test-mode cards SAMPLE. Campaigns carry their account's mode so a card is
-- drawn from its campaign row alone; set on insert (an account never changes mode), so no code
-- path that makes a campaign (API, automations' daily runs) can leave it out.
ALTER TABLE campaigns
  ADD COLUMN mode text NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test'));

CREATE FUNCTION campaign_mode_of_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.mode := (SELECT mode FROM accounts WHERE id = NEW.account_id);
  RETURN NEW;
END;
$$;

CREATE TRIGGER campaigns_mode_of_account BEFORE INSERT ON campaigns
  FOR EACH ROW EXECUTE FUNCTION campaign_mode_of_account();
