#include "ServerRuntime.h"

#include "AppServicesBuilder.h"
#include "Routes.h"
#include "models/common/Log.h"
#include "models/database/DatabaseSettings.h"
#include "models/database/MigrationRunner.h"
#include "server/config/ConfigLoader.h"
#include "server/embedded/EmbeddedServices.h"
#include "server/http/HttpService.h"
#include "server/secrets/KeyRing.h"
#include "server/secrets/SecretStore.h"
#include "server/secrets/SecretStoreFactory.h"
#include "server/metrics/Metrics.h"

#include <QElapsedTimer>
#include <QHostAddress>

QString ServerStatus::stateName(State state)
{
    switch (state) {
    case State::Stopped: return QStringLiteral("stopped");
    case State::Starting: return QStringLiteral("starting");
    case State::Running: return QStringLiteral("running");
    case State::Stopping: return QStringLiteral("stopping");
    case State::Failed: return QStringLiteral("failed");
    }
    return QStringLiteral("stopped");
}

ServerRuntime::ServerRuntime(Config config, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_metrics(std::make_unique<Metrics>())
{
    qRegisterMetaType<ServerStatus>();
    // A child, so moveToThread (ServerController) takes the timer along: otherwise it stays in
    // the constructing thread and start() from the runtime's thread is refused.
    m_keyRefresh.setParent(this);
    m_keyRefresh.setInterval(60 * 1000);
    connect(&m_keyRefresh, &QTimer::timeout, this, [this] {
        if (!m_services)
            return;
        if (Status refreshed = AppServicesBuilder::refreshKeys(*m_services, m_databaseUrl); !refreshed)
            Log::warning(QStringLiteral("jwt.refresh_failed"),
                         {{QStringLiteral("error"), refreshed.error().message}});
    });
    m_status.embeddedDatabase = m_config.embeddedDatabase();
    m_status.embeddedRedis = m_config.embeddedRedis();
    m_status.dataDir = m_config.dataDir;
    m_status.workers = m_config.effectiveWorkers();
    m_status.database = m_config.embeddedDatabase() ? QStringLiteral("embedded")
                                                    : ConfigLoader::maskUrl(m_config.databaseUrl);
    m_status.redis = m_config.embeddedRedis() ? QStringLiteral("embedded")
                                              : ConfigLoader::maskUrl(m_config.redisUrl);
}

ServerRuntime::~ServerRuntime()
{
    shutdown();
}

quint16 ServerRuntime::port() const
{
    return m_http && m_http->isRunning() ? m_http->port() : 0;
}

void ServerRuntime::setState(ServerStatus::State state, const QString &message)
{
    m_status.state = state;
    m_status.message = message;
    emit statusChanged(m_status);
}

Status ServerRuntime::prepare()
{
    if (m_prepared)
        return {};
    QElapsedTimer timer;
    timer.start();
    // Keys first: a locked keyring or an unsafe key file fails before anything is started.
    setState(ServerStatus::State::Starting, QStringLiteral("opening the secret store"));
    if (Status opened = openSecrets(); !opened) {
        setState(ServerStatus::State::Failed, opened.error().message);
        return opened;
    }
    setState(ServerStatus::State::Starting, QStringLiteral("starting services"));
    m_databaseUrl = m_config.databaseUrl;
    m_redisUrl = m_config.redisUrl;
    if (m_config.embeddedDatabase() || m_config.embeddedRedis()) {
        m_embedded = std::make_unique<EmbeddedServices>(m_config.dataDir, m_config.serviceUser,
                                                        m_config.embeddedDatabase(),
                                                        m_config.embeddedRedis());
        if (Status started = m_embedded->start(); !started) {
            m_embedded.reset();
            setState(ServerStatus::State::Failed, started.error().message);
            return started;
        }
        if (m_config.embeddedDatabase()) {
            m_databaseUrl = m_embedded->databaseUrl();
            m_status.database = QStringLiteral("embedded: ") + m_databaseUrl;
        }
        if (m_config.embeddedRedis()) {
            m_redisUrl = m_embedded->redisUrl();
            m_status.redis = QStringLiteral("embedded: ") + m_redisUrl;
        }
    }
    // The console opens its own connections to the same services (ServerStatus::connect…).
    m_status.connectDatabaseUrl = m_databaseUrl;
    m_status.connectRedisUrl = m_redisUrl;
    Log::info(QStringLiteral("runtime.services"),
              {{QStringLiteral("database"), ConfigLoader::maskUrl(m_databaseUrl)},
               {QStringLiteral("redis"), ConfigLoader::maskUrl(m_redisUrl)},
               {QStringLiteral("embedded"), m_embedded ? m_embedded->describe() : QStringLiteral("none")}});
    setState(ServerStatus::State::Starting, QStringLiteral("migrating the database"));
    if (Status migrated = migrate(); !migrated) {
        setState(ServerStatus::State::Failed, migrated.error().message);
        return migrated;
    }
    setState(ServerStatus::State::Starting, QStringLiteral("loading keys and parsers"));
    auto services = AppServicesBuilder::build(m_config, *m_secrets, m_databaseUrl);
    if (!services) {
        setState(ServerStatus::State::Failed, services.error().message);
        return services.error();
    }
    (*services)->dataEncryptionKey = m_dataEncryptionKey;
    m_services = *services;
    if (Status refreshed = AppServicesBuilder::refreshKeys(*m_services, m_databaseUrl); !refreshed)
        Log::warning(QStringLiteral("jwt.refresh_failed"), {{QStringLiteral("error"), refreshed.error().message}});
    m_keyRefresh.start();
    m_prepared = true;
    Log::info(QStringLiteral("runtime.prepared"), {{QStringLiteral("ms"), timer.elapsed()}});
    return {};
}

Status ServerRuntime::openSecrets()
{
    if (!m_secrets) {
        auto store = makeSecretStore(m_config, m_keychain);
        if (!store)
            return store.error();
        m_secrets = std::move(store).value();
    }
    auto key = KeyRing::ensureSecret(*m_secrets, KeyRing::dataEncryptionKeyName(),
                                     KeyRing::kDataEncryptionKeyBytes);
    if (!key)
        return key.error();
    m_dataEncryptionKey = std::move(key).value();
    return {};
}

Status ServerRuntime::migrate()
{
    auto settings = DatabaseSettings::fromUrl(m_databaseUrl);
    if (!settings)
        return settings.error();
    const QString connectionName = QStringLiteral("gatehouse-migrations");
    Status outcome;
    {
        auto db = openDatabase(*settings, connectionName);
        if (!db)
            return db.error();
        auto report = MigrationRunner().run(*db);
        if (report) {
            m_status.schemaVersion = report->currentVersion;
            Log::info(QStringLiteral("db.schema"),
                      {{QStringLiteral("version"), report->currentVersion},
                       {QStringLiteral("applied"), static_cast<int>(report->applied.size())}});
        } else {
            outcome = report.error();
        }
        db->close();
    }
    QSqlDatabase::removeDatabase(connectionName);
    return outcome;
}

Status ServerRuntime::startHttp()
{
    if (Status prepared = prepare(); !prepared)
        return prepared;
    if (m_http && m_http->isRunning())
        return {};
    HttpServiceSettings settings;
    settings.address = m_config.listenAddress;
    settings.port = m_config.listenPort;
    settings.workers = m_config.effectiveWorkers();
    settings.databaseUrl = m_databaseUrl;
    settings.redisUrl = m_redisUrl;
    settings.limits.maxConnections = m_config.maxConnections;
    settings.limits.maxBodyBytes = m_config.maxBodyBytes;
    settings.limits.maxAvatarBytes = m_config.maxAvatarBytes;
    settings.limits.maxHeaderBytes = m_config.maxHeaderBytes;
    settings.limits.maxUrlBytes = m_config.maxUrlBytes;
    settings.limits.headerTimeoutMs = m_config.headerTimeoutSeconds * 1000;
    settings.limits.bodyTimeoutMs = m_config.bodyTimeoutSeconds * 1000;
    settings.limits.idleTimeoutMs = m_config.idleTimeoutSeconds * 1000;
    settings.limits.tlsCertificateFile = m_config.tlsCertificateFile;
    settings.limits.tlsKeyFile = m_config.tlsKeyFile;
    settings.rateLimits = RateLimitSettings::fromConfig(m_config);
    settings.benchRoutes = m_config.benchRoutes;
    settings.services = m_services;
    m_http = std::make_unique<HttpService>(settings, &Routes::installAll);
    m_http->setObserver(m_metrics.get());
    m_http->setMetrics(m_metrics.get());
    if (Status started = m_http->start(); !started) {
        m_http.reset();
        setState(ServerStatus::State::Failed, started.error().message);
        return started;
    }
    const QString host = m_config.listenAddress.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + m_config.listenAddress.toString() + QLatin1Char(']')
                             : m_config.listenAddress.toString();
    m_status.url = QStringLiteral("http://%1:%2").arg(host).arg(m_http->port());
    setState(ServerStatus::State::Running, QStringLiteral("serving"));
    Log::info(QStringLiteral("runtime.ready"), {{QStringLiteral("url"), m_status.url}});
    return {};
}

void ServerRuntime::stopHttp()
{
    if (!m_http)
        return;
    setState(ServerStatus::State::Stopping, QStringLiteral("finishing requests in flight"));
    m_http->stop(m_config.shutdownTimeoutSeconds * 1000);
    m_http.reset();
    m_status.url.clear();
    setState(ServerStatus::State::Stopped, QStringLiteral("the HTTP server is stopped"));
}

void ServerRuntime::shutdown()
{
    stopHttp();
    m_keyRefresh.stop();
    if (m_embedded) {
        m_embedded->stop();
        m_embedded.reset();
    }
    m_prepared = false;
}
