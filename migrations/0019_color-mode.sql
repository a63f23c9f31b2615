-- Up Migration

-- The colour the account's print vendor wants: rgb (sRGB, the default) or cmyk (photos separated
-- with the press profile, design colours written as CMYK). A campaign takes the account's mode when
-- it is frozen (submit, or the daily run), and each batch records the mode its PDF was made in.
ALTER TABLE accounts
  ADD COLUMN color_mode text NOT NULL DEFAULT 'rgb' CHECK (color_mode IN ('rgb', 'cmyk'));
ALTER TABLE campaigns ADD COLUMN color_mode text CHECK (color_mode IN ('rgb', 'cmyk'));
ALTER TABLE batches
  ADD COLUMN color_mode text NOT NULL DEFAULT 'rgb' CHECK (color_mode IN ('rgb', 'cmyk'));

-- Down Migration
ALTER TABLE batches DROP COLUMN color_mode;
ALTER TABLE campaigns DROP COLUMN color_mode;
ALTER TABLE accounts DROP COLUMN color_mode;
