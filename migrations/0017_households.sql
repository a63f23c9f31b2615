-- Up Migration

-- Households (POST …/recipients?household=true, …/from-contacts?household=true): each row's
-- household key (csv/household.ts), so that after the streaming insert the people of one home
-- meet in a GROUP BY, in the import's transaction. NULL for rows imported without the option.
ALTER TABLE recipients ADD COLUMN household_key text;

-- What a household import merged: the option, its counts and the merged.csv report.
ALTER TABLE imports
  ADD COLUMN household  boolean NOT NULL DEFAULT false,
  ADD COLUMN merged     integer NOT NULL DEFAULT 0,
  ADD COLUMN households integer NOT NULL DEFAULT 0,
  ADD COLUMN not_merged integer NOT NULL DEFAULT 0,
  ADD COLUMN merged_key text;

-- Down Migration
ALTER TABLE imports
  DROP COLUMN household,
  DROP COLUMN merged,
  DROP COLUMN households,
  DROP COLUMN not_merged,
  DROP COLUMN merged_key;
ALTER TABLE recipients DROP COLUMN household_key;
