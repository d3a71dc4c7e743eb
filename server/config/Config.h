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

    QString secretStore = QStringLiteral("auto"); // "secret-store": auto | keychain | file
    bool benchRoutes = false;        // "bench-routes": on | off

    Log::Format logFormat = Log::Format::Text; // "log-format": text | json
    Log::Level logLevel = Log::Level::Info;    // "log-level": debug | info | warning | error

    bool embeddedDatabase() const { return databaseUrl.isEmpty(); }
    bool embeddedRedis() const { return redisUrl.isEmpty(); }
    int effectiveWorkers() const;  // workers, or the number of cores when 0

    friend bool operator==(const Config &, const Config &) = default;
};
