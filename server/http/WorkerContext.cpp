#include "WorkerContext.h"

#include "models/database/DatabaseSettings.h"

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
    resetDatabase();
}

Result<QSqlDatabase> WorkerContext::database()
{
    if (QSqlDatabase::contains(m_connectionName)) {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            return db;
        QSqlDatabase::removeDatabase(m_connectionName);
    }
    auto settings = DatabaseSettings::fromUrl(m_databaseUrl);
    if (!settings)
        return settings.error();
    return openDatabase(*settings, m_connectionName);
}

void WorkerContext::resetDatabase()
{
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}
