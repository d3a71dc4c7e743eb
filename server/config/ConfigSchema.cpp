#include "ConfigSchema.h"
#include "server/oauth/OAuthOptions.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace ConfigSchema {

const QList<Option> &options()
{
    // Order here is the order of help and describe(). Defaults shown in help must match the
    // initialisers in Config (TestConfig checks it).
    // The social sign-in rows come from one per-provider table (server/oauth/OAuthOptions).
    static const QList<Option> table = QList<Option>{
        {.key = u"config"_s,
         .type = Type::File,
         .valueName = u"FILE"_s,
         .defaultText = u"none"_s,
         .help = u"Read settings from FILE (key = value lines); flags and environment win"_s,
         .allowEmpty = true},
        {.key = u"listen"_s,
         .type = Type::HostPort,
         .valueName = u"HOST:PORT"_s,
         .defaultText = u"127.0.0.1:8600"_s,
         .help = u"Address the HTTP server listens on: IPv4, localhost or [IPv6], and a port"_s},
        {.key = u"workers"_s,
         .type = Type::Int,
         .valueName = u"N"_s,
         .defaultText = u"0"_s,
         .help = u"HTTP worker threads; 0 = one per CPU core"_s,
         .minimum = 0,
         .maximum = 256},
        {.key = u"shutdown-timeout"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"10"_s,
         .help = u"How long in-flight requests may finish on shutdown"_s,
         .minimum = 0,
         .maximum = 3600},
        {.key = u"data-dir"_s,
         .type = Type::Path,
         .valueName = u"DIR"_s,
         .defaultText = u"$XDG_DATA_HOME/gatehouse or ~/.local/share/gatehouse; "
                        u"/var/lib/gatehouse as root"_s,
         .help = u"Directory for the embedded services and local state (absolute or ~/…)"_s},
        {.key = u"avatar-dir"_s,
         .type = Type::Path,
         .valueName = u"DIR"_s,
         .defaultText = u"DATA-DIR/avatars"_s,
         .help = u"Directory of the uploaded avatars served at /avatars/{key}; instances "
                 u"sharing a database should share it (a mounted directory)"_s,
         .allowEmpty = true},
        {.key = u"database-url"_s,
         .type = Type::Url,
         .valueName = u"URL"_s,
         .defaultText = u"empty: embedded PostgreSQL"_s,
         .help = u"PostgreSQL server, postgresql://USER:PASSWORD@HOST:PORT/DB"_s,
         .secret = true,
         .allowEmpty = true,
         .allowed = {u"postgresql"_s, u"postgres"_s}},
        {.key = u"redis-url"_s,
         .type = Type::Url,
         .valueName = u"URL"_s,
         .defaultText = u"empty: embedded redis-server"_s,
         .help = u"Redis server, redis://[:PASSWORD@]HOST:PORT[/DB] or unix:///PATH "
                 u"(no rediss://: hiredis 0.14 has no TLS)"_s,
         .secret = true,
         .allowEmpty = true,
         .allowed = {u"redis"_s, u"unix"_s, u"redis+unix"_s}},
        {.key = u"service-user"_s,
         .type = Type::String,
         .valueName = u"NAME"_s,
         .defaultText = u"gatehouse"_s,
         .help = u"Account that runs the embedded services when started as root"_s,
         .pattern = u"[a-z_][a-z0-9_-]{0,31}"_s,
         .patternHelp = u"a user name (a-z, 0-9, _ and -, starting with a letter or _, at most "
                        u"32 characters)"_s},
        {.key = u"log-format"_s,
         .type = Type::Enum,
         .valueName = u"FORMAT"_s,
         .defaultText = u"text"_s,
         .help = u"Log lines for people (text) or for collectors (json)"_s,
         .allowed = {u"text"_s, u"json"_s}},
        {.key = u"log-level"_s,
         .type = Type::Enum,
         .valueName = u"LEVEL"_s,
         .defaultText = u"info"_s,
         .help = u"Least severe log level written"_s,
         .allowed = {u"debug"_s, u"info"_s, u"warning"_s, u"error"_s}},
        // --- HTTP hardening ----------------------------------------------------------------
        {.key = u"tls-cert"_s,
         .type = Type::File,
         .valueName = u"FILE"_s,
         .defaultText = u"none: plain HTTP"_s,
         .help = u"PEM certificate (chain) to serve HTTPS; needs tls-key"_s,
         .allowEmpty = true},
        {.key = u"tls-key"_s,
         .type = Type::File,
         .valueName = u"FILE"_s,
         .defaultText = u"none"_s,
         .help = u"PEM private key for tls-cert"_s,
         .allowEmpty = true},
        {.key = u"max-connections"_s,
         .type = Type::Int,
         .valueName = u"N"_s,
         .defaultText = u"10000"_s,
         .help = u"Open connections at most; further ones are closed at once"_s,
         .minimum = 1,
         .maximum = 1000000},
        {.key = u"max-body-size"_s,
         .type = Type::Int,
         .valueName = u"BYTES"_s,
         .defaultText = u"1048576"_s,
         .help = u"Largest request body (413 above it); the avatar upload has its own limit"_s,
         .minimum = 1024,
         .maximum = 64 * 1024 * 1024},
        {.key = u"max-avatar-size"_s,
         .type = Type::Int,
         .valueName = u"BYTES"_s,
         .defaultText = u"5242880"_s,
         .help = u"Largest avatar upload (PUT /api/v1/me/avatar)"_s,
         .minimum = 1024,
         .maximum = 64 * 1024 * 1024},
        {.key = u"max-header-size"_s,
         .type = Type::Int,
         .valueName = u"BYTES"_s,
         .defaultText = u"16384"_s,
         .help = u"Largest request head: request line and headers (431 above it)"_s,
         .minimum = 1024,
         .maximum = 1024 * 1024},
        {.key = u"max-url-size"_s,
         .type = Type::Int,
         .valueName = u"BYTES"_s,
         .defaultText = u"8192"_s,
         .help = u"Longest request target, path and query (414 above it)"_s,
         .minimum = 256,
         .maximum = 1024 * 1024},
        {.key = u"header-timeout"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"10"_s,
         .help = u"A request head must arrive whole within this time, or the connection is closed"_s,
         .minimum = 1,
         .maximum = 3600},
        {.key = u"body-timeout"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"30"_s,
         .help = u"A request body must arrive whole within this time, or the connection is closed"_s,
         .minimum = 1,
         .maximum = 3600},
        {.key = u"idle-timeout"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"60"_s,
         .help = u"An idle keep-alive connection is closed after this time"_s,
         .minimum = 1,
         .maximum = 86400},
        {.key = u"trusted-proxies"_s,
         .type = Type::CidrList,
         .valueName = u"CIDRS"_s,
         .defaultText = u"none"_s,
         .help = u"Reverse proxies whose X-Forwarded-For is believed (comma-separated, e.g. "
                 u"127.0.0.1,10.0.0.0/8)"_s,
         .allowEmpty = true},
        // --- rate limiting (leaky bucket per client IP) -------------------------------------
        {.key = u"rate-limit-default"_s,
         .type = Type::Rate,
         .valueName = u"CAP/RATE"_s,
         .defaultText = u"120/20"_s,
         .help = u"Every API request: burst CAP, refilled at RATE per second"_s},
        {.key = u"rate-limit-auth"_s,
         .type = Type::Rate,
         .valueName = u"CAP/RATE"_s,
         .defaultText = u"10/0.2"_s,
         .help = u"Sign-in, registration and code endpoints (strict)"_s},
        {.key = u"rate-limit-session"_s,
         .type = Type::Rate,
         .valueName = u"CAP/RATE"_s,
         .defaultText = u"1000/200"_s,
         .help = u"Session checks and forward-auth (generous: proxies call them per request)"_s},
        {.key = u"rate-limit-on-redis-failure"_s,
         .type = Type::Enum,
         .valueName = u"allow|deny"_s,
         .defaultText = u"allow"_s,
         .help = u"When Redis is down: let requests through unlimited (allow) or refuse them "
                 u"with 503 (deny)"_s,
         .allowed = {u"allow"_s, u"deny"_s}},
        // --- IP location of sessions (server/device/GeoLocator) ------------------------------
        {.key = u"geoip-city-database"_s,
         .type = Type::File,
         .valueName = u"FILE"_s,
         .defaultText = u"none"_s,
         .help = u"City .mmdb (GeoLite2-City, DB-IP City Lite) for session city and time zone; "
                 u"must open if set"_s,
         .allowEmpty = true},
        {.key = u"geoip-libloc-database"_s,
         .type = Type::File,
         .valueName = u"FILE"_s,
         .defaultText = u"/var/lib/location/database.db"_s,
         .help = u"libloc database for session countries (package libloc-database); "
                 u"empty = off"_s,
         .allowEmpty = true},
        // --- sessions and tokens -------------------------------------------------------------
        {.key = u"public-url"_s,
         .type = Type::Url,
         .valueName = u"URL"_s,
         .defaultText = u"http://LISTEN-ADDRESS"_s,
         .help = u"Where browsers and apps reach Gatehouse (behind a proxy: the proxy's URL); "
                 u"the JWT issuer, the default allowed origin and the cookie's Secure flag "
                 u"(https) derive from it"_s,
         .allowEmpty = true,
         .allowed = {u"http"_s, u"https"_s}},
        {.key = u"origins"_s,
         .type = Type::String,
         .valueName = u"ORIGINS"_s,
         .defaultText = u"the public URL's origin"_s,
         .help = u"Comma-separated origins allowed to send cookie-authenticated POST/PUT/PATCH/"
                 u"DELETE requests (and, later, WebAuthn origins)"_s,
         .allowEmpty = true,
         .pattern = u"(https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?)(,\\s*https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?)*"_s,
         .patternHelp = u"a comma-separated list of origins like https://app.example.org "
                        u"(scheme, host, optional port; no path)"_s},
        {.key = u"session-lifetime"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"2592000 (30 days)"_s,
         .help = u"Absolute lifetime of a session"_s,
         .minimum = 60,
         .maximum = 366 * 24 * 3600},
        {.key = u"session-idle-timeout"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"604800 (7 days)"_s,
         .help = u"A session unused this long expires"_s,
         .minimum = 60,
         .maximum = 366 * 24 * 3600},
        {.key = u"access-token-lifetime"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"300"_s,
         .help = u"Lifetime of the JWT access tokens of POST /api/v1/auth/token"_s,
         .minimum = 30,
         .maximum = 24 * 3600},
        {.key = u"jwt-key-max-age"_s,
         .type = Type::Int,
         .valueName = u"DAYS"_s,
         .defaultText = u"90"_s,
         .help = u"Rotate the access-token signing key after this many days (0: only with "
                 u"--rotate-jwt-key); retired keys stay in the JWKS until their tokens expired"_s,
         .minimum = 0,
         .maximum = 3650},
        {.key = u"token-audience"_s,
         .type = Type::String,
         .valueName = u"AUD"_s,
         .defaultText = u"gatehouse"_s,
         .help = u"The aud claim of access tokens"_s,
         .pattern = u"[A-Za-z0-9._:/\\-]{1,200}"_s,
         .patternHelp = u"letters, digits and . _ : / - (at most 200)"_s},
        // --- passkeys (WebAuthn relying party) ------------------------------------------------
        {.key = u"rp-id"_s,
         .type = Type::String,
         .valueName = u"HOST"_s,
         .defaultText = u"the public URL's host (localhost for a loopback address)"_s,
         .help = u"WebAuthn relying party id: the public URL's host or a registrable suffix of "
                 u"it; passkeys are bound to it, so changing it strands existing passkeys"_s,
         .allowEmpty = true,
         .pattern = u"[A-Za-z0-9]([A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?)*"_s,
         .patternHelp = u"a host name like id.example.org (no scheme, port or IP address)"_s},
        {.key = u"rp-name"_s,
         .type = Type::String,
         .valueName = u"NAME"_s,
         .defaultText = u"Gatehouse"_s,
         .help = u"Relying party name browsers may show when a passkey is created"_s,
         .pattern = u"[^\\x00-\\x1f\\x7f]{1,64}"_s,
         .patternHelp = u"1 to 64 printable characters"_s},
        {.key = u"webauthn-user-verification"_s,
         .type = Type::Enum,
         .valueName = u"required|preferred|discouraged"_s,
         .defaultText = u"preferred"_s,
         .help = u"Ask authenticators for user verification (PIN, biometrics); required refuses "
                 u"responses without it"_s,
         .allowed = {u"required"_s, u"preferred"_s, u"discouraged"_s}},
        {.key = u"webauthn-attestation"_s,
         .type = Type::Enum,
         .valueName = u"none|indirect|direct|enterprise"_s,
         .defaultText = u"none"_s,
         .help = u"Attestation conveyance asked for when a passkey is created"_s,
         .allowed = {u"none"_s, u"indirect"_s, u"direct"_s, u"enterprise"_s}},
        {.key = u"webauthn-cross-origin"_s,
         .type = Type::String,
         .valueName = u"ORIGINS"_s,
         .defaultText = u"off"_s,
         .help = u"Accept passkey ceremonies inside cross-origin iframes embedded by these "
                 u"comma-separated top-level origins; off refuses them"_s,
         .pattern = u"off|(https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?)(,\\s*https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?)*"_s,
         .patternHelp = u"off, or a comma-separated list of origins like https://portal.example.org"_s},
        {.key = u"webauthn-counter-policy"_s,
         .type = Type::Enum,
         .valueName = u"refuse|allow"_s,
         .defaultText = u"refuse"_s,
         .help = u"A passkey whose signature counter goes backwards may be cloned: refuse it "
                 u"(and every later use) or allow it; either way it is flagged and logged"_s,
         .allowed = {u"refuse"_s, u"allow"_s}},
        // --- email and SMS (server/delivery, server/verification) -----------------------------
        {.key = u"smtp-host"_s,
         .type = Type::String,
         .valueName = u"HOST"_s,
         .defaultText = u"empty: email off"_s,
         .help = u"SMTP server for verification and welcome mail; the password is the secret "
                 u"smtp-password (--store-secret smtp-password)"_s,
         .allowEmpty = true,
         .pattern = u"[A-Za-z0-9.\\-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\]"_s,
         .patternHelp = u"a host name or IP address ([IPv6] in brackets)"_s},
        {.key = u"smtp-port"_s,
         .type = Type::Int,
         .valueName = u"PORT"_s,
         .defaultText = u"587"_s,
         .help = u"SMTP port (587 for starttls, 465 for tls, 25 for none)"_s,
         .minimum = 1,
         .maximum = 65535},
        {.key = u"smtp-security"_s,
         .type = Type::Enum,
         .valueName = u"starttls|tls|none"_s,
         .defaultText = u"starttls"_s,
         .help = u"STARTTLS required, TLS from the first byte, or plain text (loopback relays only)"_s,
         .allowed = {u"starttls"_s, u"tls"_s, u"none"_s}},
        {.key = u"smtp-user"_s,
         .type = Type::String,
         .valueName = u"USER"_s,
         .defaultText = u"empty: no AUTH"_s,
         .help = u"SMTP AUTH user name; its password is the secret smtp-password"_s,
         .allowEmpty = true,
         .pattern = u"[^\\s]{1,255}"_s,
         .patternHelp = u"up to 255 characters without spaces"_s},
        {.key = u"smtp-from"_s,
         .type = Type::String,
         .valueName = u"ADDRESS"_s,
         .defaultText = u"empty"_s,
         .help = u"Sender address of Gatehouse's mail (required with smtp-host)"_s,
         .allowEmpty = true,
         .pattern = u"[^\\s<>@\"]{1,64}@[A-Za-z0-9.\\-]{1,253}"_s,
         .patternHelp = u"a plain address like gatehouse@example.org"_s},
        {.key = u"smtp-from-name"_s,
         .type = Type::String,
         .valueName = u"NAME"_s,
         .defaultText = u"Gatehouse"_s,
         .help = u"Display name of the sender"_s,
         .allowEmpty = true,
         .pattern = u"[^\\x00-\\x1f\"<>]{0,100}"_s,
         .patternHelp = u"up to 100 characters without quotes, < > or control characters"_s},
        {.key = u"smtp-timeout"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"15"_s,
         .help = u"Limit for one SMTP delivery (connect, TLS, AUTH and transfer)"_s,
         .minimum = 1,
         .maximum = 300},
        {.key = u"sms-driver"_s,
         .type = Type::Enum,
         .valueName = u"off|log|http"_s,
         .defaultText = u"off"_s,
         .help = u"How SMS codes go out: not at all, written to the log (development only: "
                 u"codes end up in the log), or a Twilio-compatible HTTP gateway"_s,
         .allowed = {u"off"_s, u"log"_s, u"http"_s}},
        {.key = u"sms-url"_s,
         .type = Type::Url,
         .valueName = u"URL"_s,
         .defaultText = u"empty"_s,
         .help = u"The gateway's message endpoint for sms-driver http (form POST of To, From, "
                 u"Body with basic auth sms-account-sid and the secret sms-auth-token)"_s,
         .allowEmpty = true,
         .allowed = {u"http"_s, u"https"_s}},
        {.key = u"sms-account-sid"_s,
         .type = Type::String,
         .valueName = u"SID"_s,
         .defaultText = u"empty"_s,
         .help = u"Basic-auth user (account SID) for the SMS gateway"_s,
         .allowEmpty = true,
         .pattern = u"[A-Za-z0-9._\\-]{1,128}"_s,
         .patternHelp = u"letters, digits and . _ - (at most 128)"_s},
        {.key = u"sms-from"_s,
         .type = Type::String,
         .valueName = u"SENDER"_s,
         .defaultText = u"empty"_s,
         .help = u"The From of SMS messages: an E.164 number or an alphanumeric sender id"_s,
         .allowEmpty = true,
         .pattern = u"\\+[1-9][0-9]{6,14}|[A-Za-z0-9 ]{1,11}"_s,
         .patternHelp = u"+ and 7 to 15 digits, or up to 11 letters, digits and spaces"_s},
        {.key = u"sms-timeout"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"10"_s,
         .help = u"Limit for one call to the SMS gateway"_s,
         .minimum = 1,
         .maximum = 120},
        {.key = u"phone-default-region"_s,
         .type = Type::String,
         .valueName = u"REGION"_s,
         .defaultText = u"empty: international format only"_s,
         .help = u"ISO 3166 region (DE, US, …) for phone numbers written without +country code"_s,
         .allowEmpty = true,
         .pattern = u"[A-Za-z]{2}"_s,
         .patternHelp = u"a two-letter region code like DE"_s},
        // --- TOTP sign-in ---------------------------------------------------------------------
        {.key = u"totp-issuer"_s,
         .type = Type::String,
         .valueName = u"NAME"_s,
         .defaultText = u"Gatehouse"_s,
         .help = u"Issuer named in otpauth:// URIs and shown by authenticator apps"_s,
         .pattern = u"[^:\\x00-\\x1f\\x7f]{1,64}"_s,
         .patternHelp = u"1 to 64 characters without ':' or control characters"_s},
        {.key = u"totp-lockout-attempts"_s,
         .type = Type::Int,
         .valueName = u"N"_s,
         .defaultText = u"10"_s,
         .help = u"Wrong TOTP codes for one account within totp-lockout-window that pause its "
                 u"TOTP sign-in"_s,
         .minimum = 1,
         .maximum = 1000},
        {.key = u"totp-lockout-window"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"900"_s,
         .help = u"Period over which wrong TOTP codes of one account are counted"_s,
         .minimum = 1,
         .maximum = 86400},
        {.key = u"totp-lockout-duration"_s,
         .type = Type::Int,
         .valueName = u"SECONDS"_s,
         .defaultText = u"900"_s,
         .help = u"How long TOTP sign-in of an account stays paused; not extended by attempts "
                 u"made meanwhile, and passkeys and social sign-in are unaffected"_s,
         .minimum = 1,
         .maximum = 86400},
        // --- secrets and tooling -------------------------------------------------------------
        {.key = u"secret-store"_s,
         .type = Type::Enum,
         .valueName = u"auto|keychain|file"_s,
         .defaultText = u"auto"_s,
         .help = u"Where keys live: the desktop keychain (Secret Service), 0600 files in the "
                 u"data dir, or auto (keychain for the console, file for gatehoused)"_s,
         .allowed = {u"auto"_s, u"keychain"_s, u"file"_s}},
        {.key = u"bench-routes"_s,
         .type = Type::Enum,
         .valueName = u"on|off"_s,
         .defaultText = u"off"_s,
         .help = u"Serve /bench/hello and /bench/redis for the benchmark harness"_s,
         .allowed = {u"on"_s, u"off"_s}},
    } + OAuthOptions::schemaRows();
    return table;
}

