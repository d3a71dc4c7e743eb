// SessionService in the test thread against real PostgreSQL and Redis (SessionServiceHarness):
// what create() writes (row, Redis keys, session:created), the session check on a cache hit (no
// SQL, one Redis round trip), on a miss (one read, refill), with Redis down (PostgreSQL
// answers), for malformed tokens (nothing read or written), expiry and last_activity_at
// judged by the injected clock, disabled users; and Redis memory per cached session.
// Revocation and the sweeper: TestSessionRevocation.

#include "server/crypto/Crypto.h"
#include "server/device/GeoLocator.h"
#include "server/redis/RedisClient.h"
#include "server/redis/RedisEndpoint.h"
#include "server/sessions/SessionCache.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/SessionServiceHarness.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUuid>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace {

const QString kChromeWindows = u"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                               "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"_s;
const QString kIPhoneSafari = u"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) "
                              "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 "
                              "Mobile/15E148 Safari/604.1"_s;

QString sharedUrl()
{
    return qEnvironmentVariable("GH_TEST_REDIS_URL");
}

// Computed here, not with the product's helper: sessions.id = sha256hex(token).
QString sha256Hex(const QString &token)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(token.toLatin1(), QCryptographicHash::Sha256).toHex());
}

QDateTime utcTime(const QJsonValue &value)
{
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs).toUTC();
}

QDateTime column(const QVariantMap &row, const char *name)
{
    return row.value(QString::fromLatin1(name)).toDateTime().toUTC();
}

QString text(const QVariantMap &row, const char *name)
{
    return row.value(QString::fromLatin1(name)).toString();
}

// The commands a LocalRedis ran since the last reset, without the test's own probes, as
// "name=calls" in name order.
QString serviceCommands(const LocalRedis &redis)
{
    QMap<QString, qint64> calls = redisCommandCalls(redis);
    calls.remove(u"ping"_s);
    calls.remove(u"exists"_s);
    calls.remove(u"dbsize"_s);
    QStringList parts;
    for (auto it = calls.cbegin(); it != calls.cend(); ++it)
        parts << it.key() + u'=' + QString::number(it.value());
    return parts.join(u' ');
}

QString randomToken()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), 8);
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

} // namespace

