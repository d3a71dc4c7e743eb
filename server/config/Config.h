#pragma once

#include "models/common/Log.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

// The effective, validated configuration of one Gatehouse process. Built by ConfigLoader from
// built-in defaults < config file < GATEHOUSE_* environment < command-line flags.
// Later issues add fields here together with their entry in ConfigSchema.
struct Config
{
    QString configFile;            // "config": the file that was read, empty when none

    QHostAddress listenAddress{QHostAddress::LocalHost}; // "listen" HOST:PORT
    quint16 listenPort = 8600;
    int workers = 0;               // "workers": HTTP worker threads, 0 = number of cores
    int shutdownTimeoutSeconds = 10; // "shutdown-timeout": in-flight requests get this long

    QString dataDir;               // "data-dir": embedded services and local state
    QString avatarDir;             // "avatar-dir": empty = <dataDir>/avatars (AvatarStore)
    QString databaseUrl;           // "database-url": empty = embedded PostgreSQL (secret: masked)
    QString redisUrl;              // "redis-url": empty = embedded redis-server (secret: masked)
    QString serviceUser = QStringLiteral("gatehouse"); // "service-user": runs embedded services when root

    // HTTP hardening (server/http): limits answer 413/431/414, timeouts close the connection.
    QString tlsCertificateFile;      // "tls-cert": empty = plain HTTP
    QString tlsKeyFile;              // "tls-key"
    int maxConnections = 10000;      // "max-connections"
    int maxBodyBytes = 1024 * 1024;  // "max-body-size"
    int maxAvatarBytes = 5 * 1024 * 1024; // "max-avatar-size"
    int maxHeaderBytes = 16 * 1024;  // "max-header-size"
    int maxUrlBytes = 8 * 1024;      // "max-url-size"
    int headerTimeoutSeconds = 10;   // "header-timeout"
    int bodyTimeoutSeconds = 30;     // "body-timeout"
    int idleTimeoutSeconds = 60;     // "idle-timeout"
    QList<QPair<QHostAddress, int>> trustedProxies; // "trusted-proxies": X-Forwarded-For believed

    // Leaky buckets per client IP: bursts of `capacity`, refilled at `perSecond`.
    struct Rate
    {
        double capacity = 0;
        double perSecond = 0;
        friend bool operator==(const Rate &, const Rate &) = default;
    };
    Rate rateLimitDefault{120, 20};  // "rate-limit-default"
    Rate rateLimitAuth{10, 0.2};     // "rate-limit-auth"
    Rate rateLimitSession{1000, 200}; // "rate-limit-session"
    bool rateLimitFailOpen = true;   // "rate-limit-on-redis-failure": allow (true) | deny

    // IP location of sessions (server/device/GeoLocator).
    QString geoipCityDatabase;       // "geoip-city-database": City .mmdb, empty = none
    // "geoip-libloc-database": empty = off; the default is GeoLocator::defaultLibLocPath().
    QString geoipLibLocDatabase = QStringLiteral("/var/lib/location/database.db");

    // Sessions and tokens (server/sessions).
    QString publicUrl;               // "public-url": empty = http://<listen>
    QStringList origins;             // "origins": empty = the public URL's origin
    int sessionLifetimeSeconds = 30 * 24 * 3600; // "session-lifetime"
    int sessionIdleTimeoutSeconds = 7 * 24 * 3600; // "session-idle-timeout"
    int accessTokenLifetimeSeconds = 300;        // "access-token-lifetime"
    QString tokenAudience = QStringLiteral("gatehouse"); // "token-audience"
    int jwtKeyMaxAgeDays = 90;                   // "jwt-key-max-age": 0 = manual rotation only
    QString effectivePublicUrl() const;           // publicUrl, or http://<listen>
    QStringList effectiveOrigins() const;         // origins, or the public URL's origin

    // TOTP sign-in (server/auth/totp): the issuer shown in authenticator apps, and the
    // per-account lockout after repeated wrong codes (bounded; never extended while locked).
    QString totpIssuer = QStringLiteral("Gatehouse"); // "totp-issuer"
    int totpLockoutAttempts = 10;     // "totp-lockout-attempts": wrong codes within the window
    int totpLockoutWindowSeconds = 900;   // "totp-lockout-window"
    int totpLockoutDurationSeconds = 900; // "totp-lockout-duration"

