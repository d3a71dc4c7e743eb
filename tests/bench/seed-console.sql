-- Seeds a migrated Gatehouse database for the console benchmark: :users users (default
-- 100,000) and :sessions sessions (default 1,000,000) with realistic user agents (and what the
-- parser would make of them), IPv4 and IPv6 addresses, countries and cities, and times spread
-- over the last 90 days. Set-based (generate_series) so a million rows take seconds, not hours.
--   psql "$DATABASE_URL" -v users=100000 -v sessions=1000000 -f tests/bench/seed-console.sql
\set ON_ERROR_STOP on
\if :{?users}
\else
\set users 100000
\endif
\if :{?sessions}
\else
\set sessions 1000000
\endif

BEGIN;
CREATE TEMP TABLE seed_agents (n int PRIMARY KEY, ua text, browser text, os text, device text) ON COMMIT DROP;
INSERT INTO seed_agents VALUES
 (0, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Chrome', 'Windows', 'Other'),
 (1, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15', 'Safari', 'Mac OS X', 'Mac'),
 (2, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1', 'Mobile Safari', 'iOS', 'iPhone'),
 (3, 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36', 'Chrome Mobile', 'Android', 'Google Pixel 8'),
 (4, 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0', 'Firefox', 'Linux', 'Other'),
 (5, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91', 'Edge', 'Windows', 'Other'),
 (6, 'Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1', 'Mobile Safari', 'iOS', 'iPad'),
 (7, 'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36', 'Samsung Internet', 'Android', 'Samsung SM-S918B'),
 (8, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0', 'Firefox', 'Mac OS X', 'Mac'),
 (9, 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Chrome', 'Linux', 'Other'),
 (10, 'curl/8.4.0', 'curl', 'Other', 'Other'),
 (11, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0', 'Firefox', 'Windows', 'Other');

CREATE TEMP TABLE seed_places (n int PRIMARY KEY, country text, city text, tz text) ON COMMIT DROP;
INSERT INTO seed_places VALUES
 (0, 'US', 'New York', 'America/New_York'), (1, 'US', 'San Francisco', 'America/Los_Angeles'),
 (2, 'DE', 'Berlin', 'Europe/Berlin'), (3, 'FR', 'Paris', 'Europe/Paris'),
 (4, 'GB', 'London', 'Europe/London'), (5, 'JP', 'Tokyo', 'Asia/Tokyo'),
 (6, 'BR', 'São Paulo', 'America/Sao_Paulo'), (7, 'IN', 'Bengaluru', 'Asia/Kolkata'),
 (8, 'NL', 'Amsterdam', 'Europe/Amsterdam'), (9, 'CA', 'Toronto', 'America/Toronto'),
 (10, 'AU', 'Sydney', 'Australia/Sydney'), (11, 'SE', 'Stockholm', 'Europe/Stockholm'),
 (12, 'ES', 'Madrid', 'Europe/Madrid'), (13, 'PL', 'Warsaw', 'Europe/Warsaw'),
 (14, 'ZA', 'Cape Town', 'Africa/Johannesburg'), (15, 'SG', 'Singapore', 'Asia/Singapore');

CREATE TEMP TABLE seed_users ON COMMIT DROP AS
SELECT n, gen_random_uuid() AS id FROM generate_series(1, :users) AS n;
CREATE UNIQUE INDEX ON seed_users (n);

INSERT INTO users (id, email, email_verified, phone, phone_verified, first_name, last_name, display_name,
                   status, role, totp_enabled, created_at, updated_at, last_login_at)
SELECT id, 'user' || n || '@example.org', n % 10 <> 0,
       CASE WHEN n % 3 = 0 THEN '+4915' || lpad((n * 7919 % 100000000)::text, 8, '0') END, n % 6 = 0,
       (ARRAY['Ada','Alan','Grace','Linus','Margaret','Ken','Barbara','Dennis','Frances','Edsger'])[1 + n % 10],
       (ARRAY['Lovelace','Turing','Hopper','Torvalds','Hamilton','Thompson','Liskov','Ritchie','Allen','Dijkstra'])[1 + (n / 10) % 10],
       NULL, CASE WHEN n % 200 = 0 THEN 'disabled' ELSE 'active' END,
       CASE WHEN n % 1000 = 0 THEN 'admin' ELSE 'user' END, n % 4 = 0,
       now() - (n % 365) * interval '1 day' - (n % 86400) * interval '1 second',
       now() - (n % 30) * interval '1 day', now() - (n % 90) * interval '1 hour'
FROM seed_users;

INSERT INTO sessions (id, user_id, status, user_agent, ip, browser, os, device, location_country,
                      location_city, location_timezone, created_at, expires_at, last_activity_at,
                      revoked_at, revoked_reason)
SELECT md5('s' || g) || md5('t' || g), u.id,
       CASE WHEN r.k < 0.10 THEN 'revoked' WHEN r.created < now() - interval '30 days' THEN 'expired' ELSE 'active' END,
       a.ua,
       CASE WHEN g % 10 < 7
            THEN (10 + g % 200) || '.' || (g / 7 % 256) || '.' || (g / 1793 % 256) || '.' || (1 + g % 254)
            ELSE '2001:db8:' || to_hex(g % 65536) || ':' || to_hex(g / 65536 % 65536) || '::' || to_hex(1 + g % 9999) END,
       a.browser, a.os, a.device, p.country, p.city, p.tz,
       r.created, r.created + interval '30 days',
       LEAST(now(), r.created + (r.k * 20) * interval '1 day'),
       CASE WHEN r.k < 0.10 THEN r.created + interval '1 hour' END,
       CASE WHEN r.k < 0.10 THEN 'signed out' END
FROM generate_series(1, :sessions) AS g
-- g in the lateral: without it PostgreSQL draws the random values once for all rows
CROSS JOIN LATERAL (SELECT now() - (random() + 0 * g) * interval '90 days' AS created, random() + 0 * g AS k) AS r
JOIN seed_users u ON u.n = 1 + (g * 7 % :users)
JOIN seed_agents a ON a.n = (g * 13 + g / 3) % 12
JOIN seed_places p ON p.n = (g * 5 + g / 11) % 16;
COMMIT;
ANALYZE users;
ANALYZE sessions;
