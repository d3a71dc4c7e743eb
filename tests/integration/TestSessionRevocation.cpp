// SessionService revocation and sweeping against real PostgreSQL and Redis
// (SessionServiceHarness): revoke() updates the row, deletes the keys, leaves a tombstone that
// refuses a racing refill and publishes session:revoked; a session of another user is not
// revoked; revokeAllForUser spares the given session and other users; sweep() expires what the
// injected clock says is past its absolute or idle lifetime, in batches. Creation and the
// session check: TestSessionService.

#include "server/sessions/SessionCache.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/SessionServiceHarness.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace {

const QString kFirefoxLinux =
    u"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"_s;

QString sharedUrl()
{
    return qEnvironmentVariable("GH_TEST_REDIS_URL");
}

QString sha256Hex(const QString &token)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(token.toLatin1(), QCryptographicHash::Sha256).toHex());
}

QString text(const QVariantMap &row, const char *name)
{
    return row.value(QString::fromLatin1(name)).toString();
}

QDateTime column(const QVariantMap &row, const char *name)
{
    return row.value(QString::fromLatin1(name)).toDateTime().toUTC();
}

bool waitUntil(const std::function<bool()> &condition, int timeoutMs = 5000)
{
    return SessionServiceHarness::waitUntil(condition, timeoutMs);
}

struct Signed
{
    QString token;
    QString id;
};

} // namespace

class TestSessionRevocation : public QObject
{
    Q_OBJECT

    // Signs `user` in; an empty token when that failed (the caller QVERIFYs it).
    static Signed signIn(SessionServiceHarness &h, const User &user)
    {
        auto created = h.create(user, kFirefoxLinux);
        if (!created) {
            qWarning("create failed: %s", failureText(created).constData());
            return {};
        }
        return {created->token, sha256Hex(created->token)};
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(!sharedUrl().isEmpty(), "GH_TEST_REDIS_URL is not set: run through scripts/test");
        QVERIFY2(!qEnvironmentVariableIsEmpty("GH_TEST_DATABASE_URL"),
                 "GH_TEST_DATABASE_URL is not set: run through scripts/test");
    }

    void revokeUpdatesRowDeletesKeysAndPublishes()
    {
        SessionServiceHarness h(sharedUrl());
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        EventInbox inbox(sharedUrl(), {"session:revoked"});
        QVERIFY(waitUntil([&] { return inbox.isReady(); }));
        const User user = h.insertUser();
        const Signed session = signIn(h, user);
        QVERIFY(!session.token.isEmpty());
        QVERIFY(h.isCached(session.id));
        const QJsonObject cachedBefore = h.cachedJson(session.id);

        h.advance(90);
        const QDateTime revokedAt = h.now();
        auto revoked = h.revoke(session.id, u"logout"_s, user.id, user.id);
        QVERIFY2(revoked, failureText(revoked).constData());
        QCOMPARE(*revoked, true);

        const QVariantMap row = h.sessionRow(session.id);
        QCOMPARE(text(row, "status"), u"revoked"_s);
        QCOMPARE(column(row, "revoked_at"), revokedAt);
        QCOMPARE(text(row, "revoked_reason"), u"logout"_s);
        QVERIFY(h.isUncached(session.id));
        const QByteArray tombstone = SessionCache::revokedKey(session.id);
        QCOMPARE(tombstone, "session:revoked:" + session.id.toLatin1());
        QVERIFY(h.exists(tombstone));
        const qint64 ttl = h.ttl(tombstone);
        QVERIFY2(ttl > 0 && ttl <= 300, qPrintable(QString::number(ttl)));

        QVERIFY(waitUntil([&] { return !inbox.events("session:revoked", session.id).isEmpty(); }));
        QTest::qWait(50);
        const QList<QJsonObject> events = inbox.events("session:revoked", session.id);
        QCOMPARE(events.size(), 1);
        const QJsonObject event = events.first();
        QStringList keys = event.keys();
        keys.sort();
        QCOMPARE(keys, (QStringList{u"at"_s, u"by"_s, u"instance"_s, u"reason"_s, u"sessionId"_s,
                                    u"type"_s, u"userId"_s}));
        QCOMPARE(event.value(u"type"_s).toString(), u"session:revoked"_s);
        QCOMPARE(event.value(u"userId"_s).toString(), user.id);
        QCOMPARE(event.value(u"sessionId"_s).toString(), session.id);
        QCOMPARE(event.value(u"reason"_s).toString(), u"logout"_s);
        QCOMPARE(event.value(u"by"_s).toString(), user.id);
        QCOMPARE(event.value(u"instance"_s).toString(), h.instance());

        // The token is refused, from PostgreSQL, and that refusal caches nothing.
        auto checked = h.check(session.token);
        QVERIFY(!checked);
        QCOMPARE(checked.error().code, u"SESSION_INVALID"_s);
        QVERIFY(h.isUncached(session.id));

        // A refill that read the row just before the revocation comes too late: refused.
        const SessionCache cache(&h.redis(), 300);
        const auto stale = CachedSession::fromJson(QJsonDocument(cachedBefore).toJson());
        QVERIFY(stale.has_value());
        std::optional<bool> stored;
        cache.store(session.id, *stale, [&](bool ok) { stored = ok; });
        QVERIFY(waitUntil([&] { return stored.has_value(); }));
        QCOMPARE(*stored, false);
        QVERIFY(h.isUncached(session.id));
        QVERIFY(!h.check(session.token));

        // Revoking it again revokes nothing and publishes nothing; the row keeps its data.
        h.advance(10);
        auto again = h.revoke(session.id, u"again"_s, user.id, user.id);
        QVERIFY2(again, failureText(again).constData());
        QCOMPARE(*again, false);
        QCOMPARE(column(h.sessionRow(session.id), "revoked_at"), revokedAt);
        QCOMPARE(text(h.sessionRow(session.id), "revoked_reason"), u"logout"_s);
        QTest::qWait(100);
        QCOMPARE(inbox.events("session:revoked", session.id).size(), 1);
    }

