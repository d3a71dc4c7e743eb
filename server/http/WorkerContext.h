#pragma once

#include "models/common/Result.h"
#include "server/ratelimit/RateLimitSettings.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>

class EventPublisher;
class PreparedStatements;
class QTimer;
class RedisClient;
class SessionService;
struct AppServices;
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

    // What all workers share (config, parsers, keys). Set once at set-up; worker 0 also starts
    // the session sweeper then.
    void setServices(std::shared_ptr<const AppServices> services);
    const AppServices &services() const;
    // Per-worker objects built on demand from the services and the worker's connections.
    SessionService &sessions();
    const EventPublisher &events();
    // Prepared statements of the worker's connection (reopened on demand).
    Result<PreparedStatements *> statements();

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
    std::shared_ptr<const AppServices> m_services;
    std::unique_ptr<PreparedStatements> m_statements;
    std::unique_ptr<EventPublisher> m_events;
    std::unique_ptr<class CachedUserAgentParser> m_userAgents;
    std::unique_ptr<SessionService> m_sessions;
    std::unique_ptr<QTimer> m_sweeper;
};
