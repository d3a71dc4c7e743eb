// RedisSubscriber against real Redis: messages arrive, unsubscribe stops them, and after the
// connection is killed (CLIENT KILL TYPE pubsub) or Redis restarts, every channel is
// subscribed again and messages flow again. Publishing goes through RedisClient::publish.

#include "server/redis/RedisClient.h"
#include "server/redis/RedisSubscriber.h"
#include "tests/support/LocalRedis.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QUuid>
#include <QtTest>

namespace {

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
        QTest::qWait(5);
    }
}

// Publishes and waits for Redis to say how many subscribers received it.
qint64 publish(RedisClient &client, const QByteArray &channel, const QByteArray &payload)
{
    std::optional<RedisReply> result;
    client.publish(channel, payload, [&result](const RedisReply &reply) { result = reply; });
    if (!waitFor([&] { return result.has_value(); }))
        return -1;
    return result->type == RedisReply::Type::Integer ? result->integer : -1;
}

QByteArray uniqueChannel(const char *what)
{
    return QByteArrayLiteral("test:sub:") + what + ':' +
           QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
}

using Message = QPair<QByteArray, QByteArray>;

struct Inbox
{
    explicit Inbox(RedisSubscriber &subscriber)
    {
        QObject::connect(&subscriber, &RedisSubscriber::message, &subscriber,
                         [this](const QByteArray &channel, const QByteArray &payload) {
                             messages.append({channel, payload});
                         });
    }
    QList<Message> messages;
};

RedisSubscriber::Options fastReconnect()
{
    RedisSubscriber::Options options;
    options.reconnectMinMs = 20;
    options.reconnectMaxMs = 200;
    return options;
}

} // namespace

class TestRedisSubscriber : public QObject
{
    Q_OBJECT

private:
    QString sharedUrl() const { return qEnvironmentVariable("GH_TEST_REDIS_URL"); }

private slots:
    void initTestCase()
    {
        QVERIFY2(!sharedUrl().isEmpty(), "GH_TEST_REDIS_URL is not set: run through scripts/test");
    }

    void messagesArriveInOrderOnTheirChannels()
    {
        RedisClient publisher(endpointFor(sharedUrl()));
        publisher.start();
        RedisSubscriber subscriber(endpointFor(sharedUrl()));
        Inbox inbox(subscriber);
        QSignalSpy connected(&subscriber, &RedisSubscriber::connected);
        const QByteArray a = uniqueChannel("a");
        const QByteArray b = uniqueChannel("b");
        subscriber.subscribe(a); // before start: remembered, subscribed once connected
        subscriber.start();
        subscriber.subscribe(b);
        QVERIFY(waitFor([&] { return subscriber.isSubscribed(a) && subscriber.isSubscribed(b); }));
        QCOMPARE(connected.size(), 1);
        QCOMPARE(subscriber.channels(), (QSet<QByteArray>{a, b}));

        QCOMPARE(publish(publisher, a, "one"), qint64(1));
        QCOMPARE(publish(publisher, b, "two"), qint64(1));
        QCOMPARE(publish(publisher, a, QByteArray("bin\0ary", 7)), qint64(1));
        QCOMPARE(publish(publisher, uniqueChannel("other"), "not ours"), qint64(0));
        QVERIFY(waitFor([&] { return inbox.messages.size() == 3; }));
        QCOMPARE(inbox.messages.at(0), Message(a, "one"));
        QCOMPARE(inbox.messages.at(1), Message(b, "two"));
        QCOMPARE(inbox.messages.at(2), Message(a, QByteArray("bin\0ary", 7)));

        // A burst keeps its order.
        inbox.messages.clear();
        for (int i = 0; i < 500; ++i)
            publisher.publish(a, QByteArray::number(i));
        QVERIFY(waitFor([&] { return inbox.messages.size() == 500; }));
        for (int i = 0; i < 500; ++i)
            QCOMPARE(inbox.messages.at(i).second, QByteArray::number(i));

        // Unsubscribed: Redis no longer delivers to us.
        inbox.messages.clear();
        subscriber.unsubscribe(a);
        QVERIFY(!subscriber.isSubscribed(a));
        QVERIFY(waitFor([&] { return publish(publisher, a, "gone") == 0; }));
        QCOMPARE(publish(publisher, b, "still here"), qint64(1));
        QVERIFY(waitFor([&] { return inbox.messages.size() == 1; }));
        QCOMPARE(inbox.messages.at(0), Message(b, "still here"));
    }

    void unsubscribeThenSubscribeAgainQuickly()
    {
        // hiredis 0.14 forgets a channel's callback when the UNSUBSCRIBE reply arrives after a
        // new SUBSCRIBE was sent: the subscriber notices and subscribes once more.
        RedisClient publisher(endpointFor(sharedUrl()));
        publisher.start();
        RedisSubscriber subscriber(endpointFor(sharedUrl()));
        Inbox inbox(subscriber);
        const QByteArray channel = uniqueChannel("flip");
        subscriber.start();
        subscriber.subscribe(channel);
        QVERIFY(waitFor([&] { return subscriber.isSubscribed(channel); }));
        subscriber.unsubscribe(channel);
        subscriber.subscribe(channel);
        QVERIFY(waitFor([&] { return subscriber.isSubscribed(channel); }));
        QVERIFY(waitFor([&] { return publish(publisher, channel, "back") == 1; }));
        QVERIFY(waitFor([&] { return !inbox.messages.isEmpty(); }));
        QCOMPARE(inbox.messages.constLast(), Message(channel, "back"));
    }

