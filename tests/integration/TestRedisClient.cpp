// RedisClient against real Redis servers: pipelining, command timeouts against a paused server,
// reconnecting after a restart, AUTH and SELECT from the URL, unix sockets, failing fast when
// there is no connection. Shared server: GH_TEST_REDIS_URL; private ones: LocalRedis.

#include "server/redis/RedisClient.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/TestHttp.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QUuid>
#include <QtTest>
#include <memory>

namespace {

RedisEndpoint endpointFor(const QString &url)
{
    auto endpoint = RedisEndpoint::fromUrl(url);
    if (!endpoint)
        qFatal("bad redis URL: %s", qPrintable(endpoint.error().message));
    return *endpoint;
}

// Sends one command and runs the event loop until its reply (or timeoutMs).
RedisReply call(RedisClient &client, const QList<QByteArray> &command, int timeoutMs = 5000)
{
    std::optional<RedisReply> result;
    client.command(command, [&result](const RedisReply &reply) { result = reply; });
    QElapsedTimer timer;
    timer.start();
    while (!result && timer.elapsed() < timeoutMs)
        QTest::qWait(1);
    return result.value_or(RedisReply::failure("TEST_TIMEOUT"));
}

bool waitConnected(RedisClient &client, int timeoutMs = 10000)
{
    QElapsedTimer timer;
    timer.start();
    while (!client.isConnected() && timer.elapsed() < timeoutMs)
        QTest::qWait(10);
    return client.isConnected();
}

QByteArray uniqueKey(const char *what)
{
    return QByteArrayLiteral("test:redisclient:") + what + ':' +
           QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
}

} // namespace

class TestRedisClient : public QObject
{
    Q_OBJECT

private:
    QString sharedUrl() const { return qEnvironmentVariable("GH_TEST_REDIS_URL"); }

private slots:
    void initTestCase()
    {
        QVERIFY2(!sharedUrl().isEmpty(), "GH_TEST_REDIS_URL is not set: run through scripts/test");
    }

    void pipelinesTenThousandCommandsInOrder()
    {
        RedisClient client(endpointFor(sharedUrl()));
        client.start();
        QVERIFY(waitConnected(client));
        const QByteArray key = uniqueKey("pipeline");
        constexpr int count = 10000;
        QList<qint64> replies;
        replies.reserve(count);
        int failures = 0;
        // All written before the first reply is read: one round trip's worth of waiting.
        for (int i = 0; i < count; ++i) {
            client.command({QByteArrayLiteral("INCR"), key}, [&](const RedisReply &reply) {
                if (reply.type == RedisReply::Type::Integer)
                    replies.append(reply.integer);
                else
                    ++failures;
            });
        }
        QTRY_COMPARE_WITH_TIMEOUT(replies.size() + failures, count, 20000);
        QCOMPARE(failures, 0);
        for (int i = 0; i < count; ++i)
            QCOMPARE(replies.at(i), qint64(i + 1));
        QCOMPARE(call(client, {QByteArrayLiteral("DEL"), key}).integer, qint64(1));
    }

    void repliesKeepTheirTypes()
    {
        RedisClient client(endpointFor(sharedUrl()));
        client.start();
        QVERIFY(waitConnected(client));
        const QByteArray key = uniqueKey("types");
        QCOMPARE(call(client, {"SET", key, QByteArray("a\0b", 3)}).string, QByteArray("OK"));
        const RedisReply value = call(client, {"GET", key});
        QCOMPARE(value.type, RedisReply::Type::String);
        QCOMPARE(value.string, QByteArray("a\0b", 3)); // binary safe
        QVERIFY(call(client, {"GET", uniqueKey("missing")}).isNil());
        const RedisReply wrong = call(client, {"HGET", key, "field"});
        QVERIFY(wrong.isError());
        QVERIFY(!wrong.transportError); // the server answered: not a transport failure
        QVERIFY(wrong.string.startsWith("WRONGTYPE"));
        const RedisReply array = call(client, {"MGET", key, uniqueKey("missing")});
        QCOMPARE(array.type, RedisReply::Type::Array);
        QCOMPARE(array.elements.size(), 2);
        QVERIFY(array.elements.at(1).isNil());
        call(client, {"DEL", key});
    }

