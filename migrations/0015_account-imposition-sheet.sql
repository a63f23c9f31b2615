-- Up Migration

-- The press sheet the account's print vendor runs cards on: the default of a batch's imposed PDF
-- (GET /v1/batches/:id/imposed.pdf without ?sheet=) and of the manifest's sheet and position columns.
ALTER TABLE accounts
  ADD COLUMN imposition_sheet text NOT NULL DEFAULT '12x18'
    CHECK (imposition_sheet IN ('12x18', '13x19', '11x17', 'sra3'));

-- Down Migration
ALTER TABLE accounts DROP COLUMN imposition_sheet;