    void revokeWaitsOutAStalledRedis()
    {
        // Redis stalls longer than the command timeout: the first DEL is lost with the
        // connection. The revocation must retry until the keys are gone, or the revoked
        // session would stay valid from the cache for the whole TTL.
        LocalRedis redis;
        QVERIFY(redis.start());
        SessionServiceHarness h(redis.url());
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        const User user = h.insertUser();
        const Signed session = signIn(h, user);
        QVERIFY(h.isCached(session.id));
        QVERIFY(redis.pause(2500));
        auto revoked = h.revoke(session.id, u"logout"_s, user.id, user.id);
        QVERIFY2(revoked, failureText(revoked).constData());
        QCOMPARE(*revoked, true);
        QVERIFY(!h.isCached(session.id));
        QVERIFY(!h.check(session.token));
    }

    void revokeOfAnotherUsersSessionChangesNothing()
    {
        SessionServiceHarness h(sharedUrl());
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        EventInbox inbox(sharedUrl(), {"session:revoked"});
        QVERIFY(waitUntil([&] { return inbox.isReady(); }));
        const User alice = h.insertUser();
        const User mallory = h.insertUser();
        const Signed session = signIn(h, alice);
        QVERIFY(!session.token.isEmpty());
        const QString rowsBefore = h.snapshot();

        auto revoked = h.revoke(session.id, u"stolen"_s, mallory.id, mallory.id);
        QVERIFY2(revoked, failureText(revoked).constData());
        QCOMPARE(*revoked, false);
        auto unknown = h.revoke(sha256Hex(u"no such token"_s), u"x"_s, alice.id, alice.id);
        QVERIFY2(unknown, failureText(unknown).constData());
        QCOMPARE(*unknown, false);

        QCOMPARE(h.snapshot(), rowsBefore);
        // A revoke that matches nothing evicts the cache entry (a retry after a failed eviction
        // lands here), but leaves no tombstone: the session refills and stays valid.
        QVERIFY(!h.exists(SessionCache::revokedKey(session.id)));
        QVERIFY(h.check(session.token));
        QVERIFY(h.isCached(session.id));
        QTest::qWait(200);
        QVERIFY(inbox.events("session:revoked", session.id).isEmpty());
    }

    void revokeAllForUserSparesTheCurrentSessionAndOtherUsers()
    {
        SessionServiceHarness h(sharedUrl());
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        EventInbox inbox(sharedUrl(), {"session:revoked"});
        QVERIFY(waitUntil([&] { return inbox.isReady(); }));
        const User alice = h.insertUser();
        const User bob = h.insertUser();
        QList<Signed> mine;
        for (int i = 0; i < 4; ++i) {
            mine << signIn(h, alice);
            QVERIFY(!mine.last().token.isEmpty());
        }
        const Signed current = mine.takeFirst();
        const Signed bobs = signIn(h, bob);
        QVERIFY(!bobs.token.isEmpty());

        h.advance(5);
        auto count = h.revokeAllForUser(alice.id, current.id, u"signed out elsewhere"_s, alice.id);
        QVERIFY2(count, failureText(count).constData());
        QCOMPARE(*count, 3);

        for (const Signed &other : mine) {
            const QVariantMap row = h.sessionRow(other.id);
            QCOMPARE(text(row, "status"), u"revoked"_s);
            QCOMPARE(text(row, "revoked_reason"), u"signed out elsewhere"_s);
            QCOMPARE(column(row, "revoked_at"), h.now());
            QVERIFY(h.isUncached(other.id));
            QVERIFY(h.exists(SessionCache::revokedKey(other.id)));
            QVERIFY(!h.check(other.token));
        }
        QVERIFY(
            waitUntil([&] { return inbox.events("session:revoked", {}, alice.id).size() >= 3; }));
        QTest::qWait(50);
        const QList<QJsonObject> events = inbox.events("session:revoked", {}, alice.id);
        QCOMPARE(events.size(), 3);
        QStringList announced;
        for (const QJsonObject &event : events) {
            announced << event.value(u"sessionId"_s).toString();
            QCOMPARE(event.value(u"reason"_s).toString(), u"signed out elsewhere"_s);
            QCOMPARE(event.value(u"by"_s).toString(), alice.id);
        }
        announced.sort();
        QStringList expected;
        for (const Signed &other : mine)
            expected << other.id;
        expected.sort();
        QCOMPARE(announced, expected);

        for (const Signed &kept : {current, bobs}) {
            QCOMPARE(text(h.sessionRow(kept.id), "status"), u"active"_s);
            QVERIFY(h.sessionRow(kept.id).value(u"revoked_at"_s).isNull());
            QVERIFY(h.isCached(kept.id));
            QVERIFY(!h.exists(SessionCache::revokedKey(kept.id)));
            QVERIFY(h.check(kept.token));
        }

        // Nothing left to revoke but the current one; then "all" takes that too.
        auto none = h.revokeAllForUser(alice.id, current.id, u"again"_s, alice.id);
        QVERIFY(none);
        QCOMPARE(*none, 0);
        auto all = h.revokeAllForUser(alice.id, {}, u"all"_s, u"admin:"_s + bob.id);
        QVERIFY(all);
        QCOMPARE(*all, 1);
        QCOMPARE(text(h.sessionRow(current.id), "status"), u"revoked"_s);
        QVERIFY(h.isUncached(current.id));
        QVERIFY(!h.check(current.token));
        QCOMPARE(text(h.sessionRow(bobs.id), "status"), u"active"_s);
        QVERIFY(waitUntil([&] { return inbox.events("session:revoked", current.id).size() == 1; }));
        QCOMPARE(inbox.events("session:revoked", current.id).first().value(u"by"_s).toString(),
                 u"admin:"_s + bob.id);
    }