class TestSessionService : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(!sharedUrl().isEmpty(), "GH_TEST_REDIS_URL is not set: run through scripts/test");
        QVERIFY2(!qEnvironmentVariableIsEmpty("GH_TEST_DATABASE_URL"),
                 "GH_TEST_DATABASE_URL is not set: run through scripts/test");
    }

    void createWritesRowCacheAndEvent_data()
    {
        QTest::addColumn<QString>("userAgent");
        QTest::addColumn<QString>("client");
        QTest::addColumn<QString>("browser");
        QTest::addColumn<QString>("os");
        QTest::addColumn<QString>("device");
        QTest::newRow("chrome windows, ipv4 loopback")
            << kChromeWindows << u"127.0.0.1"_s << u"Chrome 120"_s << u"Windows 10"_s << u"Other"_s;
        QTest::newRow("safari iphone, ipv6 loopback")
            << kIPhoneSafari << u"::1"_s << u"Mobile Safari 17"_s << u"iOS 17.1"_s << u"iPhone"_s;
        QTest::newRow("chrome windows, public address")
            << kChromeWindows << u"8.8.8.8"_s << u"Chrome 120"_s << u"Windows 10"_s << u"Other"_s;
    }

    void createWritesRowCacheAndEvent()
    {
        QFETCH(QString, userAgent);
        QFETCH(QString, client);
        QFETCH(QString, browser);
        QFETCH(QString, os);
        QFETCH(QString, device);

        SessionServiceHarness h(sharedUrl());
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        EventInbox inbox(sharedUrl(), {"session:created"});
        QVERIFY(SessionServiceHarness::waitUntil([&] { return inbox.isReady(); }));
        const User user = h.insertUser();
        QVERIFY(!user.id.isEmpty());
        const QDateTime t0 = h.now();
        const int lifetime = h.service().settings().lifetimeSeconds;
        const QHostAddress address(client);

        auto created = h.create(user, userAgent, address);
        QVERIFY2(created, failureText(created).constData());

        // The token: 32 random bytes, base64url without padding; the row is keyed by its hash.
        const QString token = created->token;
        QCOMPARE(token.size(), 43);
        QVERIFY(QRegularExpression(u"^[A-Za-z0-9_-]{43}$"_s).match(token).hasMatch());
        const auto decoded = QByteArray::fromBase64Encoding(
            token.toLatin1(),
            QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
        QCOMPARE(decoded.decodingStatus, QByteArray::Base64DecodingStatus::Ok);
        QCOMPARE(decoded.decoded.size(), 32);
        const QString id = sha256Hex(token);
        QCOMPARE(id.size(), 64);
        QCOMPARE(created->session.id, id);
        QCOMPARE(SessionService::idForToken(token), id);

        const QVariantMap row = h.sessionRow(id);
        QVERIFY2(!row.isEmpty(), "no sessions row with id = sha256hex(token)");
        QCOMPARE(text(row, "user_id"), user.id);
        QCOMPARE(text(row, "status"), u"active"_s);
        QCOMPARE(text(row, "user_agent"), userAgent);
        QCOMPARE(text(row, "ip"), client);
        QCOMPARE(text(row, "browser"), browser);
        QCOMPARE(text(row, "os"), os);
        QCOMPARE(text(row, "device"), device);
        const GeoLocation expected = h.geo()->locate(address);
        if (!GeoLocator::isLocatable(address)) {
            QVERIFY(expected.isEmpty());
            QVERIFY(row.value(u"location_country"_s).isNull());
            QVERIFY(row.value(u"location_city"_s).isNull());
            QVERIFY(row.value(u"location_timezone"_s).isNull());
        } else {
            if (h.geo()->hasLibLoc())
                QVERIFY2(!expected.country.isEmpty(), "libloc knows no country for 8.8.8.8");
            QCOMPARE(text(row, "location_country"), expected.country);
            QCOMPARE(text(row, "location_city"), expected.city);
        }
        QCOMPARE(column(row, "created_at"), t0);
        QCOMPARE(column(row, "last_activity_at"), t0);
        QCOMPARE(column(row, "expires_at"), t0.addSecs(lifetime));
        QVERIFY(row.value(u"revoked_at"_s).isNull());
        QVERIFY(row.value(u"revoked_reason"_s).isNull());
        QVERIFY2(!h.snapshot().contains(token), "the token itself must never be stored");
        QCOMPARE(column(h.userRow(user.id), "last_login_at"), t0);

        // Both keys, with the cache TTL; session:{id} holds exactly the documented fields.
        QCOMPARE(h.call({"GET", SessionCache::validKey(id)}).string, QByteArray("1"));
        for (const QByteArray &key : {SessionCache::validKey(id), SessionCache::dataKey(id)}) {
            const qint64 ttl = h.ttl(key);
            QVERIFY2(ttl > 0 && ttl <= 300,
                     qPrintable(QString::fromLatin1(key) + u" TTL "_s + QString::number(ttl)));
        }
        const QJsonObject cached = h.cachedJson(id);
        QStringList keys = cached.keys();
        keys.sort();
        QCOMPARE(keys, (QStringList{u"email"_s, u"expiresAt"_s, u"lastActivityAt"_s, u"role"_s,
                                    u"status"_s, u"userId"_s}));
        QCOMPARE(cached.value(u"userId"_s).toString(), user.id);
        QCOMPARE(cached.value(u"role"_s).toString(), u"user"_s);
        QCOMPARE(cached.value(u"status"_s).toString(), u"active"_s);
        QCOMPARE(cached.value(u"email"_s).toString(), user.email);
        QCOMPARE(utcTime(cached.value(u"expiresAt"_s)), t0.addSecs(lifetime));
        QCOMPARE(utcTime(cached.value(u"lastActivityAt"_s)), t0);
        QVERIFY(!h.exists(SessionCache::revokedKey(id)));

        // session:created with the contract's fields and nothing else.
        QVERIFY(SessionServiceHarness::waitUntil(
            [&] { return !inbox.events("session:created", id).isEmpty(); }));
        QTest::qWait(50);
        const QList<QJsonObject> events = inbox.events("session:created", id);
        QCOMPARE(events.size(), 1);
        const QJsonObject event = events.first();
        const QStringList contract{u"type"_s, u"userId"_s, u"sessionId"_s, u"at"_s,
                                   u"by"_s,   u"reason"_s, u"instance"_s};
        for (const QString &key : event.keys())
            QVERIFY2(contract.contains(key), qPrintable(u"field outside the contract: "_s + key));
        QCOMPARE(event.value(u"type"_s).toString(), u"session:created"_s);
        QCOMPARE(event.value(u"userId"_s).toString(), user.id);
        QCOMPARE(event.value(u"sessionId"_s).toString(), id);
        QCOMPARE(event.value(u"instance"_s).toString(), h.instance());
        QVERIFY(utcTime(event.value(u"at"_s)).isValid());
        if (event.contains(u"by"_s))
            QCOMPARE(event.value(u"by"_s).toString(), user.id);

        // Another sign-in: another token and another row.
        auto second = h.create(user, userAgent, address);
        QVERIFY(second);
        QVERIFY(second->token != token);
        QVERIFY(!h.sessionRow(sha256Hex(second->token)).isEmpty());
    }

    void checkHitRunsNoSqlAndMissReadsOnceThenRefills()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        SessionServiceHarness h(redis.url());
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        const User user = h.insertUser(u"admin"_s);
        auto created = h.create(user, kChromeWindows);
        QVERIFY(created);
        const QString token = created->token;
        const QString id = sha256Hex(token);
        const QJsonObject written = h.cachedJson(id);

        // Hit: one MGET, no SQL at all.
        for (int round = 0; round < 3; ++round) {
            h.resetStatementCalls();
            QVERIFY(resetRedisCommandStats(redis));
            auto checked = h.check(token);
            QVERIFY2(checked, failureText(checked).constData());
            QCOMPARE(h.statementCalls(), 0);
            h.call({"PING"}); // whatever the service sent is processed before this answers
            QCOMPARE(serviceCommands(redis), u"mget=1"_s);
            QCOMPARE(checked->sessionId, id);
            QCOMPARE(checked->data.userId, user.id);
            QCOMPARE(checked->data.role, u"admin"_s);
            QCOMPARE(checked->data.status, u"active"_s);
            QCOMPARE(checked->data.email, user.email);
            QCOMPARE(checked->data.expiresAt, created->session.expiresAt);
        }

        // Miss: one indexed read, then both keys are back with a fresh TTL and the same data.
        h.dropCache(id);
        QVERIFY(h.isUncached(id));
        h.resetStatementCalls();
        QVERIFY(resetRedisCommandStats(redis));
        auto checked = h.check(token);
        QVERIFY2(checked, failureText(checked).constData());
        QCOMPARE(h.statementCalls(), 1);
        QCOMPARE(checked->data.userId, user.id);
        QCOMPARE(checked->data.role, u"admin"_s);
        QVERIFY(h.isCached(id)); // same connection: the refill was processed before this
        // The refill script (loaded by create(), so EVALSHA and no EVAL) and its two SETs,
        // which Redis counts too.
        QCOMPARE(serviceCommands(redis), u"evalsha=1 mget=1 set=2"_s);
        for (const QByteArray &key : {SessionCache::validKey(id), SessionCache::dataKey(id)}) {
            const qint64 ttl = h.ttl(key);
            QVERIFY2(ttl > 0 && ttl <= 300, qPrintable(QString::number(ttl)));
        }
        QCOMPARE(h.cachedJson(id), written);

        // And the refilled keys serve the next check without SQL.
        h.resetStatementCalls();
        QVERIFY(h.check(token));
        QCOMPARE(h.statementCalls(), 0);
    }

    void checkFallsBackToPostgresWhenRedisIsDown()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        SessionServiceHarness h(redis.url());
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        const User user = h.insertUser();
        auto created = h.create(user, kChromeWindows);
        QVERIFY(created);
        const QString id = sha256Hex(created->token);

        redis.kill();
        QVERIFY(SessionServiceHarness::waitUntil([&] { return !h.redis().isConnected(); }));
        h.resetStatementCalls();
        QElapsedTimer timer;
        timer.start();
        auto checked = h.check(created->token);
        QVERIFY2(checked, failureText(checked).constData());
        QVERIFY2(timer.elapsed() < 1000, "a dead Redis must fail fast, not wait for a timeout");
        QCOMPARE(h.statementCalls(), 1);
        QCOMPARE(checked->sessionId, id);
        QCOMPARE(checked->data.userId, user.id);
        QCOMPARE(checked->data.email, user.email);

        // Still 401 (not an error) for an unknown token, and sign-in still works.
        auto unknown = h.check(randomToken());
        QVERIFY(!unknown);
        QCOMPARE(unknown.error().code, u"SESSION_INVALID"_s);
        auto offline = h.create(user, kIPhoneSafari);
        QVERIFY2(offline, failureText(offline).constData());
        QVERIFY(h.check(offline->token));

        // Redis back, empty: the next check is a miss that refills the keys.
        QVERIFY(redis.start());
        QVERIFY(SessionServiceHarness::waitUntil([&] { return h.redis().isConnected(); }, 15000));
        h.resetStatementCalls();
        QVERIFY(h.check(created->token));
        QCOMPARE(h.statementCalls(), 1);
        // A fresh Redis knows no script: EVALSHA, NOSCRIPT, then EVAL, one round trip later.
        QVERIFY(SessionServiceHarness::waitUntil([&] { return h.isCached(id); }));
        h.resetStatementCalls();
        QVERIFY(h.check(created->token));
        QCOMPARE(h.statementCalls(), 0);
    }

    void malformedTokensChangeNothing_data()
    {
        QTest::addColumn<QString>("token");
        QTest::addColumn<bool>("wellFormed"); // only a well-formed one is looked up at all
        const QString valid = randomToken();
        QCOMPARE(valid.size(), 43);
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("42 chars") << valid.left(42) << false;
        QTest::newRow("44 chars") << QString(valid + u'A') << false;
        QTest::newRow("standard base64 +") << QString(u'+' + valid.mid(1)) << false;
        QTest::newRow("standard base64 /") << QString(valid.left(42) + u'/') << false;
        QTest::newRow("padding") << QString(valid.left(42) + u'=') << false;
        QTest::newRow("space") << QString(valid.left(20) + u' ' + valid.mid(21)) << false;
        QTest::newRow("non-ascii") << QString(valid.left(42) + QChar(0xe9)) << false;
        QTest::newRow("sql-ish") << u"' OR '1'='1' --                              "_s.left(43)
                                 << false;
        QTest::newRow("well-formed, unknown") << valid << true;
    }

    void malformedTokensChangeNothing()
    {
        QFETCH(QString, token);
        QFETCH(bool, wellFormed);
        LocalRedis redis;
        QVERIFY(redis.start());
        SessionServiceHarness h(redis.url());
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        const User user = h.insertUser();
        auto existing = h.create(user, kChromeWindows);
        QVERIFY(existing);

        h.call({"PING"});
        const QByteArray keysBefore = redis.cli({u"DBSIZE"_s});
        QCOMPARE(keysBefore, QByteArray("2"));
        const QString rowsBefore = h.snapshot();
        QVERIFY(resetRedisCommandStats(redis));
        h.resetStatementCalls();

        auto checked = h.check(token);
        QVERIFY(!checked);
        QCOMPARE(checked.error().code, u"SESSION_INVALID"_s);
        h.call({"PING"});
        QCOMPARE(redis.cli({u"DBSIZE"_s}), keysBefore);
        QCOMPARE(h.snapshot(), rowsBefore);
        if (wellFormed) {
            // One MGET and one SELECT, nothing else: no refill, no tombstone, no write.
            QCOMPARE(serviceCommands(redis), u"mget=1"_s);
            QCOMPARE(h.statementCalls(), 1);
        } else {
            QCOMPARE(serviceCommands(redis), QString());
            QCOMPARE(h.statementCalls(), 0);
        }
        QVERIFY(h.check(existing->token)); // the real session is unaffected
    }

    void expiryByTheInjectedClock_data()
    {
        QTest::addColumn<int>("lifetime");
        QTest::addColumn<int>("idle");
        QTest::addColumn<int>("after");   // seconds after creation: exactly the limit
        QTest::addColumn<bool>("cached"); // judged from Redis, or from the row after a miss
        QTest::newRow("absolute, cached") << 3600 << 7200 << 3600 << true;
        QTest::newRow("absolute, from postgres") << 3600 << 7200 << 3600 << false;
        QTest::newRow("idle, cached") << 86400 << 1800 << 1800 << true;
        QTest::newRow("idle, from postgres") << 86400 << 1800 << 1800 << false;
    }

    void expiryByTheInjectedClock()
    {
        QFETCH(int, lifetime);
        QFETCH(int, idle);
        QFETCH(int, after);
        QFETCH(bool, cached);
        SessionSettings settings;
        settings.lifetimeSeconds = lifetime;
        settings.idleTimeoutSeconds = idle;
        SessionServiceHarness h(sharedUrl(), settings);
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        const User user = h.insertUser();
        auto created = h.create(user, kChromeWindows);
        QVERIFY(created);
        const QString id = sha256Hex(created->token);
        const QDateTime t0 = h.now();

        if (lifetime < idle) { // one second earlier it still counts (this touches the row)
            h.setNow(t0.addSecs(after - 1));
            QVERIFY(h.check(created->token));
        }
        if (!cached)
            h.dropCache(id);
        h.setNow(t0.addSecs(after));
        auto checked = h.check(created->token);
        QVERIFY(!checked);
        QCOMPARE(checked.error().code, u"SESSION_INVALID"_s);
        const QVariantMap row = h.sessionRow(id);
        QCOMPARE(text(row, "status"), u"expired"_s);
        QVERIFY(row.value(u"revoked_at"_s).isNull());
        QVERIFY(h.isUncached(id));

        // Stays refused, and nothing puts it back in the cache.
        auto again = h.check(created->token);
        QVERIFY(!again);
        QCOMPARE(again.error().code, u"SESSION_INVALID"_s);
        QVERIFY(h.isUncached(id));
        QCOMPARE(text(h.sessionRow(id), "status"), u"expired"_s);
    }

    void lastActivityIsWrittenAtMostOncePerMinute()
    {
        SessionSettings settings;
        settings.idleTimeoutSeconds = 1800;
        SessionServiceHarness h(sharedUrl(), settings);
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        const User user = h.insertUser();
        auto created = h.create(user, kChromeWindows);
        QVERIFY(created);
        const QString token = created->token;
        const QString id = sha256Hex(token);
        const QDateTime t0 = h.now();
        const auto stored = [&] { return column(h.sessionRow(id), "last_activity_at"); };
        const auto cached = [&] { return utcTime(h.cachedJson(id).value(u"lastActivityAt"_s)); };

        struct Step
        {
            qint64 at;       // seconds after t0
            bool writes;     // whether this check writes last_activity_at
            qint64 expected; // last_activity_at afterwards, seconds after t0
        };
        const Step steps[] = {
            {30, false, 0},   {59, false, 0},   {60, true, 60},    {61, false, 60},
            {119, false, 60}, {120, true, 120}, {150, false, 120}, {400, true, 400},
        };
        for (const Step &step : steps) {
            const QByteArray where = "at t0+" + QByteArray::number(step.at);
            h.setNow(t0.addSecs(step.at));
            h.resetStatementCalls();
            auto checked = h.check(token);
            QVERIFY2(checked, where.constData());
            QVERIFY2(h.statementCalls() == (step.writes ? 1 : 0), where.constData());
            QVERIFY2(stored() == t0.addSecs(step.expected),
                     (where + " row has " + stored().toString(Qt::ISODate).toLatin1()).constData());
            QVERIFY2(
                cached() == t0.addSecs(step.expected),
                (where + " cache has " + cached().toString(Qt::ISODate).toLatin1()).constData());
        }

        // The idle timeout counts from the last write: t0+400 + 1799 s is still fine (t0 + 1800
        // would not be), and the miss path touches too, its refill ending with the new time.
        h.setNow(t0.addSecs(400 + 1799));
        QVERIFY(h.check(token));
        QCOMPARE(stored(), t0.addSecs(400 + 1799));
        h.dropCache(id);
        h.setNow(t0.addSecs(400 + 1799 + 90));
        h.resetStatementCalls();
        QVERIFY(h.check(token));
        QCOMPARE(h.statementCalls(), 2); // the read and the touch
        QCOMPARE(stored(), h.now());
        QCOMPARE(cached(), h.now());
        QVERIFY(h.isCached(id));
    }

    void disabledUserIsRefused()
    {
        SessionServiceHarness h(sharedUrl());
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        const User user = h.insertUser();
        auto created = h.create(user, kIPhoneSafari);
        QVERIFY(created);
        const QString id = sha256Hex(created->token);
        QVERIFY(h.check(created->token));

        QVERIFY(h.setUserStatus(user.id, u"disabled"_s));
        h.dropCache(id);
        h.resetStatementCalls();
        auto checked = h.check(created->token);
        QVERIFY(!checked);
        QCOMPARE(checked.error().code, u"SESSION_INVALID"_s);
        QCOMPARE(h.statementCalls(), 1);
        QVERIFY(h.isUncached(id)); // not refilled for a disabled user
        auto again = h.check(created->token);
        QVERIFY(!again);
        QVERIFY(h.isUncached(id));

        // Enabled again (the session itself was never revoked): accepted and cached again.
        QVERIFY(h.setUserStatus(user.id, u"active"_s));
        QVERIFY(h.check(created->token));
        QVERIFY(h.isCached(id));
    }

    // The figure for the issue, not a target: (used_memory after − before) / N for N cached
    // sessions (both keys each, with TTLs) with realistic values, on a private Redis.
    void redisMemoryPerCachedSession()
    {
        constexpr int count = 20000;
        LocalRedis redis;
        QVERIFY(redis.start());
        auto endpoint = RedisEndpoint::fromUrl(redis.url());
        QVERIFY(endpoint);
        RedisClient client(*endpoint);
        client.start();
        QVERIFY(SessionServiceHarness::waitUntil([&] { return client.isConnected(); }));
        const SessionCache cache(&client, 300);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto session = [&](int i) {
            CachedSession s;
            s.userId = QUuid::createUuid().toString(QUuid::WithoutBraces);
            s.role = i % 50 == 0 ? u"admin"_s : u"user"_s;
            s.status = u"active"_s;
            s.email = u"firstname.lastname%1@example.org"_s.arg(i);
            s.expiresAt = now.addSecs(30 * 24 * 3600).addMSecs(i % 1000);
            s.lastActivityAt = now.addMSecs(-(i % 60000));
            return s;
        };

        // Warm up: the refill script is loaded and the client is connected before measuring.
        bool warm = false;
        cache.store(sha256Hex(randomToken()), session(-1), [&](bool ok) { warm = ok; });
        QVERIFY(SessionServiceHarness::waitUntil([&] { return warm; }));
        const qint64 before = redisUsedMemory(redis);
        QVERIFY(before > 0);

        int stored = 0;
        int failed = 0;
        QString sample;
        for (int i = 0; i < count; ++i)
            cache.store(sample = sha256Hex(randomToken()), session(i), [&](bool ok) {
                if (ok)
                    ++stored;
                else
                    ++failed;
            });
        QVERIFY(SessionServiceHarness::waitUntil([&] { return stored + failed == count; }, 60000));
        QCOMPARE(failed, 0);
        QCOMPARE(redis.cli({u"DBSIZE"_s}), QByteArray::number(2 * count + 2));
        const qint64 after = redisUsedMemory(redis);
        const qint64 perSession = (after - before) / count;
        qInfo("Redis memory per cached session: %lld bytes", perSession);
        qInfo(
            "(used_memory %lld -> %lld for %d sessions; redis-server %s; MEMORY USAGE of one "
            "pair: %s + %s bytes, without the key tables and expiry entries)",
            before, after, count,
            redis.cli({u"INFO"_s, u"server"_s}).split('\n').value(1).trimmed().constData(),
            redis
                .cli({u"MEMORY"_s, u"USAGE"_s, QString::fromLatin1(SessionCache::validKey(sample))})
                .constData(),
            redis.cli({u"MEMORY"_s, u"USAGE"_s, QString::fromLatin1(SessionCache::dataKey(sample))})
                .constData());
        QVERIFY2(perSession > 0 && perSession < 2000, qPrintable(QString::number(perSession)));
    }
};

QTEST_GUILESS_MAIN(TestSessionService)
#include "TestSessionService.moc"
