// The leaky bucket in Redis with an injected clock: the exact allow/deny sequence, the hash it
// keeps in ratelimit:{ip} (level, ts) and its TTL, one bucket per route class, atomicity under
// two connections, recovery from SCRIPT FLUSH (NOSCRIPT), and Redis failures.

#include "server/ratelimit/RateLimiter.h"
#include "server/redis/RedisClient.h"
#include "server/redis/RedisScript.h"
#include "tests/support/LocalRedis.h"

#include <QElapsedTimer>
#include <QtTest>
#include <optional>

namespace {

using Outcome = RateLimiter::Decision::Outcome;
constexpr qint64 kStart = 1'700'000'000'000; // ms since the epoch, somewhere in 2023

RedisEndpoint endpointFor(const QString &url)
{
    auto endpoint = RedisEndpoint::fromUrl(url);
    if (!endpoint)
        qFatal("bad redis URL: %s", qPrintable(endpoint.error().message));
    return *endpoint;
}

bool waitFor(const std::function<bool()> &condition, int timeoutMs = 5000)
{
    // The condition is evaluated once per round (it may have side effects, like publishing).
    QElapsedTimer timer;
    timer.start();
    for (;;) {
        if (condition())
            return true;
        if (timer.elapsed() >= timeoutMs)
            return false;
        QTest::qWait(1);
    }
}

RedisReply call(RedisClient &client, const QList<QByteArray> &command)
{
    std::optional<RedisReply> result;
    client.command(command, [&result](const RedisReply &reply) { result = reply; });
    waitFor([&] { return result.has_value(); });
    return result.value_or(RedisReply::failure("TEST_TIMEOUT"));
}

RateLimiter::Decision check(RateLimiter &limiter, const QHostAddress &ip, RouteClass routeClass)
{
    std::optional<RateLimiter::Decision> result;
    limiter.check(ip, routeClass, [&result](const RateLimiter::Decision &d) { result = d; });
    waitFor([&] { return result.has_value(); });
    return result.value_or(RateLimiter::Decision{});
}

RateLimitSettings settings(Config::Rate defaultRate, Config::Rate auth = {10, 0.2},
                           Config::Rate session = {1000, 200})
{
    RateLimitSettings s;
    s.defaultRate = defaultRate;
    s.authRate = auth;
    s.sessionRate = session;
    return s;
}

QHash<QByteArray, QByteArray> hash(RedisClient &client, const QByteArray &key)
{
    const RedisReply reply = call(client, {"HGETALL", key});
    QHash<QByteArray, QByteArray> fields;
    for (qsizetype i = 0; i + 1 < reply.elements.size(); i += 2)
        fields.insert(reply.elements.at(i).string, reply.elements.at(i + 1).string);
    return fields;
}

} // namespace

class TestRateLimiter : public QObject
{
    Q_OBJECT

private:
    QString sharedUrl() const { return qEnvironmentVariable("GH_TEST_REDIS_URL"); }
    std::unique_ptr<RedisClient> m_redis;

    // A fresh bucket: TEST-NET addresses nobody else uses, their keys deleted first.
    QHostAddress freshClient(const QString &address)
    {
        for (RouteClass c : {RouteClass::Default, RouteClass::Auth, RouteClass::Session})
            call(*m_redis, {"DEL", RateLimiter::bucketKey(QHostAddress(address), c)});
        return QHostAddress(address);
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(!sharedUrl().isEmpty(), "GH_TEST_REDIS_URL is not set: run through scripts/test");
        m_redis = std::make_unique<RedisClient>(endpointFor(sharedUrl()));
        m_redis->start();
        QVERIFY(waitFor([&] { return m_redis->isConnected(); }));
    }

    void cleanupTestCase() { m_redis.reset(); }

    void bucketKeys()
    {
        QCOMPARE(
            RateLimiter::bucketKey(QHostAddress(QStringLiteral("192.0.2.1")), RouteClass::Default),
            QByteArray("ratelimit:192.0.2.1"));
        QCOMPARE(
            RateLimiter::bucketKey(QHostAddress(QStringLiteral("192.0.2.1")), RouteClass::Auth),
            QByteArray("ratelimit:192.0.2.1:auth"));
        QCOMPARE(
            RateLimiter::bucketKey(QHostAddress(QStringLiteral("192.0.2.1")), RouteClass::Session),
            QByteArray("ratelimit:192.0.2.1:session"));
        QCOMPARE(RateLimiter::bucketKey(QHostAddress(QStringLiteral("2001:DB8:0::1")),
                                        RouteClass::Default),
                 QByteArray("ratelimit:2001:db8::1"));
        QCOMPARE(RateLimiter::bucketKey(QHostAddress(QStringLiteral("::ffff:192.0.2.1")),
                                        RouteClass::Default),
                 QByteArray("ratelimit:192.0.2.1"));
    }

