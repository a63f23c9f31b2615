-- A card's renders, counted before each begins and when each comes back (a PDF, a failure with its
-- reason, a counted fault, or a fault after the render). A start that never came back killed its
-- process: a card with two such crashes is failed (render_crash) instead of being tried for ever.
ALTER TABLE cards ADD COLUMN render_starts integer NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN render_ends integer NOT NULL DEFAULT 0;
