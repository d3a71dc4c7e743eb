#include "ConsoleConnection.h"

#include "models/database/DatabaseSettings.h"
#include "models/database/PreparedStatements.h"
#include "server/admin/AdminService.h"
#include "server/events/EventPublisher.h"
#include "server/redis/RedisClient.h"
#include "server/redis/RedisEndpoint.h"

ConsoleConnection::ConsoleConnection(QObject *parent) : QObject(parent) {}

ConsoleConnection::~ConsoleConnection()
{
    close();
}

Status ConsoleConnection::open(const QString &databaseUrl, const QString &redisUrl)
{
    close();
    auto settings = DatabaseSettings::fromUrl(databaseUrl);
    if (!settings)
        return settings.error();
    auto endpoint = RedisEndpoint::fromUrl(redisUrl);
    if (!endpoint)
        return makeError(QStringLiteral("REDIS_URL_INVALID"), endpoint.error().message);
    if (settings->applicationName.isEmpty())
        settings->applicationName = QStringLiteral("gatehouse-console");
    auto db = openDatabase(*settings, QString::fromLatin1(ConnectionName));
    if (!db)
        return db.error();

    m_databaseUrl = databaseUrl;
    m_redisUrl = redisUrl;
    m_statements = std::make_unique<PreparedStatements>(*db);
    m_redis = new RedisClient(*endpoint, this);
    m_redis->start();
    m_events = std::make_unique<EventPublisher>(
        m_redis, QStringLiteral("console:") + EventPublisher::defaultInstanceName());
    AdminService::Dependencies deps;
    deps.redis = m_redis;
    deps.statements = [this] { return reopenIfNeeded(); };
    deps.resetDatabase = [this] {
        // Keep the registered connection (pages hold handles to it); a closed one is reopened
        // by reopenIfNeeded on the next action.
        m_statements.reset();
        database().close();
    };
    deps.events = m_events.get();
    m_admin = std::make_unique<AdminService>(std::move(deps));
    m_open = true;
    emit opened();
    return {};
}

Result<PreparedStatements *> ConsoleConnection::reopenIfNeeded()
{
    QSqlDatabase db = database();
    if (!db.isOpen() && !db.open())
        return makeError(QStringLiteral("DATABASE_UNAVAILABLE"),
                         QStringLiteral("cannot reconnect to PostgreSQL"));
    if (!m_statements)
        m_statements = std::make_unique<PreparedStatements>(db);
    return m_statements.get();
}

void ConsoleConnection::close()
{
    if (!m_open)
        return;
    m_open = false;
    emit closed(); // pages drop their queries before the connection goes away
    m_admin.reset();
    m_events.reset();
    m_statements.reset();
    delete m_redis;
    m_redis = nullptr;
    {
        QSqlDatabase db = QSqlDatabase::database(QString::fromLatin1(ConnectionName), false);
        db.close();
    }
    QSqlDatabase::removeDatabase(QString::fromLatin1(ConnectionName));
}

QSqlDatabase ConsoleConnection::database() const
{
    return QSqlDatabase::database(QString::fromLatin1(ConnectionName), false);
}

AdminService &ConsoleConnection::admin()
{
    Q_ASSERT(m_admin);
    return *m_admin;
}
