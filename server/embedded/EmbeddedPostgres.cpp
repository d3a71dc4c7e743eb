#include "server/embedded/EmbeddedPostgres.h"

#include "models/common/Log.h"
#include "server/embedded/DataDirectory.h"
#include "server/embedded/ProcessTools.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSaveFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QThread>
#include <QUrl>
#include <QVersionNumber>
#include <algorithm>
#include <functional>
#include <sys/stat.h>

namespace {

const QString kDriver = QStringLiteral("QPSQL");

bool hasServerBinaries(const QString &dir)
{
    return QFileInfo(dir + QStringLiteral("/initdb")).isExecutable() &&
           QFileInfo(dir + QStringLiteral("/pg_ctl")).isExecutable() &&
           QFileInfo(dir + QStringLiteral("/postgres")).isExecutable();
}

// A postgresql.conf string literal: single quotes, '' and \\ escaped.
QString confString(QString value)
{
    value.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    value.replace(QLatin1Char('\''), QStringLiteral("''"));
    return QLatin1Char('\'') + value + QLatin1Char('\'');
}

// One element of a directory list setting: double quotes keep commas and spaces in the path.
QString listElement(QString path)
{
    path.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + path + QLatin1Char('"');
}

} // namespace

EmbeddedPostgres::EmbeddedPostgres(const DataDirectory &dir, ServiceAccount account)
    : m_dir(dir), m_account(std::move(account))
{
}

EmbeddedPostgres::~EmbeddedPostgres()
{
    if (m_running)
        (void)stop();
}

QString EmbeddedPostgres::clusterDir() const
{
    return m_dir.postgresDir();
}
QString EmbeddedPostgres::socketDir() const
{
    return m_dir.socketDir();
}
QString EmbeddedPostgres::logFile() const
{
    return m_dir.logsDir() + QStringLiteral("/postgresql.log");
}
QString EmbeddedPostgres::pgCtl() const
{
    return m_binDir + QStringLiteral("/pg_ctl");
}

QString EmbeddedPostgres::socketPath() const
{
    return socketDir() + QStringLiteral("/.s.PGSQL.%1").arg(kPort);
}

qint64 EmbeddedPostgres::pid() const
{
    return m_running ? ProcessTools::readPidFile(clusterDir() + QStringLiteral("/postmaster.pid"))
                     : 0;
}

QString EmbeddedPostgres::databaseUrl() const
{
    return QStringLiteral("postgresql://%1@/%2?host=%3")
        .arg(QLatin1String(kSuperuser), QLatin1String(kDatabase),
             QString::fromLatin1(QUrl::toPercentEncoding(socketDir())));
}

Result<QString> EmbeddedPostgres::findBinDir(const QString &preferredMajor)
{
    // Debian installs each major version side by side; the newest is what a fresh cluster
    // should use, but an existing cluster only runs on its own major version.
    const QString root = QStringLiteral("/usr/lib/postgresql");
    if (!preferredMajor.isEmpty() &&
        hasServerBinaries(root + QLatin1Char('/') + preferredMajor + QStringLiteral("/bin")))
        return root + QLatin1Char('/') + preferredMajor + QStringLiteral("/bin");
    QStringList versions = QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(versions.begin(), versions.end(), [](const QString &a, const QString &b) {
        return QVersionNumber::fromString(a) > QVersionNumber::fromString(b);
    });
    for (const QString &version : std::as_const(versions)) {
        const QString bin = root + QLatin1Char('/') + version + QStringLiteral("/bin");
        if (hasServerBinaries(bin))
            return bin;
    }
    const QString pgConfig = QStandardPaths::findExecutable(QStringLiteral("pg_config"));
    if (!pgConfig.isEmpty()) {
        QProcess process;
        process.start(pgConfig, {QStringLiteral("--bindir")});
        if (process.waitForFinished(10000) && process.exitCode() == 0) {
            const QString bin = QString::fromLocal8Bit(process.readAllStandardOutput()).trimmed();
            if (hasServerBinaries(bin))
                return bin;
        }
    }
    const QString pgCtl = QStandardPaths::findExecutable(QStringLiteral("pg_ctl"));
    if (!pgCtl.isEmpty() && hasServerBinaries(QFileInfo(pgCtl).absolutePath()))
        return QFileInfo(pgCtl).absolutePath();
    return makeError(
        QStringLiteral("POSTGRES_NOT_INSTALLED"),
        QStringLiteral("PostgreSQL is not installed (no initdb/pg_ctl found in "
                       "/usr/lib/postgresql/*/bin, pg_config --bindir or PATH). Install the "
                       "package postgresql (apt install postgresql), or configure "
                       "--database-url to use an external server."));
}

