// The admin HTTP API (API.md `/api/v1/admin/...`) against a real gatehoused: only role=admin
// callers get in; pages of users and sessions walk every row exactly once with keyset cursors
// and filters; bad parameters answer 400 naming them; disabling a user revokes their sessions
// at once (their next session check is 401, cache keys gone) and enabling lets them sign in
// again; revoking one session or all of a user's.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"

#include <QJsonArray>
#include <QSet>
#include <QSqlQuery>
#include <QtTest>

using namespace SessionFixtures;
using namespace Qt::StringLiterals;

class TestAdminHttp : public QObject
{
    Q_OBJECT

    LocalRedis m_redis;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    QString m_adminId;
    QString m_adminToken;

    QSqlDatabase db() const { return m_db->database(); }
    TestHttpResponse call(const QByteArray &method, const QString &path, const QString &token)
    {
        return TestHttp::request(method, m_server->url(path), {}, bearer(token));
    }
    static QString errorCode(const TestHttpResponse &response)
    {
        return response.json().value(u"error"_s).toObject().value(u"code"_s).toString();
    }
    QString userStatus(const QString &id)
    {
        QSqlQuery q(db());
        q.prepare(u"SELECT status FROM users WHERE id = ?::uuid"_s);
        q.addBindValue(id);
        return q.exec() && q.next() ? q.value(0).toString() : QString();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_redis.start());
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(QStringList{
            u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(), u"--workers"_s, u"2"_s,
            u"--rate-limit-default"_s, u"100000/10000"_s, u"--rate-limit-session"_s, u"100000/10000"_s});
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
        m_adminId = insertUser(db(), u"root@example.org"_s, u"admin"_s);
        m_adminToken = insertSession(db(), m_adminId);
        QVERIFY(!m_adminToken.isEmpty());
    }
    void cleanupTestCase()
    {
        m_server.reset();
        m_db.reset();
    }

    void onlyAdminsGetIn()
    {
        const QString userId = insertUser(db(), u"plain@example.org"_s);
        const QString token = insertSession(db(), userId);
        for (const QString &path : {u"/api/v1/admin/users"_s, u"/api/v1/admin/sessions"_s}) {
            QCOMPARE(TestHttp::get(m_server->url(path)).status, 401);
            const auto refused = call("GET", path, token);
            QCOMPARE(refused.status, 403);
            QCOMPARE(errorCode(refused), u"FORBIDDEN"_s);
            QCOMPARE(call("GET", path, m_adminToken).status, 200);
        }
        QCOMPARE(call("POST", u"/api/v1/admin/users/"_s + userId + u"/disable"_s, token).status, 403);
        QCOMPARE(userStatus(userId), u"active"_s);
    }

    void usersPageThroughEveryRowOnce()
    {
        QSet<QString> created;
        for (int i = 0; i < 23; ++i)
            created.insert(insertUser(db(), u"pager%1@example.org"_s.arg(i)));
        QSet<QString> seen;
        QString after;
        int pages = 0;
        do {
            QString path = u"/api/v1/admin/users?q=pager&limit=5"_s;
            if (!after.isEmpty())
                path += u"&after="_s + after;
            const auto page = call("GET", path, m_adminToken);
            QCOMPARE(page.status, 200);
            const QJsonArray users = page.json().value(u"users"_s).toArray();
            QVERIFY(users.size() <= 5);
            for (const QJsonValue &user : users) {
                const QString id = user.toObject().value(u"id"_s).toString();
                QVERIFY2(!seen.contains(id), "a user appeared on two pages");
                seen.insert(id);
                QVERIFY(user.toObject().value(u"email"_s).toString().startsWith(u"pager"_s));
            }
            after = page.json().value(u"nextCursor"_s).toString();
            QVERIFY(++pages <= 6);
        } while (!after.isEmpty());
        QCOMPARE(seen, created);

        const QString one = *created.begin();
        const auto byId = call("GET", u"/api/v1/admin/users?q="_s + one, m_adminToken);
        QCOMPARE(byId.json().value(u"users"_s).toArray().size(), 1);
        const auto admins = call("GET", u"/api/v1/admin/users?role=admin"_s, m_adminToken);
        QCOMPARE(admins.json().value(u"users"_s).toArray().size(), 1);
        // Wildcards in the search are literal.
        QCOMPARE(call("GET", u"/api/v1/admin/users?q=%25"_s, m_adminToken).json().value(u"users"_s).toArray().size(), 0);
    }

    void badParametersAreNamed_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("field");
        QTest::newRow("limit zero") << u"/api/v1/admin/users?limit=0"_s << u"limit"_s;
        QTest::newRow("limit huge") << u"/api/v1/admin/sessions?limit=100000"_s << u"limit"_s;
        QTest::newRow("limit text") << u"/api/v1/admin/users?limit=ten"_s << u"limit"_s;
        QTest::newRow("cursor garbage") << u"/api/v1/admin/users?after=%%%"_s << u"after"_s;
        QTest::newRow("cursor forged") << u"/api/v1/admin/sessions?after=bm90LWEtY3Vyc29y"_s << u"after"_s;
        QTest::newRow("status") << u"/api/v1/admin/users?status=deleted"_s << u"status"_s;
        QTest::newRow("role") << u"/api/v1/admin/users?role=root"_s << u"role"_s;
        QTest::newRow("session status") << u"/api/v1/admin/sessions?status=zombie"_s << u"status"_s;
        QTest::newRow("user id") << u"/api/v1/admin/sessions?userId=1%20OR%201=1"_s << u"userId"_s;
        QTest::newRow("search length") << u"/api/v1/admin/users?q="_s + QString(300, u'x') << u"q"_s;
    }
    void badParametersAreNamed()
    {
        QFETCH(QString, path);
        QFETCH(QString, field);
        const auto response = call("GET", path, m_adminToken);
        QCOMPARE(response.status, 400);
        QCOMPARE(errorCode(response), u"INVALID_PARAMETER"_s);
        QCOMPARE(response.json().value(u"error"_s).toObject().value(u"field"_s).toString(), field);
    }

    void disablingRevokesAtOnceAndEnablingRestores()
    {
        const QString userId = insertUser(db(), u"leaver@example.org"_s);
        const QString first = insertSession(db(), userId);
        const QString second = insertSession(db(), userId);
        // Both sessions are cached by a check before the user is disabled.
        for (const QString &token : {first, second})
            QCOMPARE(call("GET", u"/api/v1/auth/session"_s, token).status, 200);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"session:"_s + idFor(first)}), "1"_ba);

        const auto disabled = call("POST", u"/api/v1/admin/users/"_s + userId + u"/disable"_s, m_adminToken);
        QCOMPARE(disabled.status, 200);
        QCOMPARE(disabled.json().value(u"user"_s).toObject().value(u"status"_s).toString(), u"disabled"_s);
        QCOMPARE(disabled.json().value(u"revokedSessions"_s).toInt(), 2);
        QCOMPARE(userStatus(userId), u"disabled"_s);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"session:"_s + idFor(first)}), "0"_ba);
        for (const QString &token : {first, second})
            QCOMPARE(call("GET", u"/api/v1/auth/session"_s, token).status, 401);
        QCOMPARE(sessionColumn(db(), idFor(first), u"revoked_reason"_s), u"user_disabled"_s);

        const auto enabled = call("POST", u"/api/v1/admin/users/"_s + userId + u"/enable"_s, m_adminToken);
        QCOMPARE(enabled.status, 200);
        QCOMPARE(userStatus(userId), u"active"_s);
        const QString fresh = insertSession(db(), userId);
        QCOMPARE(call("GET", u"/api/v1/auth/session"_s, fresh).status, 200);

        const auto self = call("POST", u"/api/v1/admin/users/"_s + m_adminId + u"/disable"_s, m_adminToken);
        QCOMPARE(self.status, 409);
        QCOMPARE(userStatus(m_adminId), u"active"_s);
        QCOMPARE(call("POST", u"/api/v1/admin/users/00000000-0000-4000-8000-000000000000/disable"_s, m_adminToken).status, 404);
        QCOMPARE(call("POST", u"/api/v1/admin/users/nope/disable"_s, m_adminToken).status, 404);
    }

    void revokingSessions()
    {
        const QString userId = insertUser(db(), u"many@example.org"_s);
        const QString a = insertSession(db(), userId);
        const QString b = insertSession(db(), userId);
        const QString c = insertSession(db(), userId);

        const auto listed = call("GET", u"/api/v1/admin/sessions?status=active&userId="_s + userId, m_adminToken);
        QCOMPARE(listed.status, 200);
        const QJsonArray sessions = listed.json().value(u"sessions"_s).toArray();
        QCOMPARE(sessions.size(), 3);
        QCOMPARE(sessions.first().toObject().value(u"userId"_s).toString(), userId);

        QCOMPARE(call("DELETE", u"/api/v1/admin/sessions/"_s + idFor(a) + u"?reason=stolen%20laptop"_s, m_adminToken).status, 204);
        QCOMPARE(sessionColumn(db(), idFor(a), u"revoked_reason"_s), u"stolen laptop"_s);
        QCOMPARE(call("GET", u"/api/v1/auth/session"_s, a).status, 401);
        QCOMPARE(call("DELETE", u"/api/v1/admin/sessions/"_s + idFor(a), m_adminToken).status, 404);
        QCOMPARE(call("DELETE", u"/api/v1/admin/sessions/xyz"_s, m_adminToken).status, 404);

        const auto all = call("DELETE", u"/api/v1/admin/users/"_s + userId + u"/sessions"_s, m_adminToken);
        QCOMPARE(all.status, 200);
        QCOMPARE(all.json().value(u"revoked"_s).toInt(), 2);
        for (const QString &token : {b, c})
            QCOMPARE(call("GET", u"/api/v1/auth/session"_s, token).status, 401);
        const auto revoked = call("GET", u"/api/v1/admin/sessions?status=revoked&userId="_s + userId, m_adminToken);
        QCOMPARE(revoked.json().value(u"sessions"_s).toArray().size(), 3);
    }
};

QTEST_GUILESS_MAIN(TestAdminHttp)
#include "TestAdminHttp.moc"
