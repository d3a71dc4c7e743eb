#pragma once

#include "models/common/Result.h"
#include "server/ratelimit/RateLimitSettings.h"

#include <QSqlDatabase>
#include <QString>

class RedisClient;
struct ExchangeStats;

// What a route handler of one HTTP worker may use. Everything here belongs to the worker's
// thread: its own PostgreSQL connection and its own async Redis connection.
class WorkerContext
{
public:
    WorkerContext(int index, QString databaseUrl, RedisClient *redis, ExchangeStats *stats);
    ~WorkerContext();

    int index() const { return m_index; }
    RedisClient *redis() const { return m_redis; }
    ExchangeStats *stats() const { return m_stats; } // shared by all workers
    // Rate limits and trusted proxies, for the request gate (set by HttpWorker at set-up).
    const RateLimitSettings &rateLimits() const { return m_rateLimits; }
    void setRateLimits(RateLimitSettings settings) { m_rateLimits = std::move(settings); }
    // Serve /bench/* (Config::benchRoutes).
    bool benchRoutes() const { return m_benchRoutes; }
    void setBenchRoutes(bool on) { m_benchRoutes = on; }

    // The worker's database connection, opened (or reopened after a failure) on demand.
    // Opening blocks for at most the URL's connect_timeout; handlers call this only for one
    // short statement, as DESIGN.md allows.
    Result<QSqlDatabase> database();
    // Call when a statement failed with a connection error: the next database() reconnects.
    void resetDatabase();

private:
    int m_index;
    QString m_databaseUrl;
    QString m_connectionName;
    RedisClient *m_redis;
    ExchangeStats *m_stats;
    RateLimitSettings m_rateLimits;
    bool m_benchRoutes = false;
};
