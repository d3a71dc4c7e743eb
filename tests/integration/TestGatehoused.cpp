// gatehoused as a whole process against the throwaway PostgreSQL and Redis of scripts/test:
// health and readiness, the response path, logs, signals and start-up errors.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/TestHttp.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

class TestGatehoused : public QObject
{
    Q_OBJECT

private:
    QString redisUrl() const { return qEnvironmentVariable("GH_TEST_REDIS_URL"); }
    QStringList externalArguments(const ScratchDatabase &db) const
    {
        return {QStringLiteral("--database-url"), db.url(), QStringLiteral("--redis-url"),
                redisUrl(), QStringLiteral("--workers"), QStringLiteral("2")};
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(!redisUrl().isEmpty(), "GH_TEST_REDIS_URL is not set: run through scripts/test");
    }

    void healthReadinessAndTheResponsePath()
    {
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(externalArguments(db));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));

        const TestHttpResponse health = TestHttp::get(server.url(QStringLiteral("/healthz")));
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));

        const TestHttpResponse ready = TestHttp::get(server.url(QStringLiteral("/readyz")));
        QCOMPARE(ready.status, 200);
        const QJsonObject checks = ready.json().value(QStringLiteral("checks")).toObject();
        QCOMPARE(checks.value(QStringLiteral("postgres")).toObject().value(QStringLiteral("status")).toString(),
                 QStringLiteral("up"));
        QCOMPARE(checks.value(QStringLiteral("redis")).toObject().value(QStringLiteral("status")).toString(),
                 QStringLiteral("up"));
        // Every answer carries a request id and the security headers.
        QVERIFY(!ready.header("X-Request-Id").isEmpty());
        QCOMPARE(ready.header("X-Content-Type-Options"), QByteArrayLiteral("nosniff"));
        QCOMPARE(ready.header("Cache-Control"), QByteArrayLiteral("no-store"));
        QCOMPARE(ready.header("Content-Type"), QByteArrayLiteral("application/json"));

        // A safe client request id is echoed; an unsafe one is replaced.
        const TestHttpResponse echoed = TestHttp::request(
            "GET", server.url(QStringLiteral("/healthz")), {}, {{"X-Request-Id", "trace-123.abc"}});
        QCOMPARE(echoed.header("X-Request-Id"), QByteArrayLiteral("trace-123.abc"));
        const TestHttpResponse replaced = TestHttp::request(
            "GET", server.url(QStringLiteral("/healthz")), {}, {{"X-Request-Id", "bad id\"<x>"}});
        QVERIFY(!replaced.header("X-Request-Id").isEmpty());
        QVERIFY(replaced.header("X-Request-Id") != QByteArrayLiteral("bad id\"<x>"));

        // Unknown paths and wrong methods get the JSON error envelope.
        const TestHttpResponse missing = TestHttp::get(server.url(QStringLiteral("/no/such/thing")));
        QCOMPARE(missing.status, 404);
        QCOMPARE(missing.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("NOT_FOUND"));
        QVERIFY(!missing.header("X-Request-Id").isEmpty());
        const TestHttpResponse wrongMethod =
            TestHttp::request("POST", server.url(QStringLiteral("/healthz")), "{}");
        QCOMPARE(wrongMethod.status, 405);
        QCOMPARE(wrongMethod.header("Allow"), QByteArrayLiteral("GET"));
        QCOMPARE(wrongMethod.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("METHOD_NOT_ALLOWED"));

        // The schema was migrated by the server at start-up.
        QSqlQuery query(db.database());
        QVERIFY(query.exec(QStringLiteral("SELECT max(version) FROM schema_migrations")));
        QVERIFY(query.next());
        QVERIFY(query.value(0).toInt() >= 1);
    }

    void jsonLogsHaveOneRecordPerLine()
    {
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(externalArguments(db) << QStringLiteral("--log-format")
                                                       << QStringLiteral("json"));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));
        QCOMPARE(TestHttp::get(server.url(QStringLiteral("/healthz?token=secret-value"))).status, 200);
        server.terminate();
        QVERIFY(server.waitForExit(30000));
        const QString log = server.log();
        QVERIFY2(!log.contains(QStringLiteral("secret-value")), "query strings must not be logged");
        int requests = 0;
        for (const QString &line : log.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            QJsonParseError error;
            const QJsonObject record = QJsonDocument::fromJson(line.toUtf8(), &error).object();
            QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(QStringLiteral("not JSON: ") + line));
            QVERIFY(record.contains(QStringLiteral("time")));
            QVERIFY(record.contains(QStringLiteral("level")));
            if (record.value(QStringLiteral("event")).toString() == QLatin1String("http.request") &&
                record.value(QStringLiteral("path")).toString() == QLatin1String("/healthz")) {
                ++requests;
                QCOMPARE(record.value(QStringLiteral("status")).toInt(), 200);
                QVERIFY(record.value(QStringLiteral("bytes")).toInt() > 0);
                QVERIFY(record.contains(QStringLiteral("ms")));
                QVERIFY(!record.value(QStringLiteral("requestId")).toString().isEmpty());
                QCOMPARE(record.value(QStringLiteral("method")).toString(), QStringLiteral("GET"));
            }
        }
        QCOMPARE(requests, 1);
    }

    void readinessNamesRedisWhenItStopsAndRecovers()
    {
        QTemporaryDir dir(QDir::tempPath() + QStringLiteral("/ghr-XXXXXX"));
        const QString socket = dir.filePath(QStringLiteral("redis.sock"));
        const QStringList redisArguments{QStringLiteral("--port"), QStringLiteral("0"),
                                         QStringLiteral("--unixsocket"), socket,
                                         QStringLiteral("--save"), QString(),
                                         QStringLiteral("--appendonly"), QStringLiteral("no"),
                                         QStringLiteral("--dir"), dir.path()};
        QProcess redis;
        redis.start(QStringLiteral("redis-server"), redisArguments);
        QVERIFY(redis.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(socket), 10000);

        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server({QStringLiteral("--database-url"), db.url(),
                                  QStringLiteral("--redis-url"), QStringLiteral("unix://") + socket,
                                  QStringLiteral("--workers"), QStringLiteral("1")});
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));

        redis.kill();
        redis.waitForFinished();
        const TestHttpResponse down =
            TestHttp::waitForStatus(server.url(QStringLiteral("/readyz")), 503, 10000);
        QCOMPARE(down.status, 503);
        const QJsonObject body = down.json();
        QCOMPARE(body.value(QStringLiteral("status")).toString(), QStringLiteral("not_ready"));
        QCOMPARE(body.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("NOT_READY"));
        QVERIFY(body.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString().contains(
            QStringLiteral("redis")));
        const QJsonObject checks = body.value(QStringLiteral("checks")).toObject();
        QCOMPARE(checks.value(QStringLiteral("redis")).toObject().value(QStringLiteral("status")).toString(),
                 QStringLiteral("down"));
        QCOMPARE(checks.value(QStringLiteral("postgres")).toObject().value(QStringLiteral("status")).toString(),
                 QStringLiteral("up"));
        // The liveness probe does not depend on Redis.
        QCOMPARE(TestHttp::get(server.url(QStringLiteral("/healthz"))).status, 200);

        // Redis comes back: the worker reconnects by itself.
        QFile::remove(socket);
        redis.start(QStringLiteral("redis-server"), redisArguments);
        QVERIFY(redis.waitForStarted());
        QCOMPARE(TestHttp::waitForStatus(server.url(QStringLiteral("/readyz")), 200, 15000).status, 200);
        redis.kill();
        redis.waitForFinished();
    }

    void sigtermShutsDownGracefully()
    {
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(externalArguments(db));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));
        server.terminate();
        QVERIFY(server.waitForExit(30000));
        QCOMPARE(server.exitStatus(), QProcess::NormalExit);
        QCOMPARE(server.exitCode(), 0);
        const QString log = server.log();
        QVERIFY2(log.contains(QStringLiteral("runtime.signal")), qPrintable(log));
        QVERIFY2(log.contains(QStringLiteral("http.stopped")), qPrintable(log));
        QCOMPARE(TestHttp::get(server.url(QStringLiteral("/healthz")), 2000).status, 0);
    }

    void listenAddressInUseIsAClearError()
    {
        QTcpServer occupant;
        QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(externalArguments(db)
                                 << QStringLiteral("--listen")
                                 << QStringLiteral("127.0.0.1:%1").arg(occupant.serverPort()));
        QVERIFY(server.start());
        QVERIFY(server.waitForExit(60000));
        QCOMPARE(server.exitCode(), 1);
        QVERIFY2(server.log().contains(QStringLiteral("LISTEN_ADDRESS_IN_USE")), qPrintable(server.log()));
        QVERIFY2(server.log().contains(QStringLiteral("already in use")), qPrintable(server.log()));
    }

    void badConfigurationNamesTheKey_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("key");
        QTest::newRow("listen") << QStringList{QStringLiteral("--listen"), QStringLiteral("nowhere")} << QStringLiteral("listen");
        QTest::newRow("workers") << QStringList{QStringLiteral("--workers"), QStringLiteral("-3")} << QStringLiteral("workers");
        QTest::newRow("database-url") << QStringList{QStringLiteral("--database-url"), QStringLiteral("mysql://x")} << QStringLiteral("database-url");
        QTest::newRow("unknown flag") << QStringList{QStringLiteral("--no-such-flag"), QStringLiteral("1")} << QStringLiteral("no-such-flag");
    }

    void badConfigurationNamesTheKey()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, key);
        QProcess process;
        process.setProcessEnvironment(GatehousedProcess::cleanEnvironment());
        process.start(QStringLiteral(GATEHOUSED_PATH), arguments);
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitCode(), 2);
        const QString error = QString::fromUtf8(process.readAllStandardError());
        QVERIFY2(error.contains(key), qPrintable(error));
    }

    void checkConfigMasksSecrets()
    {
        QProcess process;
        process.setProcessEnvironment(GatehousedProcess::cleanEnvironment());
        process.start(QStringLiteral(GATEHOUSED_PATH),
                      {QStringLiteral("--check-config"), QStringLiteral("--database-url"),
                       QStringLiteral("postgresql://app:hunter2@db.example:5432/gh"),
                       QStringLiteral("--redis-url"), QStringLiteral("redis://:s3cret@cache:6379/1")});
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitCode(), 0);
        const QString out = QString::fromUtf8(process.readAllStandardOutput());
        QVERIFY2(out.contains(QStringLiteral("db.example")), qPrintable(out));
        QVERIFY2(!out.contains(QStringLiteral("hunter2")), qPrintable(out));
        QVERIFY2(!out.contains(QStringLiteral("s3cret")), qPrintable(out));
    }
};

QTEST_GUILESS_MAIN(TestGatehoused)
#include "TestGatehoused.moc"
