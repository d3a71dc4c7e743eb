#include "HttpWorker.h"

#include "ConnectionListener.h"
#include "HttpServer.h"
#include "server/redis/RedisClient.h"

#include <unistd.h>

HttpWorker::HttpWorker(HttpWorkerSettings settings, RouteInstaller installer,
                       ExchangeStats *stats)
    : m_settings(std::move(settings)), m_installer(std::move(installer)), m_stats(stats)
{
}

HttpWorker::~HttpWorker()
{
    tearDown();
}

bool HttpWorker::setUp()
{
    // TLS first: a bad certificate or key is a configuration error, found before any service.
    std::optional<QSslConfiguration> tls;
    if (m_settings.limits.tlsEnabled()) {
        auto loaded = ConnectionListener::loadTls(m_settings.limits);
        if (!loaded) {
            m_setUpErrorCode = loaded.error().code;
            m_setUpError = loaded.error().message;
            return false;
        }
        tls = *loaded;
    }
    auto endpoint = RedisEndpoint::fromUrl(m_settings.redisUrl);
    if (!endpoint) {
        m_setUpError = endpoint.error().message;
        return false;
    }
    m_redis = new RedisClient(*endpoint, this);
    m_redis->start();
    m_context = std::make_unique<WorkerContext>(m_settings.index, m_settings.databaseUrl, m_redis,
                                                m_stats);
    m_context->setRateLimits(m_settings.rateLimits);
    m_context->setBenchRoutes(m_settings.benchRoutes);
    m_context->setServices(m_settings.services);
    // Connect now so the first request does not pay for it; a failure is not fatal here:
    // /readyz reports it and the connection is retried on demand.
    (void)m_context->database();

    Router router;
    if (m_installer)
        m_installer(router, *m_context);
    m_server = new HttpServer(std::move(router), m_stats, this);
    m_listener = new ConnectionListener(&m_stats->openConnections, m_settings.limits,
                                        std::move(tls), m_server);
    if (!m_listener->setSocketDescriptor(m_settings.listenDescriptor)) {
        m_setUpError = QStringLiteral("worker %1 cannot adopt its listening socket: %2")
                           .arg(m_settings.index)
                           .arg(m_listener->errorString());
        return false;
    }
    m_settings.listenDescriptor = -1; // the listener owns it now
    m_server->bind(m_listener);
    return true;
}

void HttpWorker::stopAccepting()
{
    if (m_listener)
        m_listener->close();
}

void HttpWorker::tearDown()
{
    delete m_server; // closes the listener and every connection it owns
    m_server = nullptr;
    m_listener = nullptr;
    m_context.reset();
    delete m_redis;
    m_redis = nullptr;
    if (m_settings.listenDescriptor >= 0) {
        ::close(m_settings.listenDescriptor);
        m_settings.listenDescriptor = -1;
    }
}