Status EmbeddedPostgres::start()
{
    if (m_running)
        return {};
    QElapsedTimer timer;
    timer.start();
    m_adopted = false;
    m_initialized = false;
    if (!QSqlDatabase::isDriverAvailable(kDriver))
        return makeError(
            QStringLiteral("POSTGRES_DRIVER_MISSING"),
            QStringLiteral("Qt's PostgreSQL driver (QPSQL) is missing: install the package "
                           "libqt6sql6-psql"));
    QFile versionFile(clusterDir() + QStringLiteral("/PG_VERSION"));
    const QString major = versionFile.open(QIODevice::ReadOnly)
                              ? QString::fromLatin1(versionFile.readAll()).trimmed()
                              : QString();
    Result<QString> bin = findBinDir(major);
    if (!bin)
        return bin.error();
    m_binDir = *bin;

    if (Status st = ensureCluster(); !st)
        return st;
    if (Status st = startServer(); !st)
        return st;
    if (Status st = createDatabase(); !st)
        return st;
    Log::info(QStringLiteral("embedded.postgres.started"),
              {{QStringLiteral("adopted"), m_adopted},
               {QStringLiteral("initdb"), m_initialized},
               {QStringLiteral("ms"), timer.elapsed()},
               {QStringLiteral("pid"), pid()},
               {QStringLiteral("socketDir"), socketDir()}});
    return {};
}

