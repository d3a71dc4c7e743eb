#pragma once

#include "HttpExchange.h"
#include "HttpLimits.h"
#include "Router.h"
#include "WorkerContext.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>

class ConnectionListener;
class HttpServer;
class RedisClient;
struct AppServices;

using RouteInstaller = std::function<void(Router &, WorkerContext &)>;

struct HttpWorkerSettings
{
    int index = 0;
    int listenDescriptor = -1;
    HttpLimits limits;
    QString databaseUrl;
    QString redisUrl;
    RateLimitSettings rateLimits; // copied into WorkerContext for the request gate
    bool benchRoutes = false;
    std::shared_ptr<const AppServices> services;
};

// One HTTP worker: lives in its own QThread and owns everything it uses there — listener,
// QHttpServer, database connection, Redis connection — so no request ever takes a lock.
// setUp/stopAccepting/tearDown are invoked in the worker's thread by HttpService.
class HttpWorker : public QObject
{
    Q_OBJECT
public:
    HttpWorker(HttpWorkerSettings settings, RouteInstaller installer, ExchangeStats *stats);
    ~HttpWorker() override;

    Q_INVOKABLE bool setUp();
    Q_INVOKABLE void stopAccepting();
    Q_INVOKABLE void tearDown();
    QString setUpError() const { return m_setUpError; }
    QString setUpErrorCode() const { return m_setUpErrorCode; }

private:
    HttpWorkerSettings m_settings;
    RouteInstaller m_installer;
    ExchangeStats *m_stats;
    RedisClient *m_redis = nullptr;
    std::unique_ptr<WorkerContext> m_context;
    HttpServer *m_server = nullptr;
    ConnectionListener *m_listener = nullptr;
    QString m_setUpError;
    QString m_setUpErrorCode = QStringLiteral("HTTP_WORKER_FAILED");
};
