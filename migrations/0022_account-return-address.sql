-- Up Migration

-- The account's return address (the sender's, printed where a card carries one): a postal address
-- as cards carry it ({line1, line2?, city, region?, postalCode?, country}), or null when none is set.
-- The test twin keeps the account's, like its clock.
ALTER TABLE accounts ADD COLUMN return_address jsonb;

-- Down Migration
ALTER TABLE accounts DROP COLUMN return_address;
