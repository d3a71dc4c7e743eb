// Two gatehoused instances (A and B, different ports and data dirs, so different signing keys)
// sharing one PostgreSQL database and one Redis, as behind a load balancer: the session cache is
// shared (a session checked on A is a cache hit on B), a revocation through one instance is
// refused by the other on the very next request (not after the 300 s cache TTL), each JWKS
// serves both instances' keys, and session:revoked is published once per revoked session.
#include "server/crypto/Jwt.h"
#include "server/redis/RedisSubscriber.h"
#include "tests/support/GatehousedProcess.h"
#include "tests/support/IndependentEs256.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSqlQuery>
#include <QtTest>
#include <memory>
#include <tuple>

using namespace SessionFixtures;
using namespace Qt::StringLiterals;

namespace {
// Both instances behind one public name, as in production: one issuer, one cookie origin.
const QString kPublicUrl = u"https://id.example.test"_s;
} // namespace

class TestSessionInstances : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_a;
    std::unique_ptr<GatehousedProcess> m_b;
    int m_users = 0;

    static QString redisUrl() { return qEnvironmentVariable("GH_TEST_REDIS_URL"); }
    QSqlDatabase db() const { return m_db->database(); }
    static QByteArray redisCli(const QStringList &arguments)
    {
        QProcess cli;
        cli.start(u"redis-cli"_s, QStringList{u"-u"_s, redisUrl()} + arguments);
        if (!cli.waitForFinished(5000))
            return {};
        return cli.readAllStandardOutput().trimmed();
    }
    static TestHttpResponse call(GatehousedProcess &server, const QByteArray &method,
                                 const QString &path, const Headers &headers = {})
    {
        return TestHttp::request(method, server.url(path), {}, headers);
    }
    static int check(GatehousedProcess &server, const QString &token)
    {
        return call(server, "GET", u"/api/v1/auth/session"_s, bearer(token)).status;
    }
    QString newUser() { return insertUser(db(), u"multi%1@example.org"_s.arg(++m_users)); }

    struct Issued
    {
        QString jwt;
        QString kid;
    };
    static Issued issue(GatehousedProcess &server, const QString &token)
    {
        const QString jwt = call(server, "POST", u"/api/v1/auth/token"_s, bearer(token))
                                .json()
                                .value(u"accessToken"_s)
                                .toString();
        return {jwt, IndependentEs256::part(jwt, 0).value(u"kid"_s).toString()};
    }
    static QStringList kids(const QJsonArray &keys)
    {
        QStringList list;
        for (const QJsonValue &key : keys)
            list.append(key.toObject().value(u"kid"_s).toString());
        return list;
    }

    // Collects the session:revoked events of the shared Redis.
    struct Listener
    {
        RedisSubscriber subscriber{RedisEndpoint::fromUrl(redisUrl()).value()};
        QList<QJsonObject> events;
        Listener()
        {
            QObject::connect(&subscriber, &RedisSubscriber::message, &subscriber,
                             [this](const QByteArray &, const QByteArray &payload) {
                                 events.append(QJsonDocument::fromJson(payload).object());
                             });
            subscriber.start();
            subscriber.subscribe("session:revoked");
        }
        QList<QJsonObject> about(const QString &sessionId) const
        {
            QList<QJsonObject> list;
            for (const QJsonObject &event : events)
                if (event.value(u"sessionId"_s).toString() == sessionId)
                    list.append(event);
            return list;
        }
    };

