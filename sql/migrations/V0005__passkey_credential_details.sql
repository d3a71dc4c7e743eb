-- Passkey details beyond the seed: a name the user may give, what the authenticator said of
-- itself at registration (AAGUID, attestation format) for the account page and the console, and
-- when its signature counter went backwards (a possibly cloned authenticator; see
-- webauthn-counter-policy). A flagged credential stays flagged until it is removed.
ALTER TABLE passkey_credentials
    ADD COLUMN name VARCHAR(64),
    ADD COLUMN aaguid UUID,
    ADD COLUMN attestation_format VARCHAR(32),
    ADD COLUMN clone_suspected_at TIMESTAMPTZ;
