// gatehoused as a whole process against the throwaway PostgreSQL and Redis of scripts/test:
// health and readiness, the response path, logs, signals and start-up errors.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/TestHttp.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>

#include <memory>
#include <vector>
#include <QtTest>

class TestGatehoused : public QObject
{
    Q_OBJECT

private:
    QString redisUrl() const { return qEnvironmentVariable("GH_TEST_REDIS_URL"); }
    // Arguments for a gatehoused on a scratch database and the given (default: shared) Redis.
    QStringList externalArguments(const ScratchDatabase &db, QString redis = {}, int workers = 2) const
    {
        return {QStringLiteral("--database-url"), db.url(), QStringLiteral("--redis-url"),
                redis.isEmpty() ? redisUrl() : redis, QStringLiteral("--workers"),
                QString::number(workers)};
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
        LocalRedis redis;
        QVERIFY(redis.start());

        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(externalArguments(db, redis.url(), 1));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));

        redis.kill();
        const TestHttpResponse down =
            TestHttp::waitForStatus(server.url(QStringLiteral("/readyz")), 503, 10000);
        QCOMPARE(down.status, 503);
        const QJsonObject body = down.json();
        QCOMPARE(body.value(QStringLiteral("status")).toString(), QStringLiteral("degraded"));
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
        QVERIFY(redis.start());
        QCOMPARE(TestHttp::waitForStatus(server.url(QStringLiteral("/readyz")), 200, 15000).status, 200);
    }

    void clientsThatLeaveBeforeADeferredAnswerDoNotCrashTheServer()
    {
        // /readyz answers from a Redis callback. CLIENT PAUSE holds that callback back while
        // 50 clients send their request and hang up; the late answers must go nowhere quietly.
        LocalRedis redis;
        QVERIFY(redis.start());
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(externalArguments(db, redis.url(), 2));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));

        for (int round = 0; round < 3; ++round) {
            QVERIFY(redis.pause(800));
            std::vector<std::unique_ptr<QTcpSocket>> clients;
            for (int i = 0; i < 50; ++i) {
                auto client = std::make_unique<QTcpSocket>();
                client->connectToHost(QHostAddress::LocalHost, server.port());
                QVERIFY(client->waitForConnected(2000));
                client->write("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n");
                QVERIFY(client->waitForBytesWritten(2000));
                clients.push_back(std::move(client));
            }
            QTest::qWait(100); // the requests reach the workers and wait on Redis
            clients.clear();   // every client hangs up before its answer
            QTest::qWait(1000);
            QVERIFY2(server.running(), qPrintable(server.log()));
        }
        QCOMPARE(TestHttp::get(server.url(QStringLiteral("/healthz"))).status, 200);
        QCOMPARE(TestHttp::waitForStatus(server.url(QStringLiteral("/readyz")), 200, 5000).status, 200);
        QVERIFY2(server.log().contains(QStringLiteral("clientGone=true")), "late answers are logged as undelivered");
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

    void sigtermFinishesRequestsInFlight()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(externalArguments(db, redis.url(), 1));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));
        QVERIFY(redis.pause(1000)); // the next /readyz waits about a second for Redis
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(client.waitForConnected(2000));
        client.write("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n");
        QVERIFY(client.waitForBytesWritten(2000));
        QTest::qWait(200);
        server.terminate(); // while the request is in flight
        QByteArray answer;
        while (!answer.contains("\"status\":\"ready\"") && client.waitForReadyRead(5000))
            answer += client.readAll();
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
        QVERIFY(server.waitForExit(30000));
        QCOMPARE(server.exitCode(), 0);
        QVERIFY2(server.log().contains(QStringLiteral("abandonedRequests=0")), qPrintable(server.log()));
        // And no new connections are accepted any more.
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
