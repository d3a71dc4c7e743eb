// The session endpoints of API.md over HTTP against the real gatehoused (issue 4): the session
// check with a Bearer token and with the gh_session cookie, every kind of refused token (and
// that refusing one writes nothing), the Origin rule for cookie-authenticated unsafe methods,
// forward-auth, listing and revoking one's sessions, logout. Access tokens and the JWKS are in
// TestAccessTokenHttp.
//
// Sessions are seeded with SQL (tests/support/SessionFixtures), as a sign-in would leave them.
// Redis is a private LocalRedis so that its keys can be counted.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QtTest>
#include <memory>

using namespace SessionFixtures;
using namespace Qt::StringLiterals;

class TestSessionHttp : public QObject
{
    Q_OBJECT

private:
    LocalRedis m_redis;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    int m_users = 0;

    QSqlDatabase db() const { return m_db->database(); }
    // Rate limiting has its own test: here it must not turn the many calls into 429s.
    QStringList arguments() const
    {
        return {u"--database-url"_s,
                m_db->url(),
                u"--redis-url"_s,
                m_redis.url(),
                u"--workers"_s,
                u"2"_s,
                u"--rate-limit-default"_s,
                u"100000/10000"_s,
                u"--rate-limit-session"_s,
                u"100000/10000"_s};
    }
    QByteArray origin() const
    {
        return "http://127.0.0.1:"_ba + QByteArray::number(m_server->port());
    }
    TestHttpResponse call(const QByteArray &method, const QString &path,
                          const Headers &headers = {}, GatehousedProcess *server = nullptr)
    {
        return TestHttp::request(method, (server ? server : m_server.get())->url(path), {},
                                 headers);
    }
    static QString errorCode(const TestHttpResponse &response)
    {
        return response.json().value(u"error"_s).toObject().value(u"code"_s).toString();
    }
    int sessionStatus(const QString &token)
    {
        return call("GET", u"/api/v1/auth/session"_s, bearer(token)).status;
    }
    QString newUser(const QString &role = u"user"_s, const QString &status = u"active"_s)
    {
        return insertUser(db(), u"user%1@example.org"_s.arg(++m_users), role, status);
    }
    // Every key but the rate limiter's buckets: any request creates or refreshes those, and they
    // expire once drained (a few seconds), so DBSIZE alone would come and go with them.
    QStringList redisKeys() const
    {
        QStringList keys;
        for (const QByteArray &key : m_redis.cli({u"KEYS"_s, u"*"_s}).split('\n'))
            if (!key.isEmpty() && !key.startsWith("ratelimit:"))
                keys.append(QString::fromLatin1(key));
        keys.sort();
        return keys;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_redis.start());
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(arguments());
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
        // The rate limiter's buckets exist from now on.
        QCOMPARE(call("GET", u"/api/v1/auth/session"_s).status, 401);
        QCOMPARE(call("POST", u"/api/v1/auth/logout"_s).status, 401);
    }

    void cleanupTestCase()
    {
        if (m_server)
            QVERIFY2(m_server->running(), qPrintable(m_server->log()));
        m_server.reset();
        m_db.reset();
    }

    void sessionCheckWithBearerAndCookie()
    {
        const QString userId = newUser(u"admin"_s);
        QVERIFY(!userId.isEmpty());
        SessionRow row;
        row.expiresAt = QDateTime::currentDateTimeUtc().addDays(3);
        row.lastActivityAt = QDateTime::currentDateTimeUtc().addSecs(-20);
        const QString token = insertSession(db(), userId, row);
        QVERIFY(!token.isEmpty());
        const QString id = idFor(token);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"session:valid:"_s + id}), "0"_ba);

        // First a cache miss (read from PostgreSQL, cache refilled), then a hit, then the cookie.
        const QList<Headers> ways{bearer(token), bearer(token), cookie(token),
                                  cookie(token, "https://evil.example")};
        for (const Headers &headers : ways) {
            const TestHttpResponse answer = call("GET", u"/api/v1/auth/session"_s, headers);
            QCOMPARE(answer.status, 200);
            QCOMPARE(answer.header("Content-Type"), "application/json"_ba);
            QCOMPARE(answer.header("Cache-Control"), "no-store"_ba);
            const QJsonObject session = answer.json().value(u"session"_s).toObject();
            const QJsonObject user = answer.json().value(u"user"_s).toObject();
            QCOMPARE(answer.json().keys(), (QStringList{u"session"_s, u"user"_s}));
            QCOMPARE(session.keys(), (QStringList{u"current"_s, u"expiresAt"_s, u"id"_s,
                                                  u"lastActivityAt"_s, u"status"_s}));
            QCOMPARE(session.value(u"id"_s).toString(), id);
            QCOMPARE(session.value(u"status"_s).toString(), u"active"_s);
            QCOMPARE(session.value(u"current"_s).toBool(), true);
            QCOMPARE(session.value(u"expiresAt"_s).toString(),
                     row.expiresAt.toString(Qt::ISODateWithMs));
            QCOMPARE(session.value(u"lastActivityAt"_s).toString(),
                     row.lastActivityAt.toString(Qt::ISODateWithMs));
            QCOMPARE(user.keys(), (QStringList{u"email"_s, u"id"_s, u"role"_s, u"status"_s}));
            QCOMPARE(user.value(u"id"_s).toString(), userId);
            QCOMPARE(user.value(u"email"_s).toString(), u"user%1@example.org"_s.arg(m_users));
            QCOMPARE(user.value(u"role"_s).toString(), u"admin"_s);
            QCOMPARE(user.value(u"status"_s).toString(), u"active"_s);
        }
        // The cache keys of API.md, with their TTL.
        QCOMPARE(m_redis.cli({u"GET"_s, u"session:valid:"_s + id}), "1"_ba);
        const QJsonObject cached =
            QJsonDocument::fromJson(m_redis.cli({u"GET"_s, u"session:"_s + id})).object();
        QCOMPARE(cached.value(u"userId"_s).toString(), userId);
        QCOMPARE(cached.value(u"role"_s).toString(), u"admin"_s);
        QCOMPARE(cached.value(u"status"_s).toString(), u"active"_s);
        QCOMPARE(cached.value(u"expiresAt"_s).toString(),
                 row.expiresAt.toString(Qt::ISODateWithMs));
        const int ttl = m_redis.cli({u"TTL"_s, u"session:"_s + id}).toInt();
        QVERIFY2(ttl > 250 && ttl <= 300, QByteArray::number(ttl).constData());
        // The auth scheme is case-insensitive (RFC 9110 §11.1); the cookie may come among others.
        for (const QByteArray &scheme : {"bearer "_ba, "BEARER "_ba, "BeArEr  "_ba})
            QCOMPARE(call("GET", u"/api/v1/auth/session"_s,
                          {{"Authorization"_ba, scheme + token.toLatin1()}})
                         .status,
                     200);
        QCOMPARE(call("GET", u"/api/v1/auth/session"_s,
                      {{"Cookie"_ba, "a=1; gh_session=" + token.toLatin1() + "; b=2"}})
                     .status,
                 200);
    }

    void noCredentials_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::newRow("session") << "GET"_ba << u"/api/v1/auth/session"_s;
        QTest::newRow("verify") << "GET"_ba << u"/api/v1/auth/verify"_s;
        QTest::newRow("token") << "POST"_ba << u"/api/v1/auth/token"_s;
        QTest::newRow("logout") << "POST"_ba << u"/api/v1/auth/logout"_s;
        QTest::newRow("sessions") << "GET"_ba << u"/api/v1/auth/sessions"_s;
        QTest::newRow("revoke one")
            << "DELETE"_ba << u"/api/v1/auth/sessions/%1"_s.arg(QString(64, u'a'));
        QTest::newRow("revoke all") << "DELETE"_ba << u"/api/v1/auth/sessions?scope=all"_s;
    }
    void noCredentials()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        const Headers odd[] = {{},
                               {{"Authorization", "Basic dXNlcjpwdw=="}},
                               {{"Cookie", "other=1; gh_sessionx=abc"}},
                               {{"Cookie", "gh_session="}}};
        for (const Headers &headers : odd) {
            const TestHttpResponse answer = call(method, path, headers);
            QCOMPARE(answer.status, 401);
            QCOMPARE(errorCode(answer), u"UNAUTHENTICATED"_s);
            QCOMPARE(answer.header("WWW-Authenticate"), "Bearer"_ba);
            QVERIFY(!answer.header("X-Request-Id").isEmpty());
        }
    }

    void refusedTokensWriteNothing_data()
    {
        QTest::addColumn<QString>("kind");
        for (const char *kind :
             {"tampered", "truncated", "too long", "unknown", "padded", "not base64url",
              "empty bearer", "revoked", "expired", "marked expired", "idle", "user disabled"})
            QTest::newRow(kind) << QString::fromLatin1(kind);
    }
    void refusedTokensWriteNothing()
    {
        QFETCH(QString, kind);
        const QString userId =
            newUser(u"user"_s, kind == "user disabled"_L1 ? u"disabled"_s : u"active"_s);
        QVERIFY(!userId.isEmpty());
        SessionRow row;
        const QDateTime now = QDateTime::currentDateTimeUtc();
        if (kind == "revoked"_L1)
            row.status = u"revoked"_s;
        else if (kind == "marked expired"_L1)
            row.status = u"expired"_s;
        else if (kind == "expired"_L1)
            row.expiresAt = now.addSecs(-1);
        else if (kind == "idle"_L1) // the default idle timeout is 7 days
            row.lastActivityAt = now.addDays(-8);
        QString token = insertSession(db(), userId, row);
        QVERIFY(!token.isEmpty());
        if (kind == "tampered"_L1)
            token[20] = token.at(20) == u'A' ? u'B' : u'A';
        else if (kind == "truncated"_L1)
            token.chop(1);
        else if (kind == "too long"_L1)
            token += u'A';
        else if (kind == "unknown"_L1)
            token = newToken();
        else if (kind == "padded"_L1)
            token = token.left(42) + u'=';
        else if (kind == "not base64url"_L1)
            token[5] = u'+';
        else if (kind == "empty bearer"_L1)
            token.clear();

        const QString rowsBefore = sessionsSnapshot(db());
        const QStringList keysBefore = redisKeys();
        for (int round = 0; round < 2; ++round) { // a refusal is not cached as anything either
            const TestHttpResponse viaBearer =
                call("GET", u"/api/v1/auth/session"_s, bearer(token));
            QCOMPARE(viaBearer.status, 401);
            QCOMPARE(errorCode(viaBearer), u"UNAUTHENTICATED"_s);
            QVERIFY(viaBearer.header("WWW-Authenticate").startsWith("Bearer"));
            QCOMPARE(call("GET", u"/api/v1/auth/verify"_s, bearer(token)).status, 401);
            if (!token.isEmpty())
                QCOMPARE(call("GET", u"/api/v1/auth/session"_s, cookie(token)).status, 401);
            QCOMPARE(call("POST", u"/api/v1/auth/token"_s, bearer(token)).status, 401);
            QCOMPARE(call("POST", u"/api/v1/auth/logout"_s, bearer(token)).status, 401);
        }
        QCOMPARE(redisKeys(), keysBefore); // no new key, none refilled
        if (kind == "expired"_L1 || kind == "idle"_L1) {
            // Known behaviour: SessionService::expire marks the row 'expired' on sight (what the
            // sweeper would do later); nothing else in it or in any other row changes.
            QStringList expected = rowsBefore.split(u'\n');
            for (QString &line : expected)
                if (line.startsWith(u"id="_s + idFor(token) + u';'))
                    line.replace(u"status=active;"_s, u"status=expired;"_s);
            QCOMPARE(sessionsSnapshot(db()), expected.join(u'\n'));
        } else {
            QCOMPARE(sessionsSnapshot(db()), rowsBefore);
        }
    }

    void cookieUnsafeMethodsNeedAnAllowedOrigin()
    {
        const QString userId = newUser();
        const QString token = insertSession(db(), userId);
        const QString other = insertSession(db(), userId);
        QVERIFY(!token.isEmpty() && !other.isEmpty());
        const QByteArray port = QByteArray::number(m_server->port());
        const QByteArray foreign[] = {"",
                                      "https://evil.example",
                                      "null",
                                      "http://127.0.0.1:" +
                                          QByteArray::number(m_server->port() + 1),
                                      "https://127.0.0.1:" + port,
                                      origin() + "/",
                                      "http://127.0.0.2:" + port};
        const QList<QPair<QByteArray, QString>> unsafe{
            {"POST", u"/api/v1/auth/logout"_s},
            {"POST", u"/api/v1/auth/token"_s},
            {"DELETE", u"/api/v1/auth/sessions/"_s + idFor(other)},
            {"DELETE", u"/api/v1/auth/sessions?scope=others"_s},
            {"DELETE", u"/api/v1/auth/sessions?scope=all"_s}};
        const QString rowsBefore = sessionsSnapshot(db());
        for (const auto &[method, path] : unsafe) {
            for (const QByteArray &from : foreign) {
                Headers headers = cookie(token);
                if (!from.isEmpty())
                    headers.append({"Origin", from});
                const TestHttpResponse answer = call(method, path, headers);
                QVERIFY2(answer.status == 403, qPrintable(path + u' ' + QString::fromLatin1(from)));
                QCOMPARE(errorCode(answer), u"ORIGIN_NOT_ALLOWED"_s);
                QVERIFY(answer.header("Set-Cookie").isEmpty());
            }
        }
        QCOMPARE(sessionsSnapshot(db()), rowsBefore); // nothing revoked
        QCOMPARE(sessionStatus(token), 200);
        QCOMPARE(sessionStatus(other), 200);

        // Safe methods need no Origin; Bearer calls need none either.
        QCOMPARE(call("GET", u"/api/v1/auth/sessions"_s, cookie(token)).status, 200);
        QCOMPARE(call("POST", u"/api/v1/auth/token"_s, bearer(token)).status, 200);
        // The allowed origins by default: the public URL's, as 127.0.0.1 and as localhost.
        QCOMPARE(call("POST", u"/api/v1/auth/token"_s, cookie(token, origin())).status, 200);
        QCOMPARE(
            call("POST", u"/api/v1/auth/token"_s, cookie(token, "http://localhost:" + port)).status,
            200);
        QCOMPARE(call("DELETE", u"/api/v1/auth/sessions/"_s + idFor(other),
                      cookie(token, "http://localhost:" + port))
                     .status,
                 204);
        QCOMPARE(sessionStatus(other), 401);
        const TestHttpResponse out =
            call("POST", u"/api/v1/auth/logout"_s, cookie(token, origin()));
        QCOMPARE(out.status, 204);
        QCOMPARE(sessionStatus(token), 401);
    }

    void forwardAuthVerify()
    {
        const QString userId = newUser(u"admin"_s);
        const QString token = insertSession(db(), userId);
        QVERIFY(!token.isEmpty());
        for (const Headers &headers : {bearer(token), cookie(token)}) {
            const TestHttpResponse answer = call("GET", u"/api/v1/auth/verify"_s, headers);
            QCOMPARE(answer.status, 200);
            QVERIFY(answer.body.isEmpty());
            QCOMPARE(answer.header("X-Auth-User-Id"), userId.toLatin1());
            QCOMPARE(answer.header("X-Auth-Email"),
                     u"user%1@example.org"_s.arg(m_users).toLatin1());
            QCOMPARE(answer.header("X-Auth-Role"), "admin"_ba);
            QCOMPARE(answer.header("X-Auth-Session-Id"), idFor(token).toLatin1());
        }
        const TestHttpResponse refused = call("GET", u"/api/v1/auth/verify"_s, cookie(newToken()));
        QCOMPARE(refused.status, 401);
        QVERIFY(refused.header("X-Auth-User-Id").isEmpty());
        QCOMPARE(call("GET", u"/api/v1/auth/verify"_s).status, 401);
    }

    void listOwnSessions()
    {
        const QString userId = newUser();
        const QString other = newUser();
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QString mine = insertSession(db(), userId);
        const QString second = insertSession(db(), userId);
        SessionRow old;
        old.lastActivityAt = now.addSecs(-3600);
        const QString third = insertSession(db(), userId, old);
        SessionRow revoked;
        revoked.status = u"revoked"_s;
        SessionRow expired;
        expired.status = u"expired"_s;
        QVERIFY(!insertSession(db(), userId, revoked).isEmpty());
        QVERIFY(!insertSession(db(), userId, expired).isEmpty());
        const QString someoneElses = insertSession(db(), other);
        QVERIFY(!mine.isEmpty() && !second.isEmpty() && !third.isEmpty() &&
                !someoneElses.isEmpty());

        for (const Headers &headers : {bearer(mine), cookie(mine)}) {
            const TestHttpResponse answer = call("GET", u"/api/v1/auth/sessions"_s, headers);
            QCOMPARE(answer.status, 200);
            const QJsonArray sessions = answer.json().value(u"sessions"_s).toArray();
            QSet<QString> ids;
            int current = 0;
            for (const QJsonValue &value : sessions) {
                const QJsonObject session = value.toObject();
                QCOMPARE(session.keys(),
                         (QStringList{u"browser"_s, u"createdAt"_s, u"current"_s, u"device"_s,
                                      u"expiresAt"_s, u"id"_s, u"ip"_s, u"lastActivityAt"_s,
                                      u"location"_s, u"os"_s, u"revokedAt"_s, u"revokedReason"_s,
                                      u"status"_s}));
                QCOMPARE(session.value(u"status"_s).toString(), u"active"_s);
                QCOMPARE(session.value(u"ip"_s).toString(), u"127.0.0.1"_s);
                QVERIFY(session.value(u"revokedAt"_s).isNull());
                ids.insert(session.value(u"id"_s).toString());
                if (session.value(u"current"_s).toBool()) {
                    ++current;
                    QCOMPARE(session.value(u"id"_s).toString(), idFor(mine));
                }
            }
            QCOMPARE(current, 1);
            QCOMPARE(ids, (QSet<QString>{idFor(mine), idFor(second), idFor(third)}));
            // Most recently active first.
            QCOMPARE(sessions.last().toObject().value(u"id"_s).toString(), idFor(third));
        }
        // Someone else sees only their own.
        const QJsonArray theirs = call("GET", u"/api/v1/auth/sessions"_s, bearer(someoneElses))
                                      .json()
                                      .value(u"sessions"_s)
                                      .toArray();
        QCOMPARE(theirs.size(), 1);
        QCOMPARE(theirs.first().toObject().value(u"id"_s).toString(), idFor(someoneElses));
        QCOMPARE(theirs.first().toObject().value(u"current"_s).toBool(), true);
    }

    void listLeavesOutSessionsPastTheirTime()
    {
        // Still 'active' in the table but past expires_at or the idle timeout, because the
        // sweeper (once a minute) has not come by yet: the session check refuses them, so the
        // list must not offer them as active sessions either.
        const QString userId = newUser();
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QString mine = insertSession(db(), userId);
        SessionRow pastExpiry;
        pastExpiry.expiresAt = now.addSecs(-60);
        SessionRow idle;
        idle.lastActivityAt = now.addDays(-8); // the default idle timeout is 7 days
        const QString expired = insertSession(db(), userId, pastExpiry);
        const QString idled = insertSession(db(), userId, idle);
        QVERIFY(!mine.isEmpty() && !expired.isEmpty() && !idled.isEmpty());
        const TestHttpResponse answer = call("GET", u"/api/v1/auth/sessions"_s, bearer(mine));
        QCOMPARE(answer.status, 200);
        QStringList ids;
        for (const QJsonValue &value : answer.json().value(u"sessions"_s).toArray())
            ids.append(value.toObject().value(u"id"_s).toString());
        QCOMPARE(ids, QStringList{idFor(mine)});
    }

    void revokeOneSession()
    {
        const QString userId = newUser();
        const QString mine = insertSession(db(), userId);
        const QString second = insertSession(db(), userId);
        const QString someoneElses = insertSession(db(), newUser());
        QVERIFY(!mine.isEmpty() && !second.isEmpty() && !someoneElses.isEmpty());
        QCOMPARE(sessionStatus(second), 200); // cached now: the revocation must remove it

        const TestHttpResponse done =
            call("DELETE", u"/api/v1/auth/sessions/"_s + idFor(second), bearer(mine));
        QCOMPARE(done.status, 204);
        QVERIFY(done.body.isEmpty());
        QCOMPARE(sessionStatus(second), 401);
        QCOMPARE(sessionStatus(mine), 200);
        QCOMPARE(sessionColumn(db(), idFor(second), u"status"_s), u"revoked"_s);
        QCOMPARE(sessionColumn(db(), idFor(second), u"revoked_reason"_s), u"user"_s);
        QVERIFY(!sessionColumn(db(), idFor(second), u"revoked_at"_s).isEmpty());
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"session:valid:"_s + idFor(second),
                              u"session:"_s + idFor(second)}),
                 "0"_ba);

        // Not found, and nothing changed: already revoked, unknown, malformed.
        QCOMPARE(sessionStatus(someoneElses), 200);
        const QString rowsBefore = sessionsSnapshot(db());
        const QStringList keysBefore = redisKeys();
        const QString theirs = idFor(someoneElses);
        const QString notFound[] = {idFor(second),    idFor(newToken()), u"abc"_s,
                                    theirs.toUpper(), theirs.left(63),   theirs + u'0',
                                    QString(64, u'g')};
        const auto refused = [&](const QString &id) {
            const TestHttpResponse answer =
                call("DELETE", u"/api/v1/auth/sessions/"_s + id, bearer(mine));
            return answer.status == 404 && errorCode(answer) == "SESSION_NOT_FOUND"_L1;
        };
        for (const QString &id : notFound)
            QVERIFY2(refused(id), qPrintable(id));
        QCOMPARE(sessionsSnapshot(db()), rowsBefore);
        QCOMPARE(redisKeys(), keysBefore);
        // Someone else's session: not found either, and still valid. (SessionService::revoke may
        // evict the cache entry of a session it did not revoke: the entry refills on its next
        // check, so only "no key added" is asserted for Redis here.)
        QVERIFY(refused(theirs));
        QCOMPARE(sessionsSnapshot(db()), rowsBefore);
        for (const QString &key : redisKeys())
            QVERIFY2(keysBefore.contains(key), qPrintable(key));
        QCOMPARE(sessionStatus(someoneElses), 200);

        // One's own current session can be revoked this way too.
        QCOMPARE(call("DELETE", u"/api/v1/auth/sessions/"_s + idFor(mine), bearer(mine)).status,
                 204);
        QCOMPARE(sessionStatus(mine), 401);
    }

    void revokeOthersThenAll()
    {
        const QString userId = newUser();
        const QString mine = insertSession(db(), userId);
        const QString second = insertSession(db(), userId);
        const QString third = insertSession(db(), userId);
        const QString someoneElses = insertSession(db(), newUser());
        QVERIFY(!mine.isEmpty() && !second.isEmpty() && !third.isEmpty() &&
                !someoneElses.isEmpty());
        QCOMPARE(sessionStatus(second), 200);

        TestHttpResponse answer =
            call("DELETE", u"/api/v1/auth/sessions?scope=others"_s, bearer(mine));
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json(), (QJsonObject{{u"revoked"_s, 2}}));
        QVERIFY(answer.header("Set-Cookie").isEmpty());
        QCOMPARE(sessionStatus(mine), 200);
        QCOMPARE(sessionStatus(second), 401);
        QCOMPARE(sessionStatus(third), 401);
        QCOMPARE(sessionStatus(someoneElses), 200);
        answer = call("DELETE", u"/api/v1/auth/sessions?scope=others"_s, bearer(mine));
        QCOMPARE(answer.json(), (QJsonObject{{u"revoked"_s, 0}}));

        const QString fourth = insertSession(db(), userId);
        answer = call("DELETE", u"/api/v1/auth/sessions?scope=all"_s, cookie(mine, origin()));
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json(), (QJsonObject{{u"revoked"_s, 2}}));
        const QByteArray cleared = answer.header("Set-Cookie");
        QVERIFY2(cleared.startsWith("gh_session=;") && cleared.contains("Max-Age=0") &&
                     cleared.contains("Path=/"),
                 cleared.constData());
        QCOMPARE(sessionStatus(mine), 401);
        QCOMPARE(sessionStatus(fourth), 401);
        QCOMPARE(sessionStatus(someoneElses), 200);
    }

    void scopeIsValidated()
    {
        const QString token = insertSession(db(), newUser());
        QVERIFY(!token.isEmpty());
        const QString rowsBefore = sessionsSnapshot(db());
        for (const QString &query : {u""_s, u"?scope="_s, u"?scope=mine"_s, u"?scope=ALL"_s,
                                     u"?scope=others,all"_s, u"?all"_s}) {
            const TestHttpResponse answer =
                call("DELETE", u"/api/v1/auth/sessions"_s + query, bearer(token));
            QVERIFY2(answer.status == 400, qPrintable(query));
            const QJsonObject error = answer.json().value(u"error"_s).toObject();
            QCOMPARE(error.value(u"code"_s).toString(), u"INVALID_FIELD"_s);
            QCOMPARE(error.value(u"field"_s).toString(), u"scope"_s);
            QVERIFY(!error.value(u"message"_s).toString().isEmpty());
        }
        QCOMPARE(sessionsSnapshot(db()), rowsBefore);
        QCOMPARE(sessionStatus(token), 200);
    }

    void logout()
    {
        const QString userId = newUser();
        const QString token = insertSession(db(), userId);
        const QString other = insertSession(db(), userId);
        QVERIFY(!token.isEmpty() && !other.isEmpty());
        QCOMPARE(sessionStatus(token), 200);
        const TestHttpResponse answer = call("POST", u"/api/v1/auth/logout"_s, bearer(token));
        QCOMPARE(answer.status, 204);
        QVERIFY(answer.body.isEmpty());
        QCOMPARE(answer.header("Set-Cookie"),
                 "gh_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"_ba);
        QCOMPARE(sessionStatus(token), 401);
        QCOMPARE(call("GET", u"/api/v1/auth/session"_s, cookie(token)).status, 401);
        QCOMPARE(call("POST", u"/api/v1/auth/logout"_s, bearer(token)).status, 401);
        QCOMPARE(sessionColumn(db(), idFor(token), u"status"_s), u"revoked"_s);
        QCOMPARE(sessionColumn(db(), idFor(token), u"revoked_reason"_s), u"logout"_s);
        // The tombstone of SessionCache keeps a stale refill from bringing it back.
        QCOMPARE(m_redis.cli({u"GET"_s, u"session:revoked:"_s + idFor(token)}), "1"_ba);
        QCOMPARE(sessionStatus(other), 200); // only the current session
    }
};

QTEST_GUILESS_MAIN(TestSessionHttp)
#include "TestSessionHttp.moc"