    void resubscribesAfterClientKill()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        RedisClient publisher(endpointFor(redis.url()));
        publisher.start();
        RedisSubscriber subscriber(endpointFor(redis.url()), fastReconnect());
        Inbox inbox(subscriber);
        QSignalSpy connected(&subscriber, &RedisSubscriber::connected);
        QSignalSpy disconnected(&subscriber, &RedisSubscriber::disconnected);
        QSignalSpy subscribed(&subscriber, &RedisSubscriber::subscribed);
        subscriber.subscribe("events:a");
        subscriber.subscribe("events:b");
        subscriber.start();
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.size(), 2, 5000);
        QCOMPARE(publish(publisher, "events:a", "before"), qint64(1));
        QVERIFY(waitFor([&] { return inbox.messages.size() == 1; }));

        for (int round = 1; round <= 3; ++round) {
            // Only the pub/sub connection is killed; the publisher's stays.
            QVERIFY(redis.cli({QStringLiteral("CLIENT"), QStringLiteral("KILL"),
                               QStringLiteral("TYPE"), QStringLiteral("pubsub")}) == "1");
            QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), round, 5000);
            QTRY_COMPARE_WITH_TIMEOUT(connected.size(), round + 1, 5000);
            QTRY_COMPARE_WITH_TIMEOUT(subscribed.size(), 2 + 2 * round, 5000);
            QVERIFY(subscriber.isSubscribed("events:a") && subscriber.isSubscribed("events:b"));
            inbox.messages.clear();
            QCOMPARE(publish(publisher, "events:a", "after a"), qint64(1));
            QCOMPARE(publish(publisher, "events:b", "after b"), qint64(1));
            QVERIFY(waitFor([&] { return inbox.messages.size() == 2; }));
            QCOMPARE(inbox.messages.at(0), Message("events:a", "after a"));
            QCOMPARE(inbox.messages.at(1), Message("events:b", "after b"));
        }
    }

    void resubscribesAfterARedisRestart()
    {
        LocalRedis redis({QStringLiteral("--requirepass"), QStringLiteral("pw")});
        QVERIFY(redis.start());
        const QString url = redis.url() + QStringLiteral("?password=pw");
        RedisClient publisher(endpointFor(url));
        publisher.start();
        RedisSubscriber subscriber(endpointFor(url), fastReconnect());
        Inbox inbox(subscriber);
        QSignalSpy disconnected(&subscriber, &RedisSubscriber::disconnected);
        subscriber.subscribe("session:revoked");
        subscriber.start();
        QVERIFY(waitFor([&] { return subscriber.isSubscribed("session:revoked"); }));

        redis.kill();
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 5000);
        QVERIFY(!subscriber.isConnected());
        QVERIFY(!subscriber.isSubscribed("session:revoked"));
        QTest::qWait(300); // a few failed reconnects (backoff) while Redis is away
        // Subscribing while disconnected is remembered too.
        subscriber.subscribe("user:created");

        QVERIFY(redis.start());
        QVERIFY(waitFor([&] {
            return subscriber.isSubscribed("session:revoked") &&
                   subscriber.isSubscribed("user:created");
        }));
        QVERIFY(waitFor([&] { return publish(publisher, "session:revoked", "r") == 1; }));
        QCOMPARE(publish(publisher, "user:created", "c"), qint64(1));
        QVERIFY(waitFor([&] { return inbox.messages.size() == 2; }));
        QCOMPARE(inbox.messages.at(0), Message("session:revoked", "r"));
        QCOMPARE(inbox.messages.at(1), Message("user:created", "c"));
    }

    void wrongPasswordKeepsRetryingWithoutSubscribing()
    {
        LocalRedis redis({QStringLiteral("--requirepass"), QStringLiteral("right")});
        QVERIFY(redis.start());
        RedisSubscriber subscriber(endpointFor(redis.url() + QStringLiteral("?password=wrong")),
                                   fastReconnect());
        subscriber.subscribe("events");
        subscriber.start();
        QTest::qWait(500);
        QVERIFY(!subscriber.isSubscribed("events"));
        QVERIFY(!subscriber.lastError().isEmpty());
    }

    void destroyedWhileConnectedIsQuiet()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        int messages = 0;
        {
            RedisSubscriber subscriber(endpointFor(redis.url()));
            QObject::connect(&subscriber, &RedisSubscriber::message, [&messages] { ++messages; });
            subscriber.subscribe("x");
            subscriber.start();
            QVERIFY(waitFor([&] { return subscriber.isSubscribed("x"); }));
        }
        QTest::qWait(50);
        QCOMPARE(messages, 0);
        QCOMPARE(
            redis.cli({QStringLiteral("PUBSUB"), QStringLiteral("NUMSUB"), QStringLiteral("x")}),
            QByteArray("x\n0"));
    }
};

QTEST_GUILESS_MAIN(TestRedisSubscriber)
#include "TestRedisSubscriber.moc"