    // Passkeys (server/passkeys): the WebAuthn relying party. Allowed origins = effectiveOrigins().
    QString rpId;                    // "rp-id": empty = the public URL's host (localhost for loopback)
    QString rpName = QStringLiteral("Gatehouse"); // "rp-name"
    QString webauthnUserVerification = QStringLiteral("preferred"); // required | preferred | discouraged
    QString webauthnAttestation = QStringLiteral("none"); // none | indirect | direct | enterprise
    QStringList webauthnCrossOrigin; // "webauthn-cross-origin": empty = off, else allowed top origins
    QString webauthnCounterPolicy = QStringLiteral("refuse"); // refuse | allow (sign counter regressions)

    // Email and SMS (server/delivery). Passwords live in the secret store (smtp-password,
    // sms-auth-token), never here.
    QString smtpHost;                // "smtp-host": empty = email off
    int smtpPort = 587;              // "smtp-port"
    QString smtpSecurity = QStringLiteral("starttls"); // "smtp-security": starttls | tls | none
    QString smtpUser;                // "smtp-user": empty = no AUTH
    QString smtpFrom;                // "smtp-from"
    QString smtpFromName = QStringLiteral("Gatehouse"); // "smtp-from-name"
    int smtpTimeoutSeconds = 15;     // "smtp-timeout"
    QString smsDriver = QStringLiteral("off"); // "sms-driver": off | log | http
    QString smsUrl;                  // "sms-url"
    QString smsAccountSid;           // "sms-account-sid"
    QString smsFrom;                 // "sms-from"
    int smsTimeoutSeconds = 10;      // "sms-timeout"
    QString phoneDefaultRegion;      // "phone-default-region": empty = international only

    // Social sign-in (server/oauth, rows and bindings in server/oauth/OAuthOptions.cpp): one
    // block per provider, on when its client id is set; client secrets live in the secret store.
    struct OAuthProvider
    {
        QString clientId;  // "oauth-<p>-client-id": empty = off
        QString scopes;    // "oauth-<p>-scopes"
        QString link = QStringLiteral("verified-only"); // "oauth-<p>-link": never | verified-only
        QString issuer;    // "oauth-<p>-issuer" (discovery); GitHub: "oauth-github-url"
        QString apiUrl;    // "oauth-github-api-url" (GitHub only)
        friend bool operator==(const OAuthProvider &, const OAuthProvider &) = default;
    };
    OAuthProvider oauthGoogle{{}, QStringLiteral("openid email profile"), QStringLiteral("verified-only"),
                              QStringLiteral("https://accounts.google.com"), {}};
    OAuthProvider oauthApple{{}, QStringLiteral("openid name email"), QStringLiteral("verified-only"),
                             QStringLiteral("https://appleid.apple.com"), {}};
    OAuthProvider oauthGithub{{}, QStringLiteral("read:user user:email"), QStringLiteral("verified-only"),
                              QStringLiteral("https://github.com"), QStringLiteral("https://api.github.com")};
    OAuthProvider oauthMicrosoft{{}, QStringLiteral("openid email profile"), QStringLiteral("verified-only"),
                                 QStringLiteral("https://login.microsoftonline.com/common/v2.0"), {}};
    OAuthProvider oauthOidc{{}, QStringLiteral("openid email profile"), QStringLiteral("verified-only"), {}, {}};
    QString oauthAppleTeamId;        // "oauth-apple-team-id"
    QString oauthAppleKeyId;         // "oauth-apple-key-id"
    QString oauthApplePrivateKeyFile; // "oauth-apple-private-key-file": the .p8 from Apple
    int oauthTimeoutSeconds = 10;    // "oauth-timeout": each call to a provider

    QString secretStore = QStringLiteral("auto"); // "secret-store": auto | keychain | file
    bool benchRoutes = false;        // "bench-routes": on | off

    Log::Format logFormat = Log::Format::Text; // "log-format": text | json
    Log::Level logLevel = Log::Level::Info;    // "log-level": debug | info | warning | error

    bool embeddedDatabase() const { return databaseUrl.isEmpty(); }
    bool embeddedRedis() const { return redisUrl.isEmpty(); }
    int effectiveWorkers() const;  // workers, or the number of cores when 0

    friend bool operator==(const Config &, const Config &) = default;
};