const Option *find(QStringView key)
{
    for (const Option &option : options()) {
        if (option.key == key)
            return &option;
    }
    return nullptr;
}

QString environmentName(QStringView key)
{
    return environmentPrefix + key.toString().toUpper().replace(u'-', u'_');
}

QString formatHostPort(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? u'[' + address.toString() + u']'
                             : address.toString();
    return host + u':' + QString::number(port);
}

QString maskUrl(const QString &url)
{
    const qsizetype schemeEnd = url.indexOf(u"://");
    if (schemeEnd < 0)
        return url;
    QString masked = url;

    // Query first: replacing the userinfo afterwards shifts only what lies before the query.
    const qsizetype queryStart = masked.indexOf(u'?', schemeEnd + 3);
    if (queryStart >= 0) {
        const qsizetype fragment = masked.indexOf(u'#', queryStart);
        const qsizetype queryEnd = fragment < 0 ? masked.size() : fragment;
        QStringList pairs = masked.mid(queryStart + 1, queryEnd - queryStart - 1).split(u'&');
        for (QString &pair : pairs) {
            const qsizetype eq = pair.indexOf(u'=');
            if (eq > 0 && eq + 1 < pair.size() &&
                pair.left(eq).compare(u"password", Qt::CaseInsensitive) == 0)
                pair = pair.left(eq + 1) + u"****"_s;
        }
        masked.replace(queryStart + 1, queryEnd - queryStart - 1, pairs.join(u'&'));
    }

    const qsizetype authStart = schemeEnd + 3;
    qsizetype authEnd = authStart;
    while (authEnd < masked.size() && masked[authEnd] != u'/' && masked[authEnd] != u'?' &&
           masked[authEnd] != u'#')
        ++authEnd;
    // The last '@' ends the userinfo: an unencoded '@' in a password must not reveal its tail.
    const qsizetype at = QStringView(masked).mid(authStart, authEnd - authStart).lastIndexOf(u'@');
    if (at < 0)
        return masked;
    const qsizetype colon = QStringView(masked).mid(authStart, at).indexOf(u':');
    if (colon < 0 || colon + 1 == at)
        return masked;
    masked.replace(authStart + colon + 1, at - colon - 1, u"****"_s);
    return masked;
}