private slots:
    void initTestCase()
    {
        QVERIFY2(!redisUrl().isEmpty(), "GH_TEST_REDIS_URL is not set: run through scripts/test");
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        const QStringList arguments{u"--database-url"_s, m_db->url(), u"--redis-url"_s, redisUrl(),
                                    u"--workers"_s, u"2"_s, u"--public-url"_s, kPublicUrl,
                                    // not what this test is about; the shared Redis has other users
                                    u"--rate-limit-default"_s, u"100000/10000"_s,
                                    u"--rate-limit-session"_s, u"100000/10000"_s};
        m_a = std::make_unique<GatehousedProcess>(arguments);
        m_b = std::make_unique<GatehousedProcess>(arguments);
        QVERIFY(m_a->port() != m_b->port());
        QVERIFY2(m_a->startAndWaitReady(), qPrintable(m_a->log()));
        QVERIFY2(m_b->startAndWaitReady(), qPrintable(m_b->log()));
    }

    void cleanupTestCase()
    {
        if (m_a)
            QVERIFY2(m_a->running(), qPrintable(m_a->log()));
        if (m_b)
            QVERIFY2(m_b->running(), qPrintable(m_b->log()));
        m_a.reset();
        m_b.reset();
        m_db.reset();
    }

    void cacheIsSharedAndRevocationIsSeenAtOnce()
    {
        const QString userId = newUser();
        const QString token = insertSession(db(), userId);
        const QString other = insertSession(db(), userId);
        QVERIFY(!token.isEmpty() && !other.isEmpty());
        const QString id = idFor(token);

        QCOMPARE(check(*m_a, token), 200); // miss on A: read from PostgreSQL, cache filled
        QCOMPARE(redisCli({u"EXISTS"_s, u"session:valid:"_s + id, u"session:"_s + id}), "2"_ba);
        // B answers from the shared cache, not from PostgreSQL: a change made behind the
        // server's back in the database does not show yet.
        QVERIFY(exec(db(), u"UPDATE users SET email = 'renamed@example.org' WHERE id = ?::uuid"_s,
                     {userId}));
        const TestHttpResponse onB = call(*m_b, "GET", u"/api/v1/auth/session"_s, bearer(token));
        QCOMPARE(onB.status, 200);
        QCOMPARE(onB.json().value(u"user"_s).toObject().value(u"email"_s).toString(),
                 u"multi%1@example.org"_s.arg(m_users));
        QCOMPARE(call(*m_b, "GET", u"/api/v1/auth/verify"_s, cookie(token)).status, 200);

        // Revoked through A → B refuses on its very next request, both ways of asking.
        QCOMPARE(call(*m_a, "DELETE", u"/api/v1/auth/sessions/"_s + id, bearer(other)).status, 204);
        QCOMPARE(check(*m_b, token), 401);
        QCOMPARE(call(*m_b, "GET", u"/api/v1/auth/verify"_s, cookie(token)).status, 401);
        QCOMPARE(check(*m_a, token), 401);
        QCOMPARE(check(*m_b, other), 200);

        // And the other way round: logout on B, A refuses at once.
        QCOMPARE(check(*m_a, other), 200);
        QCOMPARE(call(*m_b, "POST", u"/api/v1/auth/logout"_s, bearer(other)).status, 204);
        QCOMPARE(check(*m_a, other), 401);
        QCOMPARE(check(*m_b, other), 401);
    }

    void revokeAllThroughOneInstance()
    {
        const QString userId = newUser();
        QStringList tokens;
        for (int i = 0; i < 4; ++i)
            tokens.append(insertSession(db(), userId));
        for (const QString &token : tokens) {
            QVERIFY(!token.isEmpty());
            QCOMPARE(check(*m_a, token), 200);
            QCOMPARE(check(*m_b, token), 200);
        }
        const TestHttpResponse answer =
            call(*m_b, "DELETE", u"/api/v1/auth/sessions?scope=others"_s, bearer(tokens.first()));
        QCOMPARE(answer.json().value(u"revoked"_s).toInt(), 3);
        QCOMPARE(check(*m_a, tokens.first()), 200);
        for (const QString &token : tokens.mid(1)) {
            QCOMPARE(check(*m_a, token), 401);
            QCOMPARE(check(*m_b, token), 401);
        }
    }

    void sessionRevokedIsPublishedOnce()
    {
        Listener listener;
        QTRY_VERIFY_WITH_TIMEOUT(listener.subscriber.isSubscribed("session:revoked"), 5000);
        const QString userId = newUser();
        const QString token = insertSession(db(), userId);
        const QString second = insertSession(db(), userId);
        const QString third = insertSession(db(), userId);
        QVERIFY(!token.isEmpty() && !second.isEmpty() && !third.isEmpty());
        for (const QString &t : {token, second, third}) {
            QCOMPARE(check(*m_a, t), 200);
            QCOMPARE(check(*m_b, t), 200);
        }

        QCOMPARE(
            call(*m_a, "DELETE", u"/api/v1/auth/sessions?scope=others"_s, bearer(token)).status,
            200);
        QCOMPARE(call(*m_b, "POST", u"/api/v1/auth/logout"_s, bearer(token)).status, 204);
        QTRY_COMPARE_WITH_TIMEOUT(listener.about(idFor(token)).size(), 1, 5000);
        QTest::qWait(1000); // time enough for a duplicate (an echo from the other instance) to show
        const QList<QString> reasons{u"user"_s, u"user"_s, u"logout"_s};
        const QStringList ids{idFor(second), idFor(third), idFor(token)};
        for (qsizetype i = 0; i < ids.size(); ++i) {
            const QList<QJsonObject> events = listener.about(ids.at(i));
            QCOMPARE(events.size(), 1);
            const QJsonObject event = events.first();
            QCOMPARE(event.value(u"type"_s).toString(), u"session:revoked"_s);
            QCOMPARE(event.value(u"userId"_s).toString(), userId);
            QCOMPARE(event.value(u"by"_s).toString(), userId);
            QCOMPARE(event.value(u"reason"_s).toString(), reasons.at(i));
            QVERIFY(!event.value(u"instance"_s).toString().isEmpty());
            QVERIFY(QDateTime::fromString(event.value(u"at"_s).toString(), Qt::ISODateWithMs)
                        .isValid());
        }
        // Revoking what is already revoked publishes nothing.
        const QString fourth = insertSession(db(), userId);
        QCOMPARE(call(*m_a, "DELETE", u"/api/v1/auth/sessions/"_s + idFor(second), bearer(fourth))
                     .status,
                 404);
        QTest::qWait(300);
        QCOMPARE(listener.about(idFor(second)).size(), 1);
    }

    void theHttpsPublicUrlGivesTheOriginAndSecureCookies()
    {
        // Behind one https name the allowed origin is that name's, not the listen address.
        const QString token = insertSession(db(), newUser());
        QVERIFY(!token.isEmpty());
        const QByteArray local = "http://127.0.0.1:" + QByteArray::number(m_a->port());
        QCOMPARE(call(*m_a, "POST", u"/api/v1/auth/token"_s, cookie(token, local)).status, 403);
        QCOMPARE(call(*m_b, "POST", u"/api/v1/auth/token"_s, cookie(token, kPublicUrl.toLatin1()))
                     .status,
                 200);
        const TestHttpResponse out =
            call(*m_a, "POST", u"/api/v1/auth/logout"_s, cookie(token, kPublicUrl.toLatin1()));
        QCOMPARE(out.status, 204);
        QCOMPARE(out.header("Set-Cookie"),
                 "gh_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure"_ba);
        QCOMPARE(check(*m_b, token), 401);
    }

    void eachJwksServesBothInstancesKeys()
    {
        const QString token = insertSession(db(), newUser());
        QVERIFY(!token.isEmpty());
        const Issued fromA = issue(*m_a, token);
        const Issued fromB = issue(*m_b, token);
        QVERIFY(!fromA.kid.isEmpty() && !fromB.kid.isEmpty());
        QVERIFY2(fromA.kid != fromB.kid, "each instance has its own data dir, hence its own key");
        QCOMPARE(IndependentEs256::part(fromA.jwt, 1).value(u"iss"_s).toString(), kPublicUrl);
        QCOMPARE(IndependentEs256::part(fromB.jwt, 1).value(u"iss"_s).toString(), kPublicUrl);

        const TestHttpResponse jwksA = call(*m_a, "GET", u"/.well-known/jwks.json"_s);
        const TestHttpResponse jwksB = call(*m_b, "GET", u"/.well-known/jwks.json"_s);
        QCOMPARE(jwksA.status, 200);
        QCOMPARE(jwksB.status, 200);
        const QJsonArray keysA = jwksA.json().value(u"keys"_s).toArray();
        const QJsonArray keysB = jwksB.json().value(u"keys"_s).toArray();
        QVERIFY(kids(keysA).contains(fromA.kid) && kids(keysA).contains(fromB.kid));
        QVERIFY(kids(keysB).contains(fromA.kid) && kids(keysB).contains(fromB.kid));

        Jwt::VerifyOptions options;
        options.issuer = kPublicUrl;
        options.audience = u"gatehouse"_s;
        for (const auto &[jwt, keys, text] :
             {std::tuple{fromA.jwt, keysB, jwksB.body}, std::tuple{fromB.jwt, keysA, jwksA.body}}) {
            const auto verified = Jwt::verify(jwt, keys, options);
            QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().code));
            QVERIFY(IndependentEs256::verify(jwt, text));
        }

        // The public halves are what the database holds, one per instance.
        QSqlQuery query(db());
        QVERIFY(query.exec(u"SELECT kid, instance, jwk::text FROM jwt_public_keys"_s));
        QStringList stored;
        QSet<QString> instances;
        while (query.next()) {
            stored.append(query.value(0).toString());
            instances.insert(query.value(1).toString());
            QVERIFY2(
                !QJsonDocument::fromJson(query.value(2).toByteArray()).object().contains(u"d"_s),
                "no private key in the database");
        }
        QVERIFY(stored.contains(fromA.kid) && stored.contains(fromB.kid));
        QVERIFY(instances.size() >= 2);
    }
};

QTEST_GUILESS_MAIN(TestSessionInstances)
#include "TestSessionInstances.moc"
