// Embedded PostgreSQL + redis-server with real processes: cold and warm start, adoption after a
// crash, stale pid files, half-done initdb, the data directory lock, a foreign socket owner,
// the short socket directory, and (as root) the service account.
#include "server/embedded/DataDirectory.h"
#include "server/embedded/EmbeddedPostgres.h"
#include "server/embedded/EmbeddedRedis.h"
#include "server/embedded/EmbeddedServices.h"
#include "server/embedded/ProcessTools.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLockFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QUrl>
#include <QUrlQuery>
#include <QtTest>
#include <csignal>
#include <cstring>
#include <memory>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace {

QByteArray redisCall(const QString &socketPath, const QList<QByteArray> &args)
{
    QLocalSocket socket;
    socket.connectToServer(socketPath);
    if (!socket.waitForConnected(2000))
        return QByteArrayLiteral("!connect: ") + socket.errorString().toUtf8();
    QByteArray request = '*' + QByteArray::number(args.size()) + "\r\n";
    for (const QByteArray &a : args)
        request += '$' + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    socket.write(request);
    socket.waitForBytesWritten(2000);
    QByteArray reply;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 3000) {
        if (socket.waitForReadyRead(200))
            reply += socket.readAll();
        else if (socket.state() != QLocalSocket::ConnectedState)
            break;
        if (reply.endsWith("\r\n") &&
            (!reply.startsWith('$') || reply.count("\r\n") >= 2 || reply.startsWith("$-1")))
            break;
    }
    return reply;
}

// Runs statements over databaseUrl(); returns the first column of the last row of the last one.
QString sql(const QString &databaseUrl, const QStringList &statements, QString *error = nullptr)
{
    static int counter = 0;
    const QString name = QStringLiteral("test-%1").arg(++counter);
    QString result;
    {
        const QUrl url(databaseUrl);
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(QUrlQuery(url).queryItemValue(QStringLiteral("host"), QUrl::FullyDecoded));
        db.setUserName(url.userName());
        db.setDatabaseName(url.path().mid(1));
        if (!db.open()) {
            if (error)
                *error = db.lastError().text();
        } else {
            for (const QString &statement : statements) {
                QSqlQuery query(db);
                if (!query.exec(statement)) {
                    if (error)
                        *error = query.lastError().text();
                    break;
                }
                while (query.next())
                    result = query.value(0).toString();
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

uid_t processUid(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return static_cast<uid_t>(-1);
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("Uid:"))
            return static_cast<uid_t>(line.mid(4).simplified().split(' ').value(0).toUInt());
    }
    return static_cast<uid_t>(-1);
}

uid_t ownerOf(const QString &path)
{
    struct stat info
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &info) == 0 ? info.st_uid
                                                                   : static_cast<uid_t>(-1);
}

mode_t modeOf(const QString &path)
{
    struct stat info
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &info) == 0 ? (info.st_mode & 07777) : 0;
}

qint64 deadPid()
{
    QProcess process;
    process.start(QStringLiteral("/bin/true"));
    process.waitForStarted(5000);
    const qint64 pid = process.processId();
    process.waitForFinished(5000);
    return pid;
}

void writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
}

QString statusText(const Status &st)
{
    return st ? QStringLiteral("ok") : st.error().code + QStringLiteral(": ") + st.error().message;
}

} // namespace

class TestEmbeddedServices : public QObject
{
    Q_OBJECT

private:
    // A fresh data directory path under a 0755 temp dir (short, and reachable by the account).
    QString newDataDir(const QString &sub = QStringLiteral("data"))
    {
        auto base =
            std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/ghe-XXXXXX"));
        if (!base->isValid())
            return {};
        QFile::setPermissions(base->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                QFile::ReadGroup | QFile::ExeGroup |
                                                QFile::ReadOther | QFile::ExeOther);
        const QString data = base->path() + QLatin1Char('/') + sub;
        m_dataDirs << data;
        m_temps.push_back(std::move(base));
        return data;
    }

