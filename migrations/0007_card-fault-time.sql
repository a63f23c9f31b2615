-- When a card's first unexpected fault happened: a card is failed as render_error only after its
-- faults have gone on for a while (GIVE_UP_SECONDS), so a storage outage of a few seconds while its
-- photo loads is waited out instead of dropping the card from the mailing.
ALTER TABLE cards ADD COLUMN first_fault_at timestamptz;