Status EmbeddedPostgres::ensureCluster()
{
    const QString cluster = clusterDir();
    const bool hasVersion = QFileInfo::exists(cluster + QStringLiteral("/PG_VERSION"));
    const bool hasMarker =
        QFileInfo::exists(cluster + QLatin1Char('/') + QLatin1String(kMarkerFile));
    if (hasVersion && hasMarker)
        return {};

    QDir dir(cluster);
    if (!dir.isEmpty(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot)) {
        // initdb was interrupted (crash, power loss, kill) somewhere between creating the first
        // file and our marker: the cluster is unusable and initdb refuses a non-empty
        // directory, so start over. Never while a postmaster runs on it.
        const qint64 running =
            ProcessTools::readPidFile(cluster + QStringLiteral("/postmaster.pid"));
        if (ProcessTools::processAlive(running) && postmasterIsOurs(running))
            return makeError(
                QStringLiteral("POSTGRES_INITDB_FAILED"),
                QStringLiteral("%1 has no completed initdb but a PostgreSQL server (pid %2) "
                               "runs on it; stop it first")
                    .arg(cluster)
                    .arg(running));
        Log::warning(QStringLiteral("embedded.postgres.initdb_incomplete"),
                     {{QStringLiteral("cluster"), cluster},
                      {QStringLiteral("hasPgVersion"), hasVersion},
                      {QStringLiteral("action"), QStringLiteral("wiped, running initdb again")}});
        if (!dir.removeRecursively() || !QDir().mkdir(cluster) ||
            !QFile::setPermissions(cluster, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner))
            return makeError(
                QStringLiteral("POSTGRES_INITDB_FAILED"),
                QStringLiteral("Cannot clear the half-initialised cluster %1").arg(cluster));
        if (Status st = m_account.giveFile(cluster); !st)
            return st;
    }

    QElapsedTimer timer;
    timer.start();
    const ServiceAccount::ProcessOutput out = m_account.run(
        m_binDir + QStringLiteral("/initdb"),
        {QStringLiteral("-D"), cluster, QStringLiteral("-U"), QLatin1String(kSuperuser),
         QStringLiteral("--auth=trust"), QStringLiteral("-E"), QStringLiteral("UTF8"),
         QStringLiteral("--locale=C.UTF-8"), QStringLiteral("--no-instructions")},
        m_dir.logsDir(), 180000);
    const QString initdbLog = m_dir.logsDir() + QStringLiteral("/initdb.log");
    QFile log(initdbLog);
    if (log.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        log.write(out.output.toUtf8());
        log.close();
        (void)m_account.giveFile(initdbLog);
    }
    if (!out.succeeded()) {
        const QStringList lines = out.output.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        return makeError(
            QStringLiteral("POSTGRES_INITDB_FAILED"),
            QStringLiteral("initdb for %1 failed%2:\n%3")
                .arg(cluster,
                     out.timedOut ? QStringLiteral(" (timed out)")
                                  : QStringLiteral(" (exit code %1)").arg(out.exitCode),
                     lines.mid(qMax<qsizetype>(0, lines.size() - 20)).join(QLatin1Char('\n'))));
    }

    // The marker is what makes the cluster "complete": written only after initdb succeeded.
    QSaveFile marker(cluster + QLatin1Char('/') + QLatin1String(kMarkerFile));
    if (!marker.open(QIODevice::WriteOnly) ||
        marker.write(QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toLatin1() + '\n') < 0 ||
        !marker.commit())
        return makeError(
            QStringLiteral("POSTGRES_INITDB_FAILED"),
            QStringLiteral("Cannot write %1: %2").arg(marker.fileName(), marker.errorString()));
    if (Status st = m_account.giveFile(marker.fileName()); !st)
        return st;
    m_initialized = true;
    Log::info(QStringLiteral("embedded.postgres.initdb"),
              {{QStringLiteral("cluster"), cluster}, {QStringLiteral("ms"), timer.elapsed()}});
    return {};
}

Status EmbeddedPostgres::writeSettings()
{
    // postgresql.auto.conf is read last, so these win over postgresql.conf. They are written on
    // every start (the socket directory can change when the data directory moves) and they
    // hold even when someone starts the cluster by hand with pg_ctl: no TCP listener, ever.
    const QList<QPair<QString, QString>> settings{
        {QStringLiteral("listen_addresses"), confString(QString())},
        {QStringLiteral("port"), QString::number(kPort)},
        {QStringLiteral("unix_socket_directories"), confString(listElement(socketDir()))},
        {QStringLiteral("unix_socket_permissions"), QStringLiteral("0700")},
        {QStringLiteral("fsync"), QStringLiteral("on")},
        {QStringLiteral("log_destination"), confString(QStringLiteral("stderr"))},
        {QStringLiteral("logging_collector"), QStringLiteral("off")},
        {QStringLiteral("log_line_prefix"), confString(QStringLiteral("%m [%p] "))},
    };
    const QString path = clusterDir() + QStringLiteral("/postgresql.auto.conf");
    QStringList lines;
    QFile existing(path);
    if (existing.open(QIODevice::ReadOnly)) {
        // Keep what ALTER SYSTEM wrote for other settings; replace ours.
        const QStringList old = QString::fromUtf8(existing.readAll()).split(QLatin1Char('\n'));
        for (const QString &line : old) {
            const QString key = line.section(QLatin1Char('='), 0, 0).trimmed().toLower();
            const bool ours = std::any_of(settings.begin(), settings.end(),
                                          [&](const auto &s) { return s.first == key; });
            if (!ours && !line.trimmed().isEmpty() &&
                !line.startsWith(QLatin1String("# Gatehouse")))
                lines << line;
        }
    }
    lines << QStringLiteral(
        "# Gatehouse: embedded server, unix socket only (rewritten on every start)");
    for (const auto &[key, value] : settings)
        lines << key + QStringLiteral(" = ") + value;

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write((lines.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8()) < 0 ||
        !file.commit())
        return makeError(QStringLiteral("POSTGRES_START_FAILED"),
                         QStringLiteral("Cannot write %1: %2").arg(path, file.errorString()));
    return m_account.giveFile(path);
}

