// Rate limiting over HTTP against the real gatehoused (--bench-routes on for a Default-class
// route): the 6th fast request of a 5/1 bucket gets 429 with Retry-After and the error envelope,
// X-Forwarded-For from a trusted proxy gives each forwarded client its own bucket, health
// probes are never limited, and a Redis outage fails open or closed as configured.
// Each server gets a private Redis (LocalRedis), so buckets start empty.

#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/TestHttp.h"

#include <QtTest>

namespace {
using Headers = QList<QPair<QByteArray, QByteArray>>;

TestHttpResponse get(GatehousedProcess &server, const QString &path, const Headers &headers = {})
{
    return TestHttp::request("GET", server.url(path), {}, headers);
}

QString errorCode(const TestHttpResponse &response)
{
    return response.json()
        .value(QStringLiteral("error"))
        .toObject()
        .value(QStringLiteral("code"))
        .toString();
}

Headers forwardedFor(const QByteArray &chain)
{
    return {{"X-Forwarded-For", chain}};
}
} // namespace

class TestRateLimitHttp : public QObject
{
    Q_OBJECT

private:
    QStringList arguments(const ScratchDatabase &db, const LocalRedis &redis,
                          const QStringList &extra = {}) const
    {
        return QStringList{QStringLiteral("--database-url"),
                           db.url(),
                           QStringLiteral("--redis-url"),
                           redis.url(),
                           QStringLiteral("--workers"),
                           QStringLiteral("2"),
                           QStringLiteral("--bench-routes"),
                           QStringLiteral("on"),
                           QStringLiteral("--rate-limit-default"),
                           QStringLiteral("5/1"),
                           QStringLiteral("--trusted-proxies"),
                           QStringLiteral("127.0.0.1")} +
               extra;
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariableIsEmpty("GH_TEST_DATABASE_URL"),
                 "GH_TEST_DATABASE_URL is not set: run through scripts/test");
    }

    void sixthFastRequestIsRefused()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(arguments(db, redis));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));

        for (int i = 1; i <= 5; ++i) {
            const TestHttpResponse ok = get(server, QStringLiteral("/bench/hello"));
            QCOMPARE(ok.status, 200);
            QCOMPARE(ok.json().value(QStringLiteral("hello")).toString(), QStringLiteral("world"));
        }
        const TestHttpResponse refused = get(server, QStringLiteral("/bench/hello"));
        QCOMPARE(refused.status, 429);
        QCOMPARE(refused.header("Retry-After"), QByteArray("1"));
        QCOMPARE(errorCode(refused), QStringLiteral("RATE_LIMITED"));
        QCOMPARE(refused.json()
                     .value(QStringLiteral("error"))
                     .toObject()
                     .value(QStringLiteral("message"))
                     .toString(),
                 QStringLiteral("too many requests; retry in 1 s"));
        QCOMPARE(refused.header("Content-Type"), QByteArray("application/json"));
        QVERIFY(!refused.header("X-Request-Id").isEmpty());

        // The bucket of API.md: ratelimit:{ip}, a hash {level, ts}, with a TTL.
        const QByteArray level =
            redis.cli({QStringLiteral("HGET"), QStringLiteral("ratelimit:127.0.0.1"),
                       QStringLiteral("level")});
        QVERIFY2(level.toDouble() > 4 && level.toDouble() <= 5, level.constData());
        QVERIFY(redis
                    .cli({QStringLiteral("HGET"), QStringLiteral("ratelimit:127.0.0.1"),
                          QStringLiteral("ts")})
                    .toLongLong() > 0);
        const qint64 ttl =
            redis.cli({QStringLiteral("PTTL"), QStringLiteral("ratelimit:127.0.0.1")}).toLongLong();
        QVERIFY2(ttl > 0 && ttl <= 5000, qPrintable(QString::number(ttl)));

        // /bench/redis is Default class too: same bucket, also refused now.
        QCOMPARE(get(server, QStringLiteral("/bench/redis")).status, 429);

        // Health and readiness probes and metrics are never limited.
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(get(server, QStringLiteral("/healthz")).status, 200);
            QCOMPARE(get(server, QStringLiteral("/readyz")).status, 200);
        }
        const TestHttpResponse metrics = get(server, QStringLiteral("/metrics"));
        if (metrics.status == 200)
            QVERIFY2(metrics.body.contains("gatehouse_rate_limited_total 2"),
                     metrics.body.constData());

        // One request's worth drains in a second.
        QTest::qWait(1100);
        QCOMPARE(get(server, QStringLiteral("/bench/hello")).status, 200);
        QCOMPARE(get(server, QStringLiteral("/bench/hello")).status, 429);
    }

    void forwardedClientsHaveTheirOwnBuckets()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(arguments(db, redis));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));

        // 127.0.0.1 is a trusted proxy: the client is the rightmost untrusted entry.
        for (int i = 0; i < 5; ++i)
            QCOMPARE(
                get(server, QStringLiteral("/bench/hello"), forwardedFor("198.51.100.1")).status,
                200);
        QCOMPARE(get(server, QStringLiteral("/bench/hello"), forwardedFor("198.51.100.1")).status,
                 429);
        // A client-supplied prefix does not make a new bucket; a new client does.
        QCOMPARE(get(server, QStringLiteral("/bench/hello"), forwardedFor("6.6.6.6, 198.51.100.1"))
                     .status,
                 429);
        QCOMPARE(get(server, QStringLiteral("/bench/hello"), forwardedFor("198.51.100.2")).status,
                 200);
        // The proxy itself (no header) has its own untouched bucket.
        QCOMPARE(get(server, QStringLiteral("/bench/hello")).status, 200);
        // Garbage in the header: the peer is used.
        QCOMPARE(get(server, QStringLiteral("/bench/hello"), forwardedFor("garbage")).status, 200);

        QCOMPARE(
            redis.cli({QStringLiteral("EXISTS"), QStringLiteral("ratelimit:198.51.100.1"),
                       QStringLiteral("ratelimit:198.51.100.2"),
                       QStringLiteral("ratelimit:127.0.0.1"), QStringLiteral("ratelimit:6.6.6.6")}),
            QByteArray("3"));
        QCOMPARE(redis.cli({QStringLiteral("HGET"), QStringLiteral("ratelimit:127.0.0.1"),
                            QStringLiteral("level")})
                         .toDouble() > 1.5,
                 true);

        // /bench/redis answers from Redis (a forwarded client with a fresh bucket).
        QCOMPARE(
            redis.cli({QStringLiteral("SET"), QStringLiteral("bench:value"), QStringLiteral("42")}),
            QByteArray("OK"));
        const TestHttpResponse value =
            get(server, QStringLiteral("/bench/redis"), forwardedFor("198.51.100.3"));
        QCOMPARE(value.status, 200);
        QCOMPARE(value.json().value(QStringLiteral("value")).toString(), QStringLiteral("42"));

        // The access log names the forwarded client next to the peer.
        QVERIFY2(server.log().contains(QStringLiteral("198.51.100.2")), qPrintable(server.log()));
    }

    void redisDownFailsOpenByDefault()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(arguments(db, redis));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));
        QCOMPARE(get(server, QStringLiteral("/bench/hello")).status, 200);

        redis.kill();
        QCOMPARE(TestHttp::waitForStatus(server.url(QStringLiteral("/readyz")), 503, 10000).status,
                 503);
        // Unlimited while Redis is away: more than the capacity gets through.
        for (int i = 0; i < 10; ++i)
            QCOMPARE(get(server, QStringLiteral("/bench/hello")).status, 200);
        // Warned, but not once per request (at most every 10 s per worker; 2 workers).
        const int warnings = server.log().count(QStringLiteral("ratelimit.unavailable"));
        QVERIFY2(warnings >= 1 && warnings <= 2, qPrintable(server.log()));

        QVERIFY(redis.start());
        QCOMPARE(TestHttp::waitForStatus(server.url(QStringLiteral("/readyz")), 200, 15000).status,
                 200);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(get(server, QStringLiteral("/bench/hello")).status, 200);
        QCOMPARE(get(server, QStringLiteral("/bench/hello")).status, 429);
    }

    void redisDownFailsClosedWhenConfigured()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(arguments(
            db, redis, {QStringLiteral("--rate-limit-on-redis-failure"), QStringLiteral("deny")}));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));
        QCOMPARE(get(server, QStringLiteral("/bench/hello")).status, 200);

        redis.kill();
        QCOMPARE(TestHttp::waitForStatus(server.url(QStringLiteral("/readyz")), 503, 10000).status,
                 503);
        const TestHttpResponse refused = get(server, QStringLiteral("/bench/hello"));
        QCOMPARE(refused.status, 503);
        QCOMPARE(errorCode(refused), QStringLiteral("RATE_LIMITER_UNAVAILABLE"));
        QCOMPARE(get(server, QStringLiteral("/healthz")).status, 200); // exempt: no Redis needed
    }
};

QTEST_GUILESS_MAIN(TestRateLimitHttp)
#include "TestRateLimitHttp.moc"