    void sweepExpiresStaleSessionsOnly()
    {
        SessionSettings settings;
        settings.lifetimeSeconds = 3600;
        settings.idleTimeoutSeconds = 600;
        SessionServiceHarness h(sharedUrl(), settings);
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        const User user = h.insertUser();
        const QDateTime t0 = h.now();

        // `absolute` expires at t0+3600 and is kept busy until then (last write t0+3500);
        // `idle` is signed in at t0+2900 and never used again: idle from t0+3500.
        const Signed absolute = signIn(h, user);
        Signed idle;
        for (int at : {500, 1000, 1500, 2000, 2500, 2900, 3000, 3500}) {
            h.setNow(t0.addSecs(at));
            if (at == 2900)
                idle = signIn(h, user);
            else
                QVERIFY(h.check(absolute.token));
        }
        QCOMPARE(column(h.sessionRow(absolute.id), "last_activity_at"), h.now());
        const Signed fresh = signIn(h, user);
        const Signed revoked = signIn(h, user);
        for (const Signed &s : {absolute, idle, fresh, revoked})
            QVERIFY(!s.token.isEmpty());
        auto done = h.revoke(revoked.id, u"logout"_s, user.id);
        QVERIFY(done && *done);
        const QVariantMap revokedRow = h.sessionRow(revoked.id);

        // Nothing is stale a second too early.
        h.setNow(t0.addSecs(3499));
        auto early = h.sweep(1000);
        QVERIFY2(early, failureText(early).constData());
        QCOMPARE(*early, 0);

        h.setNow(t0.addSecs(3600));
        auto swept = h.sweep(1000);
        QVERIFY2(swept, failureText(swept).constData());
        QCOMPARE(*swept, 2);
        for (const Signed &s : {absolute, idle}) {
            QCOMPARE(text(h.sessionRow(s.id), "status"), u"expired"_s);
            QVERIFY(h.sessionRow(s.id).value(u"revoked_at"_s).isNull());
            QVERIFY(h.isUncached(s.id));
            QVERIFY(!h.check(s.token));
        }
        QCOMPARE(text(h.sessionRow(fresh.id), "status"), u"active"_s);
        QVERIFY(h.isCached(fresh.id));
        QCOMPARE(h.sessionRow(revoked.id), revokedRow); // a revoked session stays revoked
        QVERIFY(h.check(fresh.token));

        auto again = h.sweep(1000);
        QVERIFY(again);
        QCOMPARE(*again, 0);
    }

    void sweepWorksInBatches()
    {
        SessionSettings settings;
        settings.idleTimeoutSeconds = 600;
        SessionServiceHarness h(sharedUrl(), settings);
        QVERIFY2(h.isValid(), qPrintable(h.errorString()));
        const User user = h.insertUser();
        QList<Signed> sessions;
        for (int i = 0; i < 5; ++i) {
            sessions << signIn(h, user);
            QVERIFY(!sessions.last().token.isEmpty());
        }
        h.advance(600);
        QList<int> counts;
        for (int round = 0; round < 4; ++round) {
            auto swept = h.sweep(2);
            QVERIFY2(swept, failureText(swept).constData());
            counts << *swept;
        }
        QCOMPARE(counts, (QList<int>{2, 2, 1, 0}));
        for (const Signed &s : sessions) {
            QCOMPARE(text(h.sessionRow(s.id), "status"), u"expired"_s);
            QVERIFY(h.isUncached(s.id));
        }
    }
};

QTEST_GUILESS_MAIN(TestSessionRevocation)
#include "TestSessionRevocation.moc"
