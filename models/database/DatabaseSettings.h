#pragma once

#include "models/common/Result.h"

#include <QMap>
#include <QSqlDatabase>
#include <QString>

// Where and how to reach PostgreSQL, parsed from a libpq-style URL:
//   postgresql://user:password@host:port/dbname?connect_timeout=5&sslmode=require
//   postgresql://user@/dbname?host=/run/postgresql        (unix socket directory)
// Parsing is our own (not QUrl) so that errors can say exactly what is wrong without ever
// echoing the password, and so that libpq's socket-directory conventions are honoured.
struct DatabaseSettings
{
    static constexpr int DefaultPort = 5432;
    static constexpr int DefaultConnectTimeoutSeconds = 5;

    QString user;
    QString password;
    QString host;      // TCP host name or IP address; empty when socketDir is used
    QString socketDir; // unix socket directory (absolute path); empty for TCP
    int port = DefaultPort;
    QString databaseName;
    int connectTimeoutSeconds = DefaultConnectTimeoutSeconds;
    QString sslMode;         // empty: libpq's default (prefer)
    QString applicationName; // empty: none
    // Further libpq options passed through unchanged (sslrootcert, sslcert, sslkey, sslcrl,
    // target_session_attrs, keepalives, keepalives_idle, keepalives_interval, keepalives_count).
    QMap<QString, QString> extraOptions;

    // Errors have code DATABASE_URL_INVALID; their messages never contain the password.
    static Result<DatabaseSettings> fromUrl(const QString &url);

    // The URL again (password included, percent-encoded): fromUrl(s.toUrl()) == s.
    QString toUrl() const;
    // The URL with the password replaced by "***", for logs and messages.
    QString redactedUrl() const;
    // "db.example.org:5432" or "unix socket /run/postgresql (port 5432)", for messages.
    QString describeServer() const;
    // The QPSQL connect-options string (connect_timeout, sslmode, application_name, extras).
    QString connectOptions() const;

    bool operator==(const DatabaseSettings &other) const = default;
};

// Opens a QPSQL connection registered under connectionName (which must not be in use yet).
// The connection belongs to the calling thread. On failure the name is removed again and the
// error is DATABASE_UNAVAILABLE with the driver's message and the server, never the password.
Result<QSqlDatabase> openDatabase(const DatabaseSettings &settings, const QString &connectionName);
