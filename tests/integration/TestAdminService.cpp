// AdminService against real PostgreSQL, Redis and gatehoused: every action changes the row,
// drops or keeps the right cache keys and publishes its event with by = "admin:console"; a
// disabled user's session check answers 401 at once.
#include "models/console/ConsoleFilters.h"
#include "server/admin/AdminService.h"
#include "server/redis/RedisClient.h"
#include "server/redis/RedisSubscriber.h"
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"
#include "ui/ConsoleConnection.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace SessionFixtures;

class TestAdminService : public QObject
{
    Q_OBJECT

    LocalRedis m_redis;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    std::unique_ptr<ConsoleConnection> m_console;
    std::unique_ptr<RedisSubscriber> m_events;
    QList<QJsonObject> m_received;
    int m_users = 0;

    QSqlDatabase db() const { return m_db->database(); }
    AdminService &admin() { return m_console->admin(); }
    QString newUser() { return insertUser(db(), u"admin-test%1@example.org"_s.arg(++m_users)); }
    int sessionStatus(const QString &token)
    {
        return TestHttp::request("GET", m_server->url(u"/api/v1/auth/session"_s), {}, bearer(token)).status;
    }
    bool cached(const QString &token)
    {
        return m_redis.cli({u"EXISTS"_s, u"session:valid:"_s + idFor(token)}) == "1";
    }
    QString userColumn(const QString &id, const QString &column)
    {
        QSqlQuery q(db());
        q.prepare(u"SELECT CAST(%1 AS text) FROM users WHERE id = CAST(? AS uuid)"_s.arg(column));
        q.addBindValue(id);
        return q.exec() && q.next() ? q.value(0).toString() : u"<none>"_s;
    }
    // Waits for an event of this type about this user and returns it.
    QJsonObject waitForEvent(const QString &type, const QString &userId)
    {
        QJsonObject found;
        (void)QTest::qWaitFor(([&] {
            for (const QJsonObject &e : std::as_const(m_received))
                if (e.value(u"type"_s).toString() == type && e.value(u"userId"_s).toString() == userId) {
                    found = e;
                    return true;
                }
            return false;
        }), 5000);
        return found; // empty (and the comparison after it fails) when it never came
    }
    template <typename T>
    T wait(const std::function<void(std::function<void(T)>)> &action)
    {
        std::optional<T> out;
        action([&out](T value) { out.emplace(std::move(value)); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 10000))
            return T(makeError(u"TEST_TIMEOUT"_s, u"no answer"_s));
        return std::move(*out);
    }
    Status waitStatus(const std::function<void(std::function<void(Status)>)> &action)
    {
        std::optional<Status> out;
        action([&out](Status value) { out.emplace(std::move(value)); });
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 10000))
            return makeError(u"TEST_TIMEOUT"_s, u"no answer"_s);
        return *out;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_redis.start());
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(QStringList{
            u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(), u"--workers"_s, u"1"_s,
            u"--rate-limit-default"_s, u"100000/10000"_s, u"--rate-limit-session"_s, u"100000/10000"_s});
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
        m_console = std::make_unique<ConsoleConnection>();
        const Status opened = m_console->open(m_db->url(), m_redis.url());
        QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().message));
        QTRY_VERIFY(m_console->redis()->isConnected());
        m_events = std::make_unique<RedisSubscriber>(*RedisEndpoint::fromUrl(m_redis.url()));
        QSignalSpy subscribed(m_events.get(), &RedisSubscriber::subscribed);
        connect(m_events.get(), &RedisSubscriber::message, this, [this](const QByteArray &, const QByteArray &payload) {
            m_received.append(QJsonDocument::fromJson(payload).object());
        });
        m_events->start();
        for (const char *channel : {"user:updated", "session:revoked"})
            m_events->subscribe(channel);
        QTRY_COMPARE(subscribed.size(), 2);
    }

    void cleanupTestCase()
    {
        m_events.reset();
        m_console.reset();
        m_server.reset();
    }

    void revokeSessionChangesRowCacheAndPublishes()
    {
        const QString user = newUser();
        const QString token = insertSession(db(), user);
        QCOMPARE(sessionStatus(token), 200); // fills the cache
        QVERIFY(cached(token));
        const auto revoked = wait<Result<bool>>([&](auto done) {
            admin().revokeSession(idFor(token), u"stolen laptop"_s, done);
        });
        QVERIFY(revoked.ok() && *revoked);
        QCOMPARE(sessionColumn(db(), idFor(token), u"status"_s), u"revoked"_s);
        QCOMPARE(sessionColumn(db(), idFor(token), u"revoked_reason"_s), u"stolen laptop"_s);
        QVERIFY(!cached(token));
        QCOMPARE(sessionStatus(token), 401);
        const QJsonObject event = waitForEvent(u"session:revoked"_s, user);
        QCOMPARE(event.value(u"sessionId"_s).toString(), idFor(token));
        QCOMPARE(event.value(u"by"_s).toString(), u"admin:console"_s);
        QCOMPARE(event.value(u"reason"_s).toString(), u"stolen laptop"_s);
    }

    void disabledUserGets401AtOnceAndEnableRestores()
    {
        const QString user = newUser();
        const QString token = insertSession(db(), user);
        QCOMPARE(sessionStatus(token), 200);
        QVERIFY(cached(token)); // the cache holds status "active": it must be dropped
        QVERIFY(waitStatus([&](auto done) { admin().setUserDisabled(user, true, done); }).ok());
        QCOMPARE(userColumn(user, u"status"_s), u"disabled"_s);
        QCOMPARE(sessionStatus(token), 401);
        QCOMPARE(waitForEvent(u"user:updated"_s, user).value(u"by"_s).toString(), u"admin:console"_s);
        QVERIFY(waitStatus([&](auto done) { admin().setUserDisabled(user, false, done); }).ok());
        QCOMPARE(sessionStatus(token), 200);
    }

    void roleChangeEvictsTheCachedRole()
    {
        const QString user = newUser();
        const QString token = insertSession(db(), user);
        QCOMPARE(sessionStatus(token), 200);
        QVERIFY(cached(token));
        QVERIFY(waitStatus([&](auto done) { admin().setUserAdmin(user, true, done); }).ok());
        QCOMPARE(userColumn(user, u"role"_s), u"admin"_s);
        QVERIFY(!cached(token));
        const auto answer = TestHttp::request("GET", m_server->url(u"/api/v1/auth/session"_s), {}, bearer(token));
        QCOMPARE(answer.json().value(u"user"_s).toObject().value(u"role"_s).toString(), u"admin"_s);
        QVERIFY(waitStatus([&](auto done) { admin().setUserAdmin(user, false, done); }).ok());
        QCOMPARE(userColumn(user, u"role"_s), u"user"_s);
    }

    void resetTotpClearsSecret()
    {
        const QString user = newUser();
        QVERIFY(exec(db(), u"UPDATE users SET totp_enabled = TRUE, totp_secret = 'sealed' WHERE id = CAST(? AS uuid)"_s, {user}));
        QVERIFY(waitStatus([&](auto done) { admin().resetTotp(user, done); }).ok());
        QCOMPARE(userColumn(user, u"totp_enabled"_s), u"false"_s);
        QCOMPARE(userColumn(user, u"COALESCE(totp_secret, 'null')"_s), u"null"_s);
        QCOMPARE(waitForEvent(u"user:updated"_s, user).value(u"reason"_s).toString(), u"totp:reset"_s);
    }

    void removePasskeyAndUnlinkProvider()
    {
        const QString user = newUser();
        QVERIFY(exec(db(), u"INSERT INTO passkey_credentials (id, user_id, public_key, device_type) VALUES ('cred-1', CAST(? AS uuid), 'pk', 'multiDevice')"_s, {user}));
        QVERIFY(exec(db(), u"INSERT INTO auth_providers (user_id, type, provider_id) VALUES (CAST(? AS uuid), 'github', 'gh-1')"_s, {user}));
        QVERIFY(waitStatus([&](auto done) { admin().removePasskey(u"cred-1"_s, done); }).ok());
        QCOMPARE(waitStatus([&](auto done) { admin().removePasskey(u"cred-1"_s, done); }).error().code, u"NOT_FOUND"_s);
        QSqlQuery q(db());
        QVERIFY(q.exec(u"SELECT id FROM auth_providers WHERE provider_id = 'gh-1'"_s) && q.next());
        const int row = q.value(0).toInt();
        QVERIFY(waitStatus([&](auto done) { admin().unlinkProvider(row, done); }).ok());
        QVERIFY(q.exec(u"SELECT count(*) FROM passkey_credentials WHERE user_id = '%1'"_s.arg(user)) && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
        QVERIFY(q.exec(u"SELECT count(*) FROM auth_providers WHERE user_id = '%1'"_s.arg(user)) && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
        QCOMPARE(waitForEvent(u"user:updated"_s, user).value(u"by"_s).toString(), u"admin:console"_s);
    }

    void signOutEverywhereAndDelete()
    {
        const QString user = newUser();
        const QString a = insertSession(db(), user), b = insertSession(db(), user);
        QCOMPARE(sessionStatus(a), 200);
        const auto count = wait<Result<int>>([&](auto done) { admin().signOutEverywhere(user, done); });
        QVERIFY(count.ok());
        QCOMPARE(*count, 2);
        QCOMPARE(sessionStatus(a), 401);
        QCOMPARE(sessionStatus(b), 401);

        const QString doomed = newUser();
        const QString c = insertSession(db(), doomed);
        QCOMPARE(sessionStatus(c), 200);
        QVERIFY(waitStatus([&](auto done) { admin().deleteUser(doomed, done); }).ok());
        QCOMPARE(userColumn(doomed, u"id"_s), u"<none>"_s);
        QCOMPARE(sessionColumn(db(), idFor(c), u"id"_s), QString());
        QVERIFY(!cached(c));
        QCOMPARE(sessionStatus(c), 401);
        QCOMPARE(waitStatus([&](auto done) { admin().deleteUser(doomed, done); }).error().code, u"NOT_FOUND"_s);
    }

    void bulkRevokeMatchesTheFilterInBatches()
    {
        const QString user = newUser(), other = newUser();
        QStringList mine;
        for (int i = 0; i < 7; ++i)
            mine.append(insertSession(db(), user));
        const QString kept = insertSession(db(), other);
        QVERIFY(exec(db(), u"UPDATE sessions SET ip = '10.9.' || (length(id) - 60) || '.7' WHERE user_id = CAST(? AS uuid)"_s, {user}));
        SessionFilter filter;
        filter.ip = u"10.9.0.0/16"_s;
        QCOMPARE(*admin().countRevocable(filter), 7);
        BulkRevokeJob *job = admin().startBulkRevoke(filter, u"incident"_s, this, 3);
        QSignalSpy progress(job, &BulkRevokeJob::progress);
        QSignalSpy finished(job, &BulkRevokeJob::finished);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.first().at(0).toLongLong(), 7);
        QCOMPARE(finished.first().at(2).toString(), QString());
        QCOMPARE(progress.size(), 3); // 3 + 3 + 1
        for (const QString &token : mine)
            QCOMPARE(sessionColumn(db(), idFor(token), u"status"_s), u"revoked"_s);
        QCOMPARE(sessionColumn(db(), idFor(kept), u"status"_s), u"active"_s);
        QCOMPARE(*admin().countRevocable(filter), 0);
        delete job;
    }

    void bulkRevokeCanBeCancelled()
    {
        const QString user = newUser();
        for (int i = 0; i < 6; ++i)
            insertSession(db(), user);
        SessionFilter filter;
        filter.user = user;
        BulkRevokeJob *job = admin().startBulkRevoke(filter, u"incident"_s, this, 2);
        QSignalSpy finished(job, &BulkRevokeJob::finished);
        connect(job, &BulkRevokeJob::progress, job, &BulkRevokeJob::cancel); // after the first batch
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QCOMPARE(finished.first().at(0).toLongLong(), 2);
        QVERIFY(finished.first().at(1).toBool());
        QCOMPARE(*admin().countRevocable(filter), 4);
        delete job;
    }
};

QTEST_GUILESS_MAIN(TestAdminService)
#include "TestAdminService.moc"