    void exactSequenceWithAnInjectedClock()
    {
        const QHostAddress ip = freshClient(QStringLiteral("192.0.2.10"));
        const QByteArray key = "ratelimit:192.0.2.10";
        qint64 now = kStart;
        RateLimiter limiter(*m_redis, settings({3, 1}), [&now] { return now; });

        for (int i = 1; i <= 3; ++i) {
            const auto d = check(limiter, ip, RouteClass::Default);
            QCOMPARE(d.outcome, Outcome::Allowed);
            QCOMPARE(d.level, double(i));
        }
        auto denied = check(limiter, ip, RouteClass::Default);
        QCOMPARE(denied.outcome, Outcome::Denied);
        QCOMPARE(denied.retryAfterMs, qint64(1000));

        // The bucket as stored: level and ts (the time of the last allowed request), and a TTL
        // of the time it takes to drain (3 requests at 1/s).
        auto fields = hash(*m_redis, key);
        QCOMPARE(fields.value("level").toDouble(), 3.0);
        QCOMPARE(fields.value("ts"), QByteArray::number(kStart));
        QCOMPARE(fields.size(), 2);
        const qint64 ttl = call(*m_redis, {"PTTL", key}).integer;
        QVERIFY2(ttl > 2500 && ttl <= 3000, qPrintable(QString::number(ttl)));

        // Half a second later: still full, half the wait left.
        now += 500;
        denied = check(limiter, ip, RouteClass::Default);
        QCOMPARE(denied.outcome, Outcome::Denied);
        QCOMPARE(denied.retryAfterMs, qint64(500));
        QCOMPARE(denied.level, 2.5);
        // A denied request changes nothing.
        QCOMPARE(hash(*m_redis, key).value("ts"), QByteArray::number(kStart));

        // After 1000 ms one more fits, and only one.
        now = kStart + 1000;
        auto allowed = check(limiter, ip, RouteClass::Default);
        QCOMPARE(allowed.outcome, Outcome::Allowed);
        QCOMPARE(allowed.level, 3.0);
        QCOMPARE(hash(*m_redis, key).value("ts"), QByteArray::number(kStart + 1000));
        denied = check(limiter, ip, RouteClass::Default);
        QCOMPARE(denied.outcome, Outcome::Denied);
        QCOMPARE(denied.retryAfterMs, qint64(1000));

        // A fractional fill is stored as a decimal.
        now += 250;
        QCOMPARE(check(limiter, ip, RouteClass::Default).outcome, Outcome::Denied);
        now += 750;
        QCOMPARE(check(limiter, ip, RouteClass::Default).outcome, Outcome::Allowed);
        now += 1500;
        QCOMPARE(check(limiter, ip, RouteClass::Default).level, 2.5);
        QCOMPARE(hash(*m_redis, key).value("level"), QByteArray("2.5"));
        const qint64 ttl2 = call(*m_redis, {"PTTL", key}).integer;
        QVERIFY2(ttl2 > 2000 && ttl2 <= 2500, qPrintable(QString::number(ttl2)));

        // After a long pause the whole capacity is back.
        now += 60'000;
        for (int i = 1; i <= 3; ++i)
            QCOMPARE(check(limiter, ip, RouteClass::Default).outcome, Outcome::Allowed);
        QCOMPARE(check(limiter, ip, RouteClass::Default).outcome, Outcome::Denied);
    }

    void slowRatesAndLaggingClocks()
    {
        const QHostAddress ip = freshClient(QStringLiteral("192.0.2.11"));
        qint64 now = kStart;
        // The auth default: 10, then one every 5 s.
        RateLimiter limiter(*m_redis, settings({120, 20}, {10, 0.2}), [&now] { return now; });
        for (int i = 0; i < 10; ++i)
            QCOMPARE(check(limiter, ip, RouteClass::Auth).outcome, Outcome::Allowed);
        auto denied = check(limiter, ip, RouteClass::Auth);
        QCOMPARE(denied.outcome, Outcome::Denied);
        QCOMPARE(denied.retryAfterMs, qint64(5000));
        now += 4999;
        QCOMPARE(check(limiter, ip, RouteClass::Auth).outcome, Outcome::Denied);
        now += 1;
        QCOMPARE(check(limiter, ip, RouteClass::Auth).outcome, Outcome::Allowed);

        // Another instance whose clock is 2 s behind: the bucket's time does not run backwards,
        // so it neither leaks the same interval twice nor moves ts back.
        qint64 behind = now - 2000;
        RateLimiter lagging(*m_redis, settings({120, 20}, {10, 0.2}), [&behind] { return behind; });
        denied = check(lagging, ip, RouteClass::Auth);
        QCOMPARE(denied.outcome, Outcome::Denied);
        QCOMPARE(denied.retryAfterMs, qint64(5000));
        QCOMPARE(hash(*m_redis, "ratelimit:192.0.2.11:auth").value("ts"), QByteArray::number(now));
    }