    std::vector<std::unique_ptr<QTemporaryDir>> m_temps;
    QStringList m_dataDirs;

private slots:
    void initTestCase()
    {
        if (!EmbeddedPostgres::findBinDir())
            QSKIP("PostgreSQL is not installed");
        if (!EmbeddedRedis::findServer())
            QSKIP("redis-server is not installed");
        QVERIFY(QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")));
    }

    // Whatever a failing test left running is killed here, by the pids in its own pid files.
    void cleanup()
    {
        for (const QString &data : std::as_const(m_dataDirs)) {
            const qint64 postmaster =
                ProcessTools::readPidFile(data + QStringLiteral("/postgres/postmaster.pid"));
            if (ProcessTools::processAlive(postmaster)) {
                ::kill(static_cast<pid_t>(postmaster), SIGQUIT);
                ProcessTools::waitForExit(postmaster, 10000);
            }
            const qint64 redis = ProcessTools::readPidFile(data + QStringLiteral("/run/redis.pid"));
            if (ProcessTools::processAlive(redis) &&
                ProcessTools::commandLine(redis).contains(QLatin1String("redis"))) {
                ::kill(static_cast<pid_t>(redis), SIGKILL);
                ProcessTools::waitForExit(redis, 5000);
            }
        }
        m_dataDirs.clear();
        m_temps.clear();
    }

    void coldStartThenWarmStartKeepsData()
    {
        const QString data = newDataDir();
        qint64 coldMs = 0;
        QString pgSocket;
        QString redisSocket;
        {
            EmbeddedServices services(data, QString(), true, true);
            QElapsedTimer timer;
            timer.start();
            const Status st = services.start();
            coldMs = timer.elapsed();
            QVERIFY2(st, qPrintable(statusText(st)));
            QVERIFY(services.postgres()->initialized());
            QVERIFY(!services.postgres()->adopted());
            QVERIFY(!services.redis()->adopted());
            QVERIFY(services.describe().contains(QLatin1String("PostgreSQL")));

            pgSocket = services.postgres()->socketPath();
            redisSocket = services.redis()->socketPath();
            QCOMPARE(services.databaseUrl(),
                     QStringLiteral("postgresql://gatehouse@/gatehouse?host=") +
                         QString::fromLatin1(
                             QUrl::toPercentEncoding(services.dataDirectory()->socketDir())));
            QCOMPARE(services.redisUrl(), QStringLiteral("unix://") + redisSocket);
            QVERIFY(ProcessTools::isSocketFile(pgSocket));
            QVERIFY(ProcessTools::isSocketFile(redisSocket));
            for (const QString &dir :
                 {data, services.dataDirectory()->runDir(), services.dataDirectory()->logsDir(),
                  services.dataDirectory()->redisDir(), services.dataDirectory()->postgresDir()})
                QVERIFY2((modeOf(dir) & 007) == 0, qPrintable(dir)); // nothing for others

            // No TCP listener on either server.
            QString error;
            QCOMPARE(sql(services.databaseUrl(), {QStringLiteral("SHOW listen_addresses")}, &error),
                     QString());
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(redisCall(redisSocket, {"CONFIG", "GET", "port"}),
                     QByteArray("*2\r\n$4\r\nport\r\n$1\r\n0\r\n"));

            sql(services.databaseUrl(),
                {QStringLiteral("CREATE TABLE kept (id int PRIMARY KEY, v text)"),
                 QStringLiteral("INSERT INTO kept VALUES (1, 'row survives')")},
                &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(redisCall(redisSocket, {"SET", "gh:test", "key survives"}),
                     QByteArray("+OK\r\n"));

            if (::geteuid() == 0) {
                // Root: PostgreSQL and redis run as the unprivileged service account, which owns
                // the cluster; the account exists on the system.
                const ServiceAccount &account = *services.account();
                QVERIFY(account.switches());
                QVERIFY(account.name() == QLatin1String("gatehouse") ||
                        account.name() == QLatin1String("postgres"));
                QVERIFY(::getpwnam(account.name().toLocal8Bit().constData()) != nullptr);
                QVERIFY(account.uid() != 0);
                QCOMPARE(ownerOf(services.dataDirectory()->postgresDir()), account.uid());
                QCOMPARE(ownerOf(services.dataDirectory()->postgresDir() +
                                 QStringLiteral("/PG_VERSION")),
                         account.uid());
                QCOMPARE(processUid(services.postgres()->pid()), account.uid());
                QCOMPARE(processUid(services.redis()->pid()), account.uid());
            }

            const qint64 pgPid = services.postgres()->pid();
            const qint64 redisPid = services.redis()->pid();
            QVERIFY(ProcessTools::processAlive(pgPid));
            QVERIFY(ProcessTools::processAlive(redisPid));
            services.stop();
            QVERIFY(!ProcessTools::processAlive(pgPid));
            QVERIFY(!ProcessTools::processAlive(redisPid));
            QVERIFY(!ProcessTools::pathExists(pgSocket));
            QVERIFY(!ProcessTools::pathExists(redisSocket));
            QVERIFY(!services.running());
            services.stop(); // twice is fine
        }

        EmbeddedServices services(data, QString(), true, true);
        QElapsedTimer timer;
        timer.start();
        const Status st = services.start();
        const qint64 warmMs = timer.elapsed();
        QVERIFY2(st, qPrintable(statusText(st)));
        QVERIFY(!services.postgres()->initialized());
        QVERIFY(!services.postgres()->adopted());
        QVERIFY(!services.redis()->adopted());
        QString error;
        QCOMPARE(sql(services.databaseUrl(), {QStringLiteral("SELECT v FROM kept WHERE id = 1")},
                     &error),
                 QStringLiteral("row survives"));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(redisCall(redisSocket, {"GET", "gh:test"}), QByteArray("$12\r\nkey survives\r\n"));
        qInfo("start() cold (initdb): %lld ms, warm (reuse): %lld ms", coldMs, warmMs);
        QVERIFY(warmMs < coldMs);
    }

    void adoptsServersOfACrashedInstance()
    {
        const QString data = newDataDir();
        auto first = std::make_unique<EmbeddedServices>(data, QString(), true, true);
        Status st = first->start();
        QVERIFY2(st, qPrintable(statusText(st)));
        const QString url = first->databaseUrl();
        const QString redisSocket = first->redis()->socketPath();
        QString error;
        sql(url,
            {QStringLiteral("CREATE TABLE t (v text)"),
             QStringLiteral("INSERT INTO t VALUES ('before crash')")},
            &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(redisCall(redisSocket, {"SET", "k", "before crash"}), QByteArray("+OK\r\n"));
        const qint64 pgPid = first->postgres()->pid();
        const qint64 redisPid = first->redis()->pid();
        first->detach(); // Gatehouse "dies": no stop()
        first.reset();
        QVERIFY(ProcessTools::processAlive(pgPid));
        QVERIFY(ProcessTools::processAlive(redisPid));

        EmbeddedServices second(data, QString(), true, true);
        st = second.start();
        QVERIFY2(st, qPrintable(statusText(st)));
        QVERIFY(second.postgres()->adopted());
        QVERIFY(second.redis()->adopted());
        QCOMPARE(second.postgres()->pid(), pgPid);
        QCOMPARE(second.redis()->pid(), redisPid);
        QCOMPARE(sql(second.databaseUrl(), {QStringLiteral("SELECT v FROM t")}, &error),
                 QStringLiteral("before crash"));
        QCOMPARE(redisCall(redisSocket, {"GET", "k"}), QByteArray("$12\r\nbefore crash\r\n"));
        second.stop();
        QVERIFY(!ProcessTools::processAlive(pgPid));
        QVERIFY(!ProcessTools::processAlive(redisPid));
    }

    void startsOverStalePidFilesSocketAndLock()
    {
        // A space in the path exercises the quoting in both config files and both URLs.
        const QString data = newDataDir(QStringLiteral("data dir"));
        QString redisSocket;
        QString cluster;
        {
            EmbeddedServices services(data, QString(), true, true);
            const Status st = services.start();
            QVERIFY2(st, qPrintable(statusText(st)));
            redisSocket = services.redis()->socketPath();
            cluster = services.dataDirectory()->postgresDir();
            QCOMPARE(QUrl(services.redisUrl()).path(QUrl::FullyDecoded), redisSocket);
            QCOMPARE(QUrlQuery(QUrl(services.databaseUrl()))
                         .queryItemValue(QStringLiteral("host"), QUrl::FullyDecoded),
                     services.dataDirectory()->socketDir());
            QCOMPARE(redisCall(redisSocket, {"SET", "k", "v"}), QByteArray("+OK\r\n"));
            services.stop();
        }
        // What a power cut leaves: pid files of dead processes, a socket file nobody has bound,
        // and a lock file of a dead Gatehouse.
        const qint64 dead = deadPid();
        QVERIFY(dead > 0 && !ProcessTools::processAlive(dead));
        writeFile(cluster + QStringLiteral("/postmaster.pid"),
                  QByteArray::number(dead) + '\n' + QFile::encodeName(cluster) + '\n');
        QVERIFY(::chown(QFile::encodeName(cluster + QStringLiteral("/postmaster.pid")).constData(),
                        ownerOf(cluster), static_cast<gid_t>(-1)) == 0);
        writeFile(data + QStringLiteral("/run/redis.pid"), QByteArray::number(dead) + '\n');
        {
            const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            const QByteArray path = QFile::encodeName(redisSocket);
            std::memcpy(address.sun_path, path.constData(), size_t(path.size()));
            QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
            ::close(fd); // leaves the socket file behind
        }
        QVERIFY(ProcessTools::isSocketFile(redisSocket));
        {
            // QLockFile's own format, with the pid of a dead process.
            QLockFile lock(data + QStringLiteral("/gatehouse.lock"));
            QVERIFY(lock.tryLock(0));
            QFile file(data + QStringLiteral("/gatehouse.lock"));
            QVERIFY(file.open(QIODevice::ReadOnly));
            QByteArray content = file.readAll();
            file.close();
            lock.unlock();
            content = QByteArray::number(dead) + content.mid(content.indexOf('\n'));
            writeFile(data + QStringLiteral("/gatehouse.lock"), content);
        }

        EmbeddedServices services(data, QString(), true, true);
        const Status st = services.start();
        QVERIFY2(st, qPrintable(statusText(st)));
        QVERIFY(!services.postgres()->adopted());
        QVERIFY(!services.redis()->adopted());
        QVERIFY(services.postgres()->pid() != dead);
        QCOMPARE(ProcessTools::readPidFile(data + QStringLiteral("/run/redis.pid")),
                 services.redis()->pid());
        QCOMPARE(redisCall(redisSocket, {"GET", "k"}), QByteArray("$1\r\nv\r\n"));
        QString error;
        QCOMPARE(sql(services.databaseUrl(), {QStringLiteral("SELECT 42")}, &error),
                 QStringLiteral("42"));
    }

    void halfDoneInitdbIsRedone_data()
    {
        QTest::addColumn<bool>("withPgVersion");
        QTest::newRow("no PG_VERSION") << false;
        QTest::newRow("PG_VERSION, no marker") << true;
    }

    void halfDoneInitdbIsRedone()
    {
        QFETCH(bool, withPgVersion);
        const QString data = newDataDir();
        const QString cluster = data + QStringLiteral("/postgres");
        QVERIFY(QDir().mkpath(cluster + QStringLiteral("/global")));
        writeFile(cluster + QStringLiteral("/global/half-written"), "junk");
        if (withPgVersion)
            writeFile(cluster + QStringLiteral("/PG_VERSION"), "15\n");

        EmbeddedServices services(data, QString(), true, false);
        const Status st = services.start();
        QVERIFY2(st, qPrintable(statusText(st)));
        QVERIFY(services.postgres()->initialized());
        QVERIFY(!QFileInfo::exists(cluster + QStringLiteral("/global/half-written")));
        QVERIFY(QFileInfo::exists(cluster + QStringLiteral("/PG_VERSION")));
        QVERIFY(QFileInfo::exists(cluster + QLatin1Char('/') +
                                  QLatin1String(EmbeddedPostgres::kMarkerFile)));
        QString error;
        QCOMPARE(sql(services.databaseUrl(), {QStringLiteral("SELECT current_database()")}, &error),
                 QStringLiteral("gatehouse"));
        QVERIFY(services.redisUrl().isEmpty());
    }

    void startFailureReportsTheLogTail()
    {
        const QString data = newDataDir();
        {
            EmbeddedServices services(data, QString(), true, false);
            const Status st = services.start();
            QVERIFY2(st, qPrintable(statusText(st)));
        }
        QFile conf(data + QStringLiteral("/postgres/postgresql.conf"));
        QVERIFY(conf.open(QIODevice::Append));
        conf.write("this line is not a setting\n");
        conf.close();

        EmbeddedServices services(data, QString(), true, true);
        const Status st = services.start();
        QVERIFY(!st);
        QCOMPARE(st.error().code, QStringLiteral("POSTGRES_START_FAILED"));
        QVERIFY2(st.error().message.contains(QLatin1String("Last lines of")),
                 qPrintable(st.error().message));
        QVERIFY2(st.error().message.contains(QLatin1String("syntax error")),
                 qPrintable(st.error().message));
        // redis had started first; the failed start stopped it again.
        QVERIFY(!services.running());
        QVERIFY(!QFileInfo::exists(data + QStringLiteral("/run/redis.pid")));
        QVERIFY(!ProcessTools::pathExists(data + QStringLiteral("/run/redis.sock")));
    }

    void secondInstanceIsLockedOut()
    {
        const QString data = newDataDir();
        EmbeddedServices first(data, QString(), false, true);
        Status st = first.start();
        QVERIFY2(st, qPrintable(statusText(st)));

        EmbeddedServices second(data, QString(), false, true);
        st = second.start();
        QVERIFY(!st);
        QCOMPARE(st.error().code, QStringLiteral("DATA_DIR_IN_USE"));
        QVERIFY2(st.error().message.contains(QString::number(QCoreApplication::applicationPid())),
                 qPrintable(st.error().message));
        // The failed second start did not touch the first one's server.
        QCOMPARE(redisCall(first.redis()->socketPath(), {"PING"}), QByteArray("+PONG\r\n"));
        QVERIFY(ProcessTools::processAlive(first.redis()->pid()));

        first.stop();
        st = second.start();
        QVERIFY2(st, qPrintable(statusText(st)));
    }

    void foreignOwnerOfRedisSocket_data()
    {
        QTest::addColumn<bool>("answers");
        QTest::newRow("answers garbage") << true;
        QTest::newRow("bound, not listening") << false;
    }

    void foreignOwnerOfRedisSocket()
    {
        QFETCH(bool, answers);
        const QString data = newDataDir();
        QVERIFY(QDir().mkpath(data + QStringLiteral("/run")));
        const QString socketPath = data + QStringLiteral("/run/redis.sock");

        // A foreign program on our path: a server answering HTTP in its own thread (our start()
        // blocks this one), or a socket bound without listen().
        QThread thread;
        int boundFd = -1;
        if (answers) {
            QLocalServer *server = new QLocalServer;
            QVERIFY(server->listen(socketPath));
            QObject::connect(server, &QLocalServer::newConnection, server, [server] {
                while (QLocalSocket *client = server->nextPendingConnection()) {
                    client->write("HTTP/1.0 400 Bad Request\r\n\r\n");
                    client->flush();
                }
            });
            server->moveToThread(&thread);
            QObject::connect(&thread, &QThread::finished, server, &QObject::deleteLater);
            thread.start();
        } else {
            boundFd = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            const QByteArray path = QFile::encodeName(socketPath);
            std::memcpy(address.sun_path, path.constData(), size_t(path.size()));
            QCOMPARE(::bind(boundFd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
        }

        EmbeddedServices services(data, QString(), true, true);
        const Status st = services.start();
        thread.quit();
        thread.wait();
        if (boundFd >= 0)
            ::close(boundFd);
        QVERIFY(!st);
        QCOMPARE(st.error().code, QStringLiteral("REDIS_SOCKET_IN_USE"));
        QVERIFY2(st.error().message.contains(socketPath), qPrintable(st.error().message));
        // Nothing was started, and the lock was given back.
        QVERIFY(!services.running());
        QVERIFY(!QFileInfo::exists(data + QStringLiteral("/run/redis.pid")));
        QVERIFY(!QFileInfo::exists(data + QStringLiteral("/postgres/postmaster.pid")));
        QVERIFY(!QFileInfo::exists(data + QStringLiteral("/postgres/PG_VERSION")));
        QLockFile lock(data + QStringLiteral("/gatehouse.lock"));
        QVERIFY(lock.tryLock(0));
    }

    void longDataDirUsesShortSocketDir()
    {
        const QString data = newDataDir(QString(60, QLatin1Char('a')) + QLatin1Char('/') +
                                        QString(60, QLatin1Char('b')));
        QVERIFY(!DataDirectory::socketPathFits(data + QStringLiteral("/run")));
        EmbeddedServices services(data, QString(), false, true);
        const Status st = services.start();
        QVERIFY2(st, qPrintable(statusText(st)));
        const QString socketDir = services.dataDirectory()->socketDir();
        QVERIFY(services.dataDirectory()->usesShortSocketDir());
        QCOMPARE(socketDir, DataDirectory::shortSocketDirFor(services.dataDirectory()->path()));
        QCOMPARE(modeOf(socketDir), mode_t(0700));
        QVERIFY(QFile::encodeName(services.redis()->socketPath()).size() <=
                DataDirectory::kMaxSocketPathBytes);
        QCOMPARE(services.redisUrl(),
                 QStringLiteral("unix://") + socketDir + QStringLiteral("/redis.sock"));
        QCOMPARE(redisCall(services.redis()->socketPath(), {"PING"}), QByteArray("+PONG\r\n"));
        services.stop();
        QVERIFY(!QFileInfo::exists(socketDir)); // removed once empty
    }

    void rootRefusesDataDirTheAccountCannotReach()
    {
        if (::geteuid() != 0)
            QSKIP("only meaningful as root");
        QTemporaryDir privateDir(QDir::tempPath() +
                                 QStringLiteral("/ghe-private-XXXXXX")); // 0700 root
        QVERIFY(privateDir.isValid());
        QCOMPARE(modeOf(privateDir.path()), mode_t(0700));
        const QString data = privateDir.path() + QStringLiteral("/data");
        EmbeddedServices services(data, QString(), true, true);
        const Status st = services.start();
        QVERIFY(!st);
        QCOMPARE(st.error().code, QStringLiteral("DATA_DIR_NOT_ACCESSIBLE"));
        QVERIFY2(st.error().message.contains(privateDir.path()), qPrintable(st.error().message));
        QVERIFY(st.error().message.contains(QLatin1String("--data-dir /var/lib/gatehouse")));
        QVERIFY(!QFileInfo::exists(data)); // nothing was created
    }
};

QTEST_GUILESS_MAIN(TestEmbeddedServices)
#include "TestEmbeddedServices.moc"
