-- Up Migration

-- A campaign's recipients and cards by status, kept by triggers in the same transaction as the rows
-- they count. Every campaign read showed these; counted on each read they cost 25 ms of PostgreSQL
-- for a 10,000-card campaign while it renders (its cards' index full of updated entries), which 50
-- readers turn into the database's whole CPU. A row of its own, not columns of campaigns, so a
-- card's update never waits on a lock someone holds on the campaign (edits, submit).
CREATE TABLE campaign_counts (
  campaign_id text PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
  recipients  bigint NOT NULL DEFAULT 0,
  pending     bigint NOT NULL DEFAULT 0,
  rendered    bigint NOT NULL DEFAULT 0,
  failed      bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 50); -- room on the page for the updates to stay heap-only

INSERT INTO campaign_counts (campaign_id, recipients, pending, rendered, failed)
SELECT c.id,
       (SELECT count(*) FROM recipients r WHERE r.campaign_id = c.id),
       (SELECT count(*) FROM cards k WHERE k.campaign_id = c.id AND k.status = 'pending'),
       (SELECT count(*) FROM cards k WHERE k.campaign_id = c.id AND k.status = 'rendered'),
       (SELECT count(*) FROM cards k WHERE k.campaign_id = c.id AND k.status = 'failed')
  FROM campaigns c;

CREATE FUNCTION campaign_counts_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO campaign_counts (campaign_id) SELECT id FROM new_rows;
  RETURN NULL;
END $$;
CREATE TRIGGER campaign_counts_open AFTER INSERT ON campaigns
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_open();

-- The statement triggers below lock the counts rows they change in campaign order first, so two
-- statements spanning several campaigns (a contact erased from every draft) cannot deadlock on them.
CREATE FUNCTION campaign_counts_recipients_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM campaign_counts WHERE campaign_id IN (SELECT campaign_id FROM new_rows)
    ORDER BY campaign_id FOR UPDATE;
  UPDATE campaign_counts c SET recipients = c.recipients + d.n
    FROM (SELECT campaign_id, count(*) AS n FROM new_rows GROUP BY campaign_id) d
   WHERE c.campaign_id = d.campaign_id;
  RETURN NULL;
END $$;
CREATE TRIGGER campaign_counts_recipients_in AFTER INSERT ON recipients
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_recipients_in();

CREATE FUNCTION campaign_counts_recipients_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM campaign_counts WHERE campaign_id IN (SELECT campaign_id FROM old_rows)
    ORDER BY campaign_id FOR UPDATE;
  UPDATE campaign_counts c SET recipients = c.recipients - d.n
    FROM (SELECT campaign_id, count(*) AS n FROM old_rows GROUP BY campaign_id) d
   WHERE c.campaign_id = d.campaign_id;
  RETURN NULL;
END $$;
CREATE TRIGGER campaign_counts_recipients_out AFTER DELETE ON recipients
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_recipients_out();

CREATE FUNCTION campaign_counts_cards_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM campaign_counts WHERE campaign_id IN (SELECT campaign_id FROM new_rows)
    ORDER BY campaign_id FOR UPDATE;
  UPDATE campaign_counts c
     SET pending = c.pending + d.pending, rendered = c.rendered + d.rendered, failed = c.failed + d.failed
    FROM (SELECT campaign_id, count(*) FILTER (WHERE status = 'pending') AS pending,
                 count(*) FILTER (WHERE status = 'rendered') AS rendered,
                 count(*) FILTER (WHERE status = 'failed') AS failed
            FROM new_rows GROUP BY campaign_id) d
   WHERE c.campaign_id = d.campaign_id;
  RETURN NULL;
END $$;
CREATE TRIGGER campaign_counts_cards_in AFTER INSERT ON cards
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_cards_in();

-- Cards go only with their campaign (and its counts row), but a count never outlives its rows.
CREATE FUNCTION campaign_counts_cards_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM campaign_counts WHERE campaign_id IN (SELECT campaign_id FROM old_rows)
    ORDER BY campaign_id FOR UPDATE;
  UPDATE campaign_counts c
     SET pending = c.pending - d.pending, rendered = c.rendered - d.rendered, failed = c.failed - d.failed
    FROM (SELECT campaign_id, count(*) FILTER (WHERE status = 'pending') AS pending,
                 count(*) FILTER (WHERE status = 'rendered') AS rendered,
                 count(*) FILTER (WHERE status = 'failed') AS failed
            FROM old_rows GROUP BY campaign_id) d
   WHERE c.campaign_id = d.campaign_id;
  RETURN NULL;
END $$;
CREATE TRIGGER campaign_counts_cards_out AFTER DELETE ON cards
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_cards_out();

-- A card's move between statuses is one row (a render's outcome), so a row trigger that fires only
-- when the status changes: the workers' other updates to cards (starts, batch numbers) pay nothing.
CREATE FUNCTION campaign_counts_card_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE campaign_counts
     SET pending = pending + (NEW.status = 'pending')::int - (OLD.status = 'pending')::int,
         rendered = rendered + (NEW.status = 'rendered')::int - (OLD.status = 'rendered')::int,
         failed = failed + (NEW.status = 'failed')::int - (OLD.status = 'failed')::int
   WHERE campaign_id = NEW.campaign_id;
  RETURN NULL;
END $$;
CREATE TRIGGER campaign_counts_cards_moved AFTER UPDATE OF status ON cards
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION campaign_counts_card_moved();

-- Down Migration
DROP TRIGGER campaign_counts_cards_moved ON cards;
DROP TRIGGER campaign_counts_cards_in ON cards;
DROP TRIGGER campaign_counts_cards_out ON cards;
DROP TRIGGER campaign_counts_recipients_in ON recipients;
DROP TRIGGER campaign_counts_recipients_out ON recipients;
DROP TRIGGER campaign_counts_open ON campaigns;
DROP FUNCTION campaign_counts_card_moved(), campaign_counts_cards_in(), campaign_counts_cards_out(),
  campaign_counts_recipients_in(), campaign_counts_recipients_out(), campaign_counts_open();
DROP TABLE campaign_counts;
