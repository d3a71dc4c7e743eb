#include "WorkerContext.h"

#include "models/common/Log.h"
#include "models/database/DatabaseSettings.h"
#include "models/database/PreparedStatements.h"
#include "server/device/UserAgentParser.h"
#include "server/events/EventPublisher.h"
#include "server/runtime/AppServices.h"
#include "server/sessions/SessionService.h"

#include <QTimer>

namespace {
constexpr int kSweepIntervalMs = 60 * 1000;
constexpr int kSweepBatch = 1000;
} // namespace

WorkerContext::WorkerContext(int index, QString databaseUrl, RedisClient *redis,
                             ExchangeStats *stats)
    : m_index(index),
      m_databaseUrl(std::move(databaseUrl)),
      m_connectionName(QStringLiteral("gatehouse-http-%1").arg(index)),
      m_redis(redis),
      m_stats(stats)
{
}

WorkerContext::~WorkerContext()
{
    m_sweeper.reset();
    m_sessions.reset();
    resetDatabase();
}

void WorkerContext::setServices(std::shared_ptr<const AppServices> services)
{
    m_services = std::move(services);
    if (!m_services || m_index != 0)
        return;
    // One sweeper per instance; with several instances FOR UPDATE SKIP LOCKED shares the work.
    m_sweeper = std::make_unique<QTimer>();
    m_sweeper->setInterval(kSweepIntervalMs);
    QObject::connect(m_sweeper.get(), &QTimer::timeout, [this] {
        sessions().sweep(kSweepBatch, [](Result<int> swept) {
            if (!swept)
                Log::warning(QStringLiteral("session.sweep_failed"),
                             {{QStringLiteral("error"), swept.error().message}});
        });
    });
    m_sweeper->start();
}

const AppServices &WorkerContext::services() const
{
    static const AppServices none;
    return m_services ? *m_services : none;
}

const EventPublisher &WorkerContext::events()
{
    if (!m_events)
        m_events = std::make_unique<EventPublisher>(m_redis, services().instance);
    return *m_events;
}

SessionService &WorkerContext::sessions()
{
    if (!m_sessions) {
        const AppServices &shared = services();
        if (shared.userAgents && !m_userAgents)
            m_userAgents = std::make_unique<CachedUserAgentParser>(shared.userAgents);
        SessionService::Dependencies dependencies;
        dependencies.redis = m_redis;
        dependencies.statements = [this] { return statements(); };
        dependencies.resetDatabase = [this] { resetDatabase(); };
        dependencies.userAgents = m_userAgents.get();
        dependencies.geo = shared.geo;
        dependencies.events = &events();
        dependencies.clock = shared.clock;
        m_sessions = std::make_unique<SessionService>(shared.sessions, std::move(dependencies));
    }
    return *m_sessions;
}

Result<PreparedStatements *> WorkerContext::statements()
{
    if (m_statements && m_statements->database().isOpen())
        return m_statements.get();
    m_statements.reset();
    auto db = database();
    if (!db)
        return db.error();
    m_statements = std::make_unique<PreparedStatements>(*db);
    return m_statements.get();
}

Result<QSqlDatabase> WorkerContext::database()
{
    if (QSqlDatabase::contains(m_connectionName)) {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            return db;
        m_statements.reset(); // holds a handle of the connection being replaced
        QSqlDatabase::removeDatabase(m_connectionName);
    }
    auto settings = DatabaseSettings::fromUrl(m_databaseUrl);
    if (!settings)
        return settings.error();
    return openDatabase(*settings, m_connectionName);
}

void WorkerContext::resetDatabase()
{
    m_statements.reset();
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}