namespace {

Error invalid(const QString &message)
{
    return makeError(u"CONFIG_INVALID"_s, message);
}

QString quoted(const Option &option, const QString &text)
{
    return u'"' + (option.secret ? maskUrl(text) : text) + u'"';
}

Result<Value> parseInt(const Option &option, const QString &text)
{
    static const QRegularExpression digits(u"^[+-]?[0-9]+$"_s);
    const QString range =
        QString::number(option.minimum) + u".."_s + QString::number(option.maximum);
    if (!digits.match(text).hasMatch())
        return invalid(quoted(option, text) + u" is not an integer ("_s + range + u')');
    bool ok = false;
    const qlonglong number = text.toLongLong(&ok);
    if (!ok || number < option.minimum || number > option.maximum)
        return invalid(quoted(option, text) + u" is out of range "_s + range);
    return Value{.text = QString::number(number), .number = int(number)};
}

Result<Value> parseEnum(const Option &option, const QString &text)
{
    const QString lower = text.toLower();
    if (!option.allowed.contains(lower))
        return invalid(quoted(option, text) + u" is not one of "_s + option.allowed.join(u", "_s));
    return Value{.text = lower};
}

Result<Value> parseHostPort(const Option &option, const QString &text)
{
    const QString problem = quoted(option, text) + u" is not HOST:PORT"_s;
    QString host;
    QString port;
    QHostAddress address;
    if (text.startsWith(u'[')) {
        const qsizetype close = text.indexOf(u"]:");
        if (close < 0)
            return invalid(problem + u" (IPv6 goes in brackets: [::1]:8600)"_s);
        host = text.mid(1, close - 1);
        port = text.mid(close + 2);
        if (!address.setAddress(host) || address.protocol() != QAbstractSocket::IPv6Protocol)
            return invalid(problem + u": \""_s + host + u"\" is not an IPv6 address"_s);
    } else {
        const qsizetype colon = text.lastIndexOf(u':');
        if (colon < 0)
            return invalid(problem);
        host = text.left(colon);
        port = text.mid(colon + 1);
        // QHostAddress also takes "127.1" and "2130706433"; only dotted quads are unambiguous.
        static const QRegularExpression dottedQuad(u"^[0-9]{1,3}(\\.[0-9]{1,3}){3}$"_s);
        if (host.contains(u':'))
            return invalid(problem + u" (IPv6 goes in brackets: [::1]:8600)"_s);
        if (host.compare(u"localhost", Qt::CaseInsensitive) == 0)
            address = QHostAddress(QHostAddress::LocalHost);
        else if (!dottedQuad.match(host).hasMatch() || !address.setAddress(host))
            return invalid(problem + u": HOST must be an IP address, [IPv6] or localhost"_s);
    }
    static const QRegularExpression portDigits(u"^[0-9]{1,5}$"_s);
    const int number = portDigits.match(port).hasMatch() ? port.toInt() : 0;
    if (number < 1 || number > 65535)
        return invalid(problem + u": PORT must be 1..65535"_s);
    const auto port16 = quint16(number);
    return Value{.text = formatHostPort(address, port16), .address = address, .port = port16};
}

Result<Value> parseUrl(const Option &option, const QString &text)
{
    const QString shown = quoted(option, text);
    const QString schemes = option.allowed.join(u"://, "_s) + u"://"_s;
    for (const QChar c : text) {
        if (c.isSpace() || c.category() == QChar::Other_Control)
            return invalid(shown + u" contains a space or control character"_s);
    }
    const qsizetype schemeEnd = text.indexOf(u"://");
    const QString scheme = text.left(qMax<qsizetype>(schemeEnd, 0)).toLower();
    if (scheme == u"rediss")
        return invalid(shown + u": rediss:// needs TLS, and Debian 12's hiredis 0.14 has no TLS "
                               u"support; use a unix socket or a local TLS tunnel (stunnel)"_s);
    if (schemeEnd <= 0 || !option.allowed.contains(scheme))
        return invalid(shown + u" must start with "_s + schemes);
    // Not QUrl::errorString(): it quotes the whole URL, password included.
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return invalid(shown + u" is not a valid URL"_s);
    if (scheme.endsWith(u"unix")) {
        if (!url.host().isEmpty() || !url.path().startsWith(u'/') || url.path().size() < 2)
            return invalid(shown + u" needs an absolute socket path, e.g. "_s + scheme +
                           u":///run/redis/redis.sock"_s);
        return Value{.text = text};
    }
    // libpq also takes the host as a parameter (postgresql:///db?host=/run/postgresql).
    if (url.host().isEmpty() && !QUrlQuery(url).hasQueryItem(u"host"_s))
        return invalid(shown + u" has no host"_s);
    if (scheme.startsWith(u"redis")) {
        static const QRegularExpression database(u"^(/[0-9]{0,5})?$"_s);
        if (!database.match(url.path()).hasMatch())
            return invalid(shown + u": the path must be a database number, e.g. /0"_s);
    }
    return Value{.text = text};
}

Result<Value> parsePath(const Option &option, const QString &text, const QString &homeDir)
{
    QString path = text;
    if (path == u"~" || path.startsWith(u"~/")) {
        if (homeDir.isEmpty())
            return invalid(quoted(option, text) + u" starts with ~ but HOME is not set"_s);
        path = homeDir + path.mid(1);
    }
    if (option.type == Type::File) {
        // A file named on the command line is naturally relative to the working directory.
        return Value{.text = QDir::cleanPath(QFileInfo(path).absoluteFilePath())};
    }
    if (!QDir::isAbsolutePath(path))
        return invalid(quoted(option, text) + u" is not an absolute path (or ~/…)"_s);
    return Value{.text = QDir::cleanPath(path)};
}

Result<Value> parseString(const Option &option, const QString &text)
{
    if (!option.pattern.isEmpty()) {
        const QRegularExpression pattern(QRegularExpression::anchoredPattern(option.pattern));
        if (!pattern.match(text).hasMatch())
            return invalid(quoted(option, text) + u" is not "_s + option.patternHelp);
    }
    return Value{.text = text};
}

} // namespace

