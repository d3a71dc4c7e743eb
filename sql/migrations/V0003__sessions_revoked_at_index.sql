-- The session sweeper evicts cache entries of sessions revoked within the last cache TTL;
-- this partial index keeps that once-a-minute query cheap however many sessions have ended.
CREATE INDEX idx_sessions_revoked_at ON sessions(revoked_at) WHERE revoked_at IS NOT NULL;
