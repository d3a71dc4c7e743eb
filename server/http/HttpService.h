#pragma once

#include "HttpWorker.h"
#include "models/common/Result.h"

#include <QHostAddress>
#include <QList>
#include <QObject>

struct AppServices;

#include <atomic>
#include <memory>

class Metrics;
class QThread;

struct HttpServiceSettings
{
    QHostAddress address{QHostAddress::LocalHost};
    quint16 port = 8600;
    int workers = 1;
    HttpLimits limits; // request limits, timeouts, TLS: enforced per connection
    QString databaseUrl;
    QString redisUrl;
    RateLimitSettings rateLimits; // per worker: see HttpWorkerSettings
    bool benchRoutes = false;
    std::shared_ptr<const AppServices> services; // shared by every worker's context
};

// The embedded HTTP server: N workers, each a thread with its own SO_REUSEPORT socket.
// Never runs in the GUI thread. start() and stop() are called from one controlling thread.
class HttpService : public QObject
{
    Q_OBJECT
public:
    HttpService(HttpServiceSettings settings, RouteInstaller installer, QObject *parent = nullptr);
    ~HttpService() override;

    Status start();
    // Stops accepting, lets in-flight requests finish for up to gracefulMs, then closes all.
    void stop(int gracefulMs);

    bool isRunning() const { return !m_workers.isEmpty(); }
    quint16 port() const { return m_port; }
    QHostAddress address() const { return m_settings.address; }
    int inFlight() const { return m_stats.inFlight.load(); }
    int openConnections() const { return m_stats.openConnections.load(); }
    // Set before start(): told about every finished exchange (metrics).
    void setObserver(ExchangeObserver *observer) { m_stats.observer = observer; }
    // Set before start(): what GET /metrics renders (usually also the observer).
    void setMetrics(Metrics *metrics) { m_stats.metrics = metrics; }
    quint64 totalRequests() const { return m_stats.total.load(); }

private:
    struct Worker
    {
        QThread *thread;
        HttpWorker *worker;
    };

    HttpServiceSettings m_settings;
    RouteInstaller m_installer;
    ExchangeStats m_stats;
    QList<Worker> m_workers;
    quint16 m_port = 0;
};
