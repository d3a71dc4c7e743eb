-- Indexes for the admin console's tables at a million sessions (measured with EXPLAIN ANALYZE
-- on tests/bench/seed-console.sql data; figures in README "Performance").
-- Keyset paging orders by (column, id): these serve the default sorts without a sort step.
CREATE INDEX idx_sessions_created_at_id ON sessions (created_at, id);
CREATE INDEX idx_sessions_last_activity_id ON sessions (last_activity_at, id);
-- IP or CIDR filter: `CAST(ip AS inet) <<= cidr` becomes a range scan on this expression index.
CREATE INDEX idx_sessions_ip_inet ON sessions ((CAST(ip AS inet)));
-- Exact-match filters combined with the default order.
CREATE INDEX idx_sessions_country_created ON sessions (location_country, created_at);
CREATE INDEX idx_sessions_browser_created ON sessions (browser, created_at);
-- User search by the beginning of an email or name (LIKE 'abc%' on lower()).
CREATE INDEX idx_users_email_prefix ON users (lower(email) text_pattern_ops);
CREATE INDEX idx_users_first_name_prefix ON users (lower(first_name) text_pattern_ops);
CREATE INDEX idx_users_last_name_prefix ON users (lower(last_name) text_pattern_ops);
CREATE INDEX idx_users_display_name_prefix ON users (lower(display_name) text_pattern_ops);
CREATE INDEX idx_users_created_at_id ON users (created_at, id);
