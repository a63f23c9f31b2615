-- Up Migration

-- Every change to who an API key is, or to the account it names, is announced on commit, so an API
-- process that keeps looked-up keys in memory (src/modules/accounts/key-cache.ts) drops them at
-- once: a revoked key stops working everywhere within the notification's delivery. Triggers, not
-- calls in the code, so a change made by the CLI, the console or by hand is announced too. A
-- key's last use (written at most once a minute) is announced as well: the process that serves
-- the key from memory looks it up again then, and decides the next write as the database does.

-- One function for both tables: the trigger's argument says what the payload names.
CREATE FUNCTION auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cardmerge_auth_changes', TG_ARGV[0] || ':' || OLD.id);
  RETURN NULL;
END $$;
CREATE TRIGGER auth_key_changed
  AFTER UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION auth_changed('key');
CREATE TRIGGER auth_account_changed
  AFTER UPDATE OF id, name, mode, live_account_id OR DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION auth_changed('account');

-- Down Migration

DROP TRIGGER auth_account_changed ON accounts;
DROP TRIGGER auth_key_changed ON api_keys;
DROP FUNCTION auth_changed();