    void notConnectedFailsFast()
    {
        // Never started: no connection, and no queue that could grow while Redis is down.
        RedisClient idle(endpointFor(sharedUrl()));
        bool calledSynchronously = true;
        std::optional<RedisReply> result;
        idle.command({"PING"}, [&](const RedisReply &reply) { result = reply; });
        calledSynchronously = result.has_value();
        QVERIFY2(!calledSynchronously, "callbacks never run inside command()");
        QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 100);
        QVERIFY(result->transportError);
        QCOMPARE(result->string, QByteArray("NOT_CONNECTED"));

        // Nothing listens on the port: every command fails at once with a transport error.
        const quint16 deadPort = TestHttp::freePort();
        RedisClient dead(endpointFor(QStringLiteral("redis://127.0.0.1:%1").arg(deadPort)));
        dead.start();
        QTest::qWait(100);
        for (int i = 0; i < 5; ++i) {
            QElapsedTimer timer;
            timer.start();
            const RedisReply reply = call(dead, {"PING"}, 1000);
            QVERIFY(reply.transportError);
            QVERIFY2(timer.elapsed() < 200, qPrintable(QString::number(timer.elapsed())));
        }
        QVERIFY(!dead.isConnected());
        QVERIFY(!dead.lastError().isEmpty());
    }

    void commandTimeoutAgainstAPausedServerAndRecovery()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        RedisClient::Options options;
        options.commandTimeoutMs = 300;
        RedisClient client(endpointFor(redis.url()), options);
        client.start();
        QVERIFY(waitConnected(client));
        QCOMPARE(call(client, {"PING"}).string, QByteArray("PONG"));

        QVERIFY(redis.pause(1500));
        QElapsedTimer timer;
        timer.start();
        std::optional<RedisReply> first;
        std::optional<RedisReply> second;
        client.command({"PING"}, [&](const RedisReply &reply) { first = reply; });
        client.command({"PING"}, [&](const RedisReply &reply) { second = reply; });
        QTRY_VERIFY_WITH_TIMEOUT(first.has_value() && second.has_value(), 3000);
        const qint64 elapsed = timer.elapsed();
        QCOMPARE(first->string, QByteArray("TIMEOUT"));
        QVERIFY(first->transportError);
        QCOMPARE(second->string, QByteArray("TIMEOUT")); // everything pending fails together
        QVERIFY2(elapsed >= 250 && elapsed < 1200, qPrintable(QString::number(elapsed)));

        // The wedged connection was replaced; once the pause is over commands work again.
        QTest::qWait(1500);
        QVERIFY(waitConnected(client));
        QCOMPARE(call(client, {"PING"}).string, QByteArray("PONG"));
    }

    void reconnectsAfterARedisRestart()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        RedisClient::Options options;
        options.reconnectMaxMs = 200;
        RedisClient client(endpointFor(redis.url()), options);
        QSignalSpy connected(&client, &RedisClient::connected);
        QSignalSpy disconnected(&client, &RedisClient::disconnected);
        client.start();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 5000);
        QCOMPARE(call(client, {"SET", "k", "before"}).string, QByteArray("OK"));

        redis.kill();
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 5000);
        QVERIFY(!client.isConnected());
        const RedisReply down = call(client, {"PING"});
        QVERIFY(down.transportError);

        QVERIFY(redis.start());
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, 5000);
        QCOMPARE(call(client, {"PING"}).string, QByteArray("PONG"));
        QVERIFY(call(client, {"GET", "k"}).isNil()); // a new server (no persistence)
    }

    void authAndSelectFromTheUrl()
    {
        const quint16 port = TestHttp::freePort();
        LocalRedis redis({QStringLiteral("--requirepass"), QStringLiteral("s3cret pass"),
                          QStringLiteral("--port"), QString::number(port), QStringLiteral("--bind"),
                          QStringLiteral("127.0.0.1")});
        QVERIFY(redis.start());

        // TCP with a password and database 3; the password is percent-encoded in the URL.
        RedisClient tcp(
            endpointFor(QStringLiteral("redis://:s3cret%20pass@127.0.0.1:%1/3").arg(port)));
        tcp.start();
        QVERIFY(waitConnected(tcp));
        QCOMPARE(call(tcp, {"SET", "where", "db3"}).string, QByteArray("OK"));
        QCOMPARE(redis.cli({QStringLiteral("-n"), QStringLiteral("3"), QStringLiteral("GET"),
                            QStringLiteral("where")}),
                 QByteArray("db3"));
        QCOMPARE(redis.cli({QStringLiteral("GET"), QStringLiteral("where")}), QByteArray());

        // An ACL user name (Redis 6+: AUTH user password) over the unix socket, database 5.
        RedisClient unix(endpointFor(
            QStringLiteral("unix://%1?password=s3cret%20pass&db=5").arg(redis.socketPath())));
        unix.start();
        QVERIFY(waitConnected(unix));
        QCOMPARE(call(unix, {"SET", "where", "db5"}).string, QByteArray("OK"));
        QCOMPARE(redis.cli({QStringLiteral("-n"), QStringLiteral("5"), QStringLiteral("GET"),
                            QStringLiteral("where")}),
                 QByteArray("db5"));
        RedisClient user(
            endpointFor(QStringLiteral("redis://default:s3cret%20pass@127.0.0.1:%1/3").arg(port)));
        user.start();
        QVERIFY(waitConnected(user));
        QCOMPARE(call(user, {"GET", "where"}).string, QByteArray("db3"));

        // AUTH and SELECT are sent again on every new connection.
        redis.kill();
        QVERIFY(redis.start());
        QTest::qWait(200);
        QVERIFY(waitConnected(tcp));
        QCOMPARE(call(tcp, {"SET", "again", "yes"}).string, QByteArray("OK"));
        QCOMPARE(redis.cli({QStringLiteral("-n"), QStringLiteral("3"), QStringLiteral("GET"),
                            QStringLiteral("again")}),
                 QByteArray("yes"));

        // A wrong password: the server refuses the commands (not a transport error).
        RedisClient wrong(endpointFor(QStringLiteral("redis://:nope@127.0.0.1:%1").arg(port)));
        wrong.start();
        QVERIFY(waitConnected(wrong));
        const RedisReply refused = call(wrong, {"GET", "where"});
        QVERIFY(refused.isError());
        QVERIFY(!refused.transportError);
        QVERIFY2(refused.string.startsWith("NOAUTH"), refused.string.constData());
    }

    void unixSocket()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        RedisClient client(endpointFor(QStringLiteral("redis+unix://") + redis.socketPath()));
        QVERIFY(client.endpoint().isUnix());
        client.start();
        QVERIFY(waitConnected(client));
        QCOMPARE(call(client, {"SET", "via", "socket"}).string, QByteArray("OK"));
        QCOMPARE(redis.cli({QStringLiteral("GET"), QStringLiteral("via")}), QByteArray("socket"));
    }

    void publishCountsReceivers()
    {
        RedisClient client(endpointFor(sharedUrl()));
        client.start();
        QVERIFY(waitConnected(client));
        std::optional<RedisReply> result;
        client.publish(uniqueKey("nobody-listens"), "hello",
                       [&](const RedisReply &reply) { result = reply; });
        QTRY_VERIFY(result.has_value());
        QCOMPARE(result->type, RedisReply::Type::Integer);
        QCOMPARE(result->integer, qint64(0));
        client.publish(uniqueKey("fire-and-forget"), "no callback"); // must not crash
        QCOMPARE(call(client, {"PING"}).string, QByteArray("PONG"));
    }

    void destroyingWithCommandsInFlightDropsTheirCallbacks()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        int called = 0;
        {
            auto client = std::make_unique<RedisClient>(endpointFor(redis.url()));
            client->start();
            QVERIFY(waitConnected(*client));
            QVERIFY(redis.pause(500));
            for (int i = 0; i < 100; ++i)
                client->command({"PING"}, [&called](const RedisReply &) { ++called; });
        }
        QTest::qWait(700);
        QCOMPARE(called, 0);
    }
};

QTEST_GUILESS_MAIN(TestRedisClient)
#include "TestRedisClient.moc"
