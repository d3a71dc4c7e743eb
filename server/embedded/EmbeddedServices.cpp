#include "server/embedded/EmbeddedServices.h"

#include "models/common/Log.h"
#include "server/embedded/DataDirectory.h"
#include "server/embedded/EmbeddedPostgres.h"
#include "server/embedded/EmbeddedRedis.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QStringList>

EmbeddedServices::EmbeddedServices(QString dataDir, QString serviceUser, bool wantPostgres,
                                   bool wantRedis)
    : m_dataDir(std::move(dataDir)), m_serviceUser(std::move(serviceUser)),
      m_wantPostgres(wantPostgres), m_wantRedis(wantRedis)
{
}

EmbeddedServices::~EmbeddedServices()
{
    stop();
}

Status EmbeddedServices::start()
{
    if (m_dir)
        return {};
    QElapsedTimer timer;
    timer.start();
    const Status st = startServices();
    if (!st) {
        Log::error(QStringLiteral("embedded.start_failed"),
                   {{QStringLiteral("code"), st.error().code},
                    {QStringLiteral("message"), st.error().message}});
        stop();
        return st;
    }
    Log::info(QStringLiteral("embedded.started"),
              {{QStringLiteral("dataDir"), m_dir->path()},
               {QStringLiteral("postgres"), m_postgres != nullptr},
               {QStringLiteral("redis"), m_redis != nullptr},
               {QStringLiteral("ms"), timer.elapsed()}});
    return {};
}

Status EmbeddedServices::startServices()
{
    // Missing packages first: they need no lock and no account, and the message is the fix.
    if (m_wantPostgres) {
        if (Result<QString> bin = EmbeddedPostgres::findBinDir(); !bin)
            return bin.error();
    }
    if (m_wantRedis) {
        if (Result<QString> server = EmbeddedRedis::findServer(); !server)
            return server.error();
    }

    Result<ServiceAccount> account = ServiceAccount::resolve(m_serviceUser);
    if (!account)
        return account.error();
    m_account = *account;
    Log::info(QStringLiteral("embedded.account"),
              {{QStringLiteral("name"), m_account->name()},
               {QStringLiteral("uid"), static_cast<qint64>(m_account->uid())},
               {QStringLiteral("switches"), m_account->switches()},
               {QStringLiteral("created"), m_account->created()}});

    // Check the way to the data directory before creating anything in it, so a --data-dir
    // under /root fails with the fix rather than leaving a half-made directory behind.
    const QString absolute = QDir::cleanPath(QFileInfo(m_dataDir).absoluteFilePath());
    if (Status st = m_account->checkTraversable({QFileInfo(absolute).absolutePath()}); !st)
        return st;

    auto dir = std::make_unique<DataDirectory>(absolute);
    if (Status st = dir->open(m_account->uid()); !st)
        return st;
    m_dir = std::move(dir);
    if (Status st = m_account->prepareDirectories(*m_dir); !st)
        return st;
    if (Status st =
            m_account->checkTraversable({m_dir->postgresDir(), m_dir->redisDir(), m_dir->runDir(),
                                         m_dir->logsDir(), m_dir->socketDir()});
        !st)
        return st;

    // redis first: it starts in milliseconds, so a socket conflict is reported before initdb.
    if (m_wantRedis) {
        m_redis = std::make_unique<EmbeddedRedis>(*m_dir, *m_account);
        if (Status st = m_redis->start(); !st)
            return st;
    }
    if (m_wantPostgres) {
        m_postgres = std::make_unique<EmbeddedPostgres>(*m_dir, *m_account);
        if (Status st = m_postgres->start(); !st)
            return st;
    }
    return {};
}

void EmbeddedServices::stop()
{
    const bool wasOpen = m_dir != nullptr;
    // PostgreSQL first: the application's connections go away before its cache does.
    if (m_postgres) {
        if (Status st = m_postgres->stop(); !st)
            Log::error(QStringLiteral("embedded.postgres.stop_failed"),
                       {{QStringLiteral("message"), st.error().message}});
        m_postgres.reset();
    }
    if (m_redis) {
        if (Status st = m_redis->stop(); !st)
            Log::error(QStringLiteral("embedded.redis.stop_failed"),
                       {{QStringLiteral("message"), st.error().message}});
        m_redis.reset();
    }
    if (m_dir) {
        m_dir->release();
        m_dir.reset();
    }
    if (wasOpen)
        Log::info(QStringLiteral("embedded.stopped"), {{QStringLiteral("dataDir"), m_dataDir}});
}

void EmbeddedServices::detach()
{
    if (m_postgres)
        m_postgres->detach();
    if (m_redis)
        m_redis->detach();
    m_postgres.reset();
    m_redis.reset();
    if (m_dir)
        m_dir->release();
    m_dir.reset();
}

bool EmbeddedServices::running() const
{
    return (m_postgres && m_postgres->running()) || (m_redis && m_redis->running());
}

QString EmbeddedServices::databaseUrl() const
{
    return m_postgres && m_postgres->running() ? m_postgres->databaseUrl() : QString();
}

QString EmbeddedServices::redisUrl() const
{
    return m_redis && m_redis->running() ? m_redis->redisUrl() : QString();
}

QString EmbeddedServices::describe() const
{
    if (!m_dir)
        return QStringLiteral("Embedded services: not running (data directory %1)").arg(m_dataDir);
    QStringList parts;
    if (m_postgres && m_postgres->running())
        parts << QStringLiteral("PostgreSQL (%1, pid %2%3)")
                     .arg(QFileInfo(m_postgres->binDir()).dir().dirName(),
                          QString::number(m_postgres->pid()),
                          m_postgres->adopted() ? QStringLiteral(", adopted") : QString());
    if (m_redis && m_redis->running())
        parts << QStringLiteral("redis-server (pid %1%2)")
                     .arg(QString::number(m_redis->pid()),
                          m_redis->adopted() ? QStringLiteral(", adopted") : QString());
    return QStringLiteral("Embedded %1 in %2, sockets in %3, running as %4")
        .arg(parts.isEmpty() ? QStringLiteral("services: none")
                             : parts.join(QStringLiteral(" and ")),
             m_dir->path(), m_dir->socketDir(),
             m_account ? m_account->name() : QStringLiteral("?"));
}