    void eachRouteClassHasItsOwnBucket()
    {
        const QHostAddress ip = freshClient(QStringLiteral("192.0.2.12"));
        qint64 now = kStart;
        RateLimiter limiter(*m_redis, settings({2, 1}, {1, 1}, {3, 1}), [&now] { return now; });

        QCOMPARE(check(limiter, ip, RouteClass::Auth).outcome, Outcome::Allowed);
        QCOMPARE(check(limiter, ip, RouteClass::Auth).outcome, Outcome::Denied);
        // The Auth bucket is full; Default and Session are untouched by it.
        QCOMPARE(call(*m_redis, {"EXISTS", "ratelimit:192.0.2.12"}).integer, qint64(0));
        QCOMPARE(call(*m_redis, {"EXISTS", "ratelimit:192.0.2.12:session"}).integer, qint64(0));
        QCOMPARE(hash(*m_redis, "ratelimit:192.0.2.12:auth").value("level").toDouble(), 1.0);

        QCOMPARE(check(limiter, ip, RouteClass::Default).outcome, Outcome::Allowed);
        QCOMPARE(check(limiter, ip, RouteClass::Default).outcome, Outcome::Allowed);
        QCOMPARE(check(limiter, ip, RouteClass::Default).outcome, Outcome::Denied);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(check(limiter, ip, RouteClass::Session).outcome, Outcome::Allowed);
        QCOMPARE(check(limiter, ip, RouteClass::Session).outcome, Outcome::Denied);
        QCOMPARE(hash(*m_redis, "ratelimit:192.0.2.12").value("level").toDouble(), 2.0);
        QCOMPARE(hash(*m_redis, "ratelimit:192.0.2.12:session").value("level").toDouble(), 3.0);

        // Exempt counts against nothing and answers at once.
        bool answered = false;
        limiter.check(ip, RouteClass::Exempt,
                      [&](const RateLimiter::Decision &d) { answered = d.allowed(); });
        QVERIFY(answered);

        // Another client has buckets of its own.
        const QHostAddress other = freshClient(QStringLiteral("2001:db8::12"));
        QCOMPARE(check(limiter, other, RouteClass::Default).outcome, Outcome::Allowed);
        QCOMPARE(call(*m_redis, {"EXISTS", "ratelimit:2001:db8::12"}).integer, qint64(1));
    }

    void twoConnectionsHammeringOneBucket()
    {
        // Each step is one script, so however the two connections interleave, exactly
        // `capacity` requests get through (the clock stands still: nothing drains).
        const QHostAddress ip = freshClient(QStringLiteral("192.0.2.13"));
        RedisClient second(endpointFor(sharedUrl()));
        second.start();
        QVERIFY(waitFor([&] { return second.isConnected(); }));
        const auto clock = [] { return kStart; };
        RateLimiter a(*m_redis, settings({50, 1}), clock);
        RateLimiter b(second, settings({50, 1}), clock);
        int allowed = 0;
        int denied = 0;
        int failed = 0;
        auto count = [&](const RateLimiter::Decision &d) {
            (d.outcome == Outcome::Allowed  ? allowed
             : d.outcome == Outcome::Denied ? denied
                                            : failed)++;
        };
        for (int i = 0; i < 300; ++i) {
            a.check(ip, RouteClass::Default, count);
            b.check(ip, RouteClass::Default, count);
        }
        QVERIFY(waitFor([&] { return allowed + denied + failed == 600; }, 20000));
        QCOMPARE(failed, 0);
        QCOMPARE(allowed, 50);
        QCOMPARE(denied, 550);
        QCOMPARE(hash(*m_redis, "ratelimit:192.0.2.13").value("level").toDouble(), 50.0);
    }

    void recoversFromScriptFlush()
    {
        const QHostAddress ip = freshClient(QStringLiteral("192.0.2.14"));
        qint64 now = kStart;
        RateLimiter limiter(*m_redis, settings({5, 1}), [&now] { return now; });
        QCOMPARE(check(limiter, ip, RouteClass::Default).outcome, Outcome::Allowed);
        const QByteArray sha = RateLimiter::script().sha1();
        QCOMPARE(sha.size(), 40);
        QCOMPARE(call(*m_redis, {"SCRIPT", "EXISTS", sha}).elements.value(0).integer, qint64(1));

        // Redis forgets every script (as after a restart): EVALSHA → NOSCRIPT → EVAL, unseen.
        QCOMPARE(call(*m_redis, {"SCRIPT", "FLUSH"}).string, QByteArray("OK"));
        QCOMPARE(call(*m_redis, {"SCRIPT", "EXISTS", sha}).elements.value(0).integer, qint64(0));
        const auto after = check(limiter, ip, RouteClass::Default);
        QCOMPARE(after.outcome, Outcome::Allowed);
        QCOMPARE(after.level, 2.0);
        QCOMPARE(call(*m_redis, {"SCRIPT", "EXISTS", sha}).elements.value(0).integer, qint64(1));
        QCOMPARE(check(limiter, ip, RouteClass::Default).level, 3.0);
    }