Result<Value> parseCidrList(const Option &option, const QString &text)
{
    Value value;
    QStringList canonical;
    for (const QString &part : text.split(u',', Qt::SkipEmptyParts)) {
        const QString item = part.trimmed();
        QPair<QHostAddress, int> subnet = QHostAddress::parseSubnet(
            item.contains(u'/') ? item
                                : item + (item.contains(u':') ? u"/128"_s : u"/32"_s));
        if (subnet.first.isNull() || subnet.second < 0)
            return invalid(quoted(option, item) +
                           u" is not an IP address or subnet (like 10.0.0.0/8 or ::1)"_s);
        value.subnets.append(subnet);
        canonical.append(subnet.first.toString() + u'/' + QString::number(subnet.second));
    }
    value.text = canonical.join(u","_s);
    return value;
}

Result<Value> parseRate(const Option &option, const QString &text)
{
    static const QRegularExpression shape(u"^([0-9]+(?:\\.[0-9]+)?)/([0-9]+(?:\\.[0-9]+)?)$"_s);
    const QRegularExpressionMatch match = shape.match(text.trimmed());
    const double capacity = match.hasMatch() ? match.captured(1).toDouble() : 0;
    const double perSecond = match.hasMatch() ? match.captured(2).toDouble() : 0;
    if (!match.hasMatch() || capacity < 1 || capacity > 1e6 || perSecond <= 0 || perSecond > 1e6)
        return invalid(quoted(option, text) +
                       u" is not CAPACITY/PER_SECOND (like 10/0.2: bursts of 10, one more every "
                       u"5 s; capacity 1..1000000, rate above 0)"_s);
    return Value{.text = match.captured(1) + u'/' + match.captured(2),
                 .capacity = capacity,
                 .perSecond = perSecond};
}

Result<Value> parse(const Option &option, const QString &text, const QString &homeDir)
{
    if (text.isEmpty()) {
        if (option.allowEmpty)
            return Value{};
        return invalid(u"the value is empty"_s);
    }
    switch (option.type) {
    case Type::String:
        return parseString(option, text);
    case Type::Int:
        return parseInt(option, text);
    case Type::Enum:
        return parseEnum(option, text);
    case Type::HostPort:
        return parseHostPort(option, text);
    case Type::Url:
        return parseUrl(option, text);
    case Type::CidrList:
        return parseCidrList(option, text);
    case Type::Rate:
        return parseRate(option, text);
    case Type::Path:
    case Type::File:
        return parsePath(option, text, homeDir);
    }
    return invalid(u"unsupported option type"_s);
}

} // namespace ConfigSchema
