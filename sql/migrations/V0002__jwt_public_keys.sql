-- Public halves of every instance's JWT signing keys, so that any instance's
-- /.well-known/jwks.json lists the keys of all instances sharing this database (each instance
-- keeps its private key in its own secret store; no private key is ever stored here).
CREATE TABLE jwt_public_keys (
    kid VARCHAR(64) PRIMARY KEY,
    jwk JSONB NOT NULL,
    instance VARCHAR(255),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    retired_at TIMESTAMPTZ
);

CREATE INDEX idx_jwt_public_keys_retired_at ON jwt_public_keys(retired_at);
