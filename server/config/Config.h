#pragma once

#include "models/common/Log.h"

#include <QHostAddress>
#include <QString>

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

    Log::Format logFormat = Log::Format::Text; // "log-format": text | json
    Log::Level logLevel = Log::Level::Info;    // "log-level": debug | info | warning | error

    bool embeddedDatabase() const { return databaseUrl.isEmpty(); }
    bool embeddedRedis() const { return redisUrl.isEmpty(); }
    int effectiveWorkers() const;  // workers, or the number of cores when 0

    friend bool operator==(const Config &, const Config &) = default;
};