bool EmbeddedPostgres::postmasterIsOurs(qint64 pid) const
{
    // pg_ctl starts "<bindir>/postgres -D <cluster>"; the postmaster keeps that command line.
    const QString cmd = ProcessTools::commandLine(pid);
    const bool isPostgres = ProcessTools::executableName(pid) == QLatin1String("postgres") ||
                            cmd.contains(QLatin1String("postgres"));
    return isPostgres &&
           (cmd.endsWith(clusterDir()) || cmd.contains(clusterDir() + QLatin1Char(' ')));
}

Status EmbeddedPostgres::startServer()
{
    const QString pidFile = clusterDir() + QStringLiteral("/postmaster.pid");
    const qint64 previous = ProcessTools::readPidFile(pidFile);
    if (ProcessTools::processAlive(previous)) {
        if (postmasterIsOurs(previous)) {
            // A Gatehouse that died without stop() (kill -9, crash) leaves pg_ctl's daemon running:
            // take it over. It may still be recovering, so allow it pg_ctl's own start timeout.
            QString lastError;
            if (!waitUntilAccepting(60000, &lastError))
                return startError(
                    QStringLiteral("A PostgreSQL server (pid %1) is already running on %2 but "
                                   "does not accept connections on %3: %4")
                        .arg(QString::number(previous), clusterDir(), socketDir(), lastError));
            m_running = true;
            m_adopted = true;
            return {};
        }
        // The pid was reused by an unrelated process (typically after a reboot). PostgreSQL
        // would refuse to start because "another postmaster" seems alive; it is not one. Only
        // its executable is logged: another program's command line may carry secrets.
        Log::warning(QStringLiteral("embedded.postgres.stale_pid_file"),
                     {{QStringLiteral("pid"), previous},
                      {QStringLiteral("process"), ProcessTools::executableName(previous)}});
        QFile::remove(pidFile);
    }
    // A pid file of a dead process is left alone: PostgreSQL checks and replaces it itself.

    if (Status st = writeSettings(); !st)
        return st;
    const ServiceAccount::ProcessOutput out = m_account.run(
        pgCtl(),
        {QStringLiteral("-D"), clusterDir(), QStringLiteral("-l"), logFile(), QStringLiteral("-w"),
         QStringLiteral("-t"), QStringLiteral("60"), QStringLiteral("start")},
        m_dir.logsDir(), 75000);
    if (!out.succeeded())
        return startError(QStringLiteral("pg_ctl start failed%1: %2")
                              .arg(out.timedOut ? QStringLiteral(" (timed out)") : QString(),
                                   out.output.trimmed()));
    m_running = true;
    QString lastError;
    if (!waitUntilAccepting(10000, &lastError))
        return startError(
            QStringLiteral("PostgreSQL started but does not accept connections on %1: %2")
                .arg(socketDir(), lastError));
    return {};
}