    void scriptFallsBackOnceOnly()
    {
        // Our SHA-1 is what Redis computes.
        const RedisScript echo(QByteArrayLiteral("return ARGV[1] .. KEYS[1]"));
        QCOMPARE(call(*m_redis, {"SCRIPT", "LOAD", echo.source()}).string, echo.sha1());
        std::optional<RedisReply> result;
        echo.run(*m_redis, {"k"}, {"v"}, [&](const RedisReply &reply) { result = reply; });
        QVERIFY(waitFor([&] { return result.has_value(); }));
        QCOMPARE(result->string, QByteArray("vk"));

        // A script Redis cannot compile: NOSCRIPT, then EVAL's compile error is the answer
        // (no loop), delivered exactly once.
        const RedisScript broken(QByteArrayLiteral("this is not lua"));
        int calls = 0;
        RedisReply last;
        broken.run(*m_redis, {}, {}, [&](const RedisReply &reply) {
            ++calls;
            last = reply;
        });
        QVERIFY(waitFor([&] { return calls > 0; }));
        QTest::qWait(50);
        QCOMPARE(calls, 1);
        QVERIFY(last.isError());
        QVERIFY(!last.transportError);
        QVERIFY2(!last.string.startsWith("NOSCRIPT"), last.string.constData());
    }

    void worksAfterARedisRestart()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        RedisClient::Options options;
        options.reconnectMaxMs = 200;
        RedisClient client(endpointFor(redis.url()), options);
        client.start();
        QVERIFY(waitFor([&] { return client.isConnected(); }));
        qint64 now = kStart;
        RateLimiter limiter(client, settings({2, 1}), [&now] { return now; });
        const QHostAddress ip(QStringLiteral("192.0.2.15"));
        QCOMPARE(check(limiter, ip, RouteClass::Default).outcome, Outcome::Allowed);

        // Down: the limiter says Unavailable (fast), and the gate applies the fail-open or
        // fail-closed policy (see TestRateLimitHttp).
        redis.kill();
        QVERIFY(waitFor([&] { return !client.isConnected(); }));
        QElapsedTimer timer;
        timer.start();
        const auto down = check(limiter, ip, RouteClass::Default);
        QCOMPARE(down.outcome, Outcome::Unavailable);
        QVERIFY(!down.error.isEmpty());
        QVERIFY(timer.elapsed() < 500);

        // Back, with an empty script cache and no buckets.
        QVERIFY(redis.start());
        QVERIFY(waitFor([&] { return client.isConnected(); }));
        QCOMPARE(check(limiter, ip, RouteClass::Default).level, 1.0);
        QCOMPARE(redis.cli({QStringLiteral("HGET"), QStringLiteral("ratelimit:192.0.2.15"),
                            QStringLiteral("level")}),
                 QByteArray("1"));
    }

    void aBucketOfTheWrongTypeIsAnError()
    {
        // Something else wrote the key: the script fails; that is Unavailable, not Allowed.
        const QHostAddress ip = freshClient(QStringLiteral("192.0.2.16"));
        call(*m_redis, {"SET", "ratelimit:192.0.2.16", "not a hash"});
        RateLimiter limiter(*m_redis, settings({5, 1}));
        const auto d = check(limiter, ip, RouteClass::Default);
        QCOMPARE(d.outcome, Outcome::Unavailable);
        QVERIFY2(d.error.contains(QStringLiteral("WRONGTYPE")), qPrintable(d.error));
        call(*m_redis, {"DEL", "ratelimit:192.0.2.16"});
    }

    void theSystemClockIsMilliseconds()
    {
        const QHostAddress ip = freshClient(QStringLiteral("192.0.2.17"));
        RateLimiter limiter(*m_redis, settings({5, 1}));
        QCOMPARE(check(limiter, ip, RouteClass::Default).outcome, Outcome::Allowed);
        const qint64 ts = hash(*m_redis, "ratelimit:192.0.2.17").value("ts").toLongLong();
        QVERIFY(qAbs(ts - QDateTime::currentMSecsSinceEpoch()) < 5000);
    }
};

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "TestRateLimiter.moc"
