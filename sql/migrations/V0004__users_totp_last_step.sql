-- TOTP replay protection (issue 5): the last time step a user's TOTP code was accepted for.
-- A code is accepted only for a step greater than this, with one conditional UPDATE, so a code
-- (or an earlier one from the ±1 window) is never accepted twice, whichever instance sharing
-- the database sees it, and the rule survives Redis being flushed or failing over.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