namespace {

// Opens a short-lived QPSQL connection with a unique name, runs `body`, and removes it again,
// so start() can run on any thread without disturbing the application's connections.
Status withConnection(const QString &socketDir, const QString &database,
                      const std::function<Status(QSqlDatabase &)> &body)
{
    static QAtomicInteger<quint64> counter;
    const QString name = QStringLiteral("gatehouse-embedded-%1").arg(counter.fetchAndAddRelaxed(1));
    Status result;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(kDriver, name);
        db.setHostName(socketDir);
        db.setPort(EmbeddedPostgres::kPort);
        db.setUserName(QLatin1String(EmbeddedPostgres::kSuperuser));
        db.setDatabaseName(database);
        db.setConnectOptions(QStringLiteral("connect_timeout=5"));
        if (db.open())
            result = body(db);
        else
            result = makeError(QStringLiteral("POSTGRES_START_FAILED"), db.lastError().text());
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

} // namespace

QString EmbeddedPostgres::tryConnect(const QString &database) const
{
    const Status st =
        withConnection(socketDir(), database, [](QSqlDatabase &) { return Status{}; });
    return st ? QString() : st.error().message;
}

bool EmbeddedPostgres::waitUntilAccepting(int timeoutMs, QString *lastError) const
{
    QElapsedTimer timer;
    timer.start();
    for (;;) {
        const QString error = tryConnect(QStringLiteral("postgres"));
        if (error.isEmpty())
            return true;
        if (lastError)
            *lastError = error;
        if (timer.elapsed() >= timeoutMs)
            return false;
        QThread::msleep(100);
    }
}

Status EmbeddedPostgres::createDatabase()
{
    const Status st =
        withConnection(socketDir(), QStringLiteral("postgres"), [](QSqlDatabase &db) -> Status {
            QSqlQuery query(db);
            query.prepare(QStringLiteral("SELECT 1 FROM pg_database WHERE datname = ?"));
            query.addBindValue(QLatin1String(kDatabase));
            if (!query.exec())
                return makeError(QStringLiteral("POSTGRES_START_FAILED"), query.lastError().text());
            if (query.next())
                return {};
            // An identifier cannot be a bound value; kDatabase is a constant.
            if (!query.exec(QStringLiteral("CREATE DATABASE %1").arg(QLatin1String(kDatabase))))
                return makeError(QStringLiteral("POSTGRES_START_FAILED"), query.lastError().text());
            Log::info(QStringLiteral("embedded.postgres.database_created"),
                      {{QStringLiteral("database"), QLatin1String(kDatabase)}});
            return {};
        });
    if (!st)
        return startError(QStringLiteral("Cannot create the database %1: %2")
                              .arg(QLatin1String(kDatabase), st.error().message));
    return {};
}

Error EmbeddedPostgres::startError(const QString &what) const
{
    const QString tail = ProcessTools::tailOfFile(logFile(), 20);
    return makeError(QStringLiteral("POSTGRES_START_FAILED"),
                     tail.isEmpty()
                         ? what
                         : QStringLiteral("%1\nLast lines of %2:\n%3").arg(what, logFile(), tail));
}

Status EmbeddedPostgres::stop()
{
    if (!m_running)
        return {};
    QElapsedTimer timer;
    timer.start();
    const qint64 postmaster = pid();
    // Fast: roll back open transactions and disconnect clients, then a clean shutdown
    // checkpoint, so the next start needs no recovery.
    const ServiceAccount::ProcessOutput out = m_account.run(
        pgCtl(),
        {QStringLiteral("-D"), clusterDir(), QStringLiteral("-m"), QStringLiteral("fast"),
         QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("60"), QStringLiteral("stop")},
        m_dir.logsDir(), 75000);
    m_running = false;
    m_adopted = false;
    if (!out.succeeded() && ProcessTools::processAlive(postmaster)) {
        Log::error(QStringLiteral("embedded.postgres.stop_failed"),
                   {{QStringLiteral("pid"), postmaster},
                    {QStringLiteral("output"), out.output.trimmed()}});
        return makeError(QStringLiteral("POSTGRES_STOP_FAILED"),
                         QStringLiteral("pg_ctl stop failed: %1").arg(out.output.trimmed()));
    }
    Log::info(QStringLiteral("embedded.postgres.stopped"),
              {{QStringLiteral("pid"), postmaster}, {QStringLiteral("ms"), timer.elapsed()}});
    return {};
}

void EmbeddedPostgres::detach()
{
    m_running = false;
    m_adopted = false;
}
