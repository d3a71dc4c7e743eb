#pragma once

#include "models/common/Result.h"

#include <QObject>
#include <QSqlDatabase>
#include <QString>

#include <memory>

class AdminService;
class EventPublisher;
class PreparedStatements;
class RedisClient;

// The console's own connections, separate from the embedded server's workers: one PostgreSQL
// connection (QSqlDatabase "gatehouse-console") and one async Redis connection, both used only
// from the GUI thread, plus the AdminService every page acts through (so the console changes
// data exactly like the HTTP API does: database, then Redis, then pub/sub).
class ConsoleConnection : public QObject
{
    Q_OBJECT
public:
    static constexpr auto ConnectionName = "gatehouse-console";

    explicit ConsoleConnection(QObject *parent = nullptr);
    ~ConsoleConnection() override;

    // Opens PostgreSQL (synchronously: the console cannot show anything without it) and starts
    // the Redis client (asynchronously: it reconnects by itself). Closes first when open.
    // Errors: DATABASE_URL_INVALID, DATABASE_UNAVAILABLE, REDIS_URL_INVALID.
    Status open(const QString &databaseUrl, const QString &redisUrl);
    void close();
    bool isOpen() const { return m_open; }

    QSqlDatabase database() const;
    RedisClient *redis() const { return m_redis; }
    // Prepared statements over database(); valid while open.
    PreparedStatements *statements() const { return m_statements.get(); }
    // Valid while open (calling it when closed is a programming error).
    AdminService &admin();
    QString databaseUrl() const { return m_databaseUrl; }
    QString redisUrl() const { return m_redisUrl; }

signals:
    void opened();
    void closed();

private:
    Result<PreparedStatements *> reopenIfNeeded();

    bool m_open = false;
    QString m_databaseUrl;
    QString m_redisUrl;
    RedisClient *m_redis = nullptr;
    std::unique_ptr<PreparedStatements> m_statements;
    std::unique_ptr<EventPublisher> m_events;
    std::unique_ptr<AdminService> m_admin;
};
