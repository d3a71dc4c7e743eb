// TOTP registration and sign-in over HTTP against the real gatehoused (issue 5): the whole
// register → verify → sign-in flow, what lands in PostgreSQL and Redis, wrong codes, the pending
// registration dropped after 5 wrong codes or when expired, single-use and burnt login tokens,
// replayed codes, no enumeration through login/totp, disabled users, the per-account lockout
// and its expiry, and every kind of bad request body (400 naming the field, nothing written).
//
// Codes come from tests/support/TotpTestClient (Qt's own HMAC, not the server's code). Redis is
// a private LocalRedis so its keys can be read and counted.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"
#include "tests/support/TotpTestClient.h"

#include <QJsonDocument>
#include <QSqlQuery>
#include <QtTest>
#include <memory>

using namespace TotpTestClient;
using namespace Qt::StringLiterals;

namespace {
constexpr int kLockoutAttempts = 7;
constexpr int kLockoutSeconds = 3;
} // namespace

class TestTotpHttp : public QObject
{
    Q_OBJECT

private:
    LocalRedis m_redis;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    int m_emails = 0;

    QSqlDatabase db() const { return m_db->database(); }
    QString newEmail() { return u"totp%1@example.org"_s.arg(++m_emails); }
    TestHttpResponse call(const QString &path, const QJsonObject &body) { return post(*m_server, path, body); }
    QJsonObject redisJson(const QByteArray &key) const
    {
        return QJsonDocument::fromJson(m_redis.cli({u"GET"_s, QString::fromLatin1(key)})).object();
    }
    qint64 redisTtlMs(const QString &key) const { return m_redis.cli({u"PTTL"_s, key}).toLongLong(); }
    bool redisExists(const QString &key) const { return m_redis.cli({u"EXISTS"_s, key}) == "1"; }
    // Every key but the rate limiter's buckets and the failure statistics (written by design).
    QStringList redisKeys() const
    {
        QStringList keys;
        for (const QByteArray &key : m_redis.cli({u"KEYS"_s, u"*"_s}).split('\n'))
            if (!key.isEmpty() && !key.startsWith("ratelimit:") && !key.startsWith("stats:"))
                keys.append(QString::fromLatin1(key));
        keys.sort();
        return keys;
    }
    QString sql(const QString &query, const QVariantList &values = {}) const
    {
        QSqlQuery q(db());
        q.prepare(query);
        for (const QVariant &v : values)
            q.addBindValue(v);
        if (!q.exec() || !q.next())
            return {};
        return q.value(0).toString();
    }
    QString databaseSnapshot() const
    {
        return sql(u"SELECT coalesce(string_agg(u.id::text || u.email || u.status || coalesce(u.totp_last_step, -1), ',' "
                   "ORDER BY u.id), '') || '|' || (SELECT count(*) FROM auth_providers) || '|' || "
                   "(SELECT count(*) FROM sessions) FROM users u"_s);
    }
    QString startLogin(const QString &email)
    {
        const TestHttpResponse answer = call(u"/api/v1/auth/login/totp"_s, {{u"email"_s, email}});
        return answer.status == 200 ? answer.json().value(u"loginToken"_s).toString() : QString();
    }
    TestHttpResponse verifyLogin(const QString &token, const QByteArray &code)
    {
        return call(u"/api/v1/auth/login/totp/verify"_s, {{u"loginToken"_s, token}, {u"code"_s, QString::fromLatin1(code)}});
    }
    // A code that none of now-1, now, now+1 produces for the secret.
    static QByteArray wrongCode(const Account &account)
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch() / 30;
        QList<QByteArray> window;
        for (qint64 s = now - 2; s <= now + 2; ++s)
            window.append(hotp(account.secret, s));
        QByteArray code = "000000"_ba;
        for (int i = 1; window.contains(code); ++i)
            code = QByteArray::number(i * 7919 % 1000000).rightJustified(6, '0');
        return code;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_redis.start());
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(QStringList{
            u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(), u"--workers"_s, u"2"_s,
            u"--rate-limit-default"_s, u"100000/10000"_s, u"--rate-limit-auth"_s, u"100000/10000"_s,
            u"--totp-issuer"_s, u"Gatehouse Test"_s,
            u"--totp-lockout-attempts"_s, QString::number(kLockoutAttempts),
            u"--totp-lockout-window"_s, u"60"_s,
            u"--totp-lockout-duration"_s, QString::number(kLockoutSeconds)});
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
    }

    void cleanupTestCase()
    {
        if (m_server) {
            QVERIFY2(m_server->running(), qPrintable(m_server->log()));
            // No secret, code or token in the log.
            QVERIFY(!m_server->log().contains(u"totpSecret"_s));
        }
        m_server.reset();
        m_db.reset();
    }

    void registerVerifySignIn()
    {
        const QString email = newEmail();
        // Mixed case and spaces: stored normalised.
        const TestHttpResponse started = call(u"/api/v1/auth/register/totp"_s,
            {{u"email"_s, u"  "_s + email.toUpper() + u" "_s}, {u"firstName"_s, u"Grace"_s}, {u"lastName"_s, u"Hopper"_s}});
        QCOMPARE(started.status, 201);
        const QJsonObject answer = started.json();
        QCOMPARE(answer.keys(), (QStringList{u"otpauthUri"_s, u"qrSvg"_s, u"totpSecret"_s, u"userId"_s}));
        const QString userId = answer.value(u"userId"_s).toString();
        const QString base32 = answer.value(u"totpSecret"_s).toString();
        Account account{QString(), email, base32Decode(base32)};
        QCOMPARE(account.secret.size(), 20);
        QCOMPARE(answer.value(u"otpauthUri"_s).toString(),
                 u"otpauth://totp/Gatehouse%20Test:"_s + email + u"?secret="_s + base32 +
                     u"&issuer=Gatehouse%20Test&algorithm=SHA1&digits=6&period=30"_s);
        QVERIFY(answer.value(u"qrSvg"_s).toString().startsWith(u"<svg xmlns=\"http://www.w3.org/2000/svg\""_s));

        // The pending registration, exactly as API.md has it, sealed secret and a 10-minute TTL.
        const QByteArray pendingKey = "pending_registration:"_ba + userId.toLatin1();
        const QJsonObject pending = redisJson(pendingKey);
        QCOMPARE(pending.keys(), (QStringList{u"createdAt"_s, u"email"_s, u"firstName"_s, u"lastName"_s,
                                              u"totpSecretEnc"_s, u"userId"_s}));
        QCOMPARE(pending.value(u"email"_s).toString(), email);
        QCOMPARE(pending.value(u"userId"_s).toString(), userId);
        QVERIFY(!pending.value(u"totpSecretEnc"_s).toString().contains(base32));
        QVERIFY(QDateTime::fromString(pending.value(u"createdAt"_s).toString(), Qt::ISODateWithMs).isValid());
        const qint64 ttl = redisTtlMs(QString::fromLatin1(pendingKey));
        QVERIFY2(ttl > 590000 && ttl <= 600000, QByteArray::number(ttl).constData());
        QVERIFY(sql(u"SELECT count(*) FROM users WHERE email = ?"_s, {email}) == u"0"_s);

        // A wrong code: 400, the registration stays.
        TestHttpResponse verified = call(u"/api/v1/auth/register/totp/verify"_s,
                                         {{u"userId"_s, userId}, {u"code"_s, QString::fromLatin1(wrongCode(account))}});
        QCOMPARE(verified.status, 400);
        QCOMPARE(errorCode(verified), u"TOTP_INVALID"_s);
        QVERIFY(redisExists(QString::fromLatin1(pendingKey)));

        verified = call(u"/api/v1/auth/register/totp/verify"_s,
                        {{u"userId"_s, userId}, {u"code"_s, QString::fromLatin1(nextCode(account))}});
        QCOMPARE(verified.status, 201);
        QCOMPARE(verified.json().keys(), QStringList{u"user"_s});
        const QJsonObject user = verified.json().value(u"user"_s).toObject();
        QCOMPARE(user.value(u"id"_s).toString(), userId);
        QCOMPARE(user.value(u"email"_s).toString(), email);
        QCOMPARE(user.value(u"emailVerified"_s).toBool(true), false);
        QCOMPARE(user.value(u"totpEnabled"_s).toBool(), true);
        QCOMPARE(user.value(u"firstName"_s).toString(), u"Grace"_s);
        QVERIFY(!redisExists(QString::fromLatin1(pendingKey)));
        QVERIFY(!redisExists(u"pending_registration_attempts:"_s + userId));
        // The row: the secret sealed (not the base32, not the raw bytes), the email provider.
        const QString stored = sql(u"SELECT totp_secret FROM users WHERE id = ?::uuid"_s, {userId});
        QCOMPARE(stored.size(), 66);
        QCOMPARE(stored, pending.value(u"totpSecretEnc"_s).toString());
        QCOMPARE(sql(u"SELECT type || ':' || provider_id FROM auth_providers WHERE user_id = ?::uuid"_s, {userId}),
                 u"email:"_s + email);
        QCOMPARE(sql(u"SELECT email_verified FROM users WHERE id = ?::uuid"_s, {userId}), u"false"_s);
        QCOMPARE(sql(u"SELECT totp_last_step FROM users WHERE id = ?::uuid"_s, {userId}).toLongLong(), account.lastStep);
        // Completed: the same registration cannot be verified twice.
        verified = call(u"/api/v1/auth/register/totp/verify"_s,
                        {{u"userId"_s, userId}, {u"code"_s, QString::fromLatin1(nextCode(account))}});
        QCOMPARE(verified.status, 404);
        QCOMPARE(errorCode(verified), u"REGISTRATION_NOT_FOUND"_s);
        account.lastStep -= 1; // that code was never accepted

        // Sign in: login/totp, then the code.
        const TestHttpResponse login = call(u"/api/v1/auth/login/totp"_s, {{u"email"_s, email.toUpper()}});
        QCOMPARE(login.status, 200);
        QCOMPARE(login.json().keys(), (QStringList{u"loginToken"_s, u"totpRequired"_s}));
        QCOMPARE(login.json().value(u"totpRequired"_s).toBool(), true);
        const QString token = login.json().value(u"loginToken"_s).toString();
        QCOMPARE(token.size(), 43);
        const QJsonObject attempt = redisJson("login_attempt:"_ba + token.toLatin1());
        QCOMPARE(attempt.keys(), (QStringList{u"attempts"_s, u"createdAt"_s, u"userId"_s}));
        QCOMPARE(attempt.value(u"userId"_s).toString(), userId);
        QCOMPARE(attempt.value(u"attempts"_s).toInt(-1), 0);
        QVERIFY(redisTtlMs(u"login_attempt:"_s + token) > 0);

        const QByteArray code = nextCode(account);
        const TestHttpResponse signedIn = verifyLogin(token, code);
        QCOMPARE(signedIn.status, 200);
        const QJsonObject session = signedIn.json();
        QVERIFY(session.contains(u"sessionToken"_s) && session.contains(u"session"_s) && session.contains(u"user"_s));
        QCOMPARE(session.value(u"user"_s).toObject().value(u"id"_s).toString(), userId);
        QVERIFY(signedIn.header("Set-Cookie").startsWith("gh_session="));
        const QString sessionToken = session.value(u"sessionToken"_s).toString();
        QCOMPARE(TestHttp::request("GET"_ba, m_server->url(u"/api/v1/auth/session"_s), {},
                                   SessionFixtures::bearer(sessionToken)).status, 200);
        QVERIFY(!redisExists(u"login_attempt:"_s + token));

        // The token is single-use, even with a fresh good code.
        TestHttpResponse again = verifyLogin(token, nextCode(account));
        QCOMPARE(again.status, 400);
        QCOMPARE(errorCode(again), u"LOGIN_TOKEN_INVALID"_s);
        account.lastStep -= 1;
        // The code just used is refused on a new token too (replay), and counts as a failure.
        const QString token2 = startLogin(email);
        again = verifyLogin(token2, code);
        QCOMPARE(again.status, 400);
        QCOMPARE(errorCode(again), u"TOTP_INVALID"_s);
        QCOMPARE(redisJson("login_attempt:"_ba + token2.toLatin1()).value(u"attempts"_s).toInt(), 1);
        // The next code on the same token signs in.
        QCOMPARE(verifyLogin(token2, nextCode(account)).status, 200);
        QCOMPARE(sql(u"SELECT count(*) FROM sessions WHERE user_id = ?::uuid"_s, {userId}), u"2"_s);
        // Nothing secret reached the log: not the key, a login or session token (codes are six
        // digits: a random request id could hold them by chance, so they are not searched for).
        const QString log = m_server->log();
        for (const QString &secret : {base32, token, token2, sessionToken})
            QVERIFY2(!log.contains(secret), "a secret value was logged");
    }

    void emailTaken()
    {
        Account account = registerAccount(*m_server, newEmail());
        QVERIFY(!account.userId.isEmpty());
        const QString before = databaseSnapshot();
        const QStringList keys = redisKeys();
        const TestHttpResponse taken = call(u"/api/v1/auth/register/totp"_s,
            {{u"email"_s, account.email.toUpper()}, {u"firstName"_s, u"A"_s}, {u"lastName"_s, u"B"_s}});
        QCOMPARE(taken.status, 409);
        QCOMPARE(errorCode(taken), u"EMAIL_TAKEN"_s);
        QCOMPARE(databaseSnapshot(), before);
        QCOMPARE(redisKeys(), keys);

        // Two pending registrations for one address: the first to verify wins, the other 409.
        const QString email = newEmail();
        QList<Account> racers;
        for (int i = 0; i < 2; ++i) {
            const TestHttpResponse started = call(u"/api/v1/auth/register/totp"_s,
                {{u"email"_s, email}, {u"firstName"_s, u"A"_s}, {u"lastName"_s, u"B"_s}});
            QCOMPARE(started.status, 201);
            racers.append({started.json().value(u"userId"_s).toString(), email,
                           base32Decode(started.json().value(u"totpSecret"_s).toString())});
        }
        QCOMPARE(call(u"/api/v1/auth/register/totp/verify"_s,
                      {{u"userId"_s, racers[0].userId}, {u"code"_s, QString::fromLatin1(nextCode(racers[0]))}}).status, 201);
        const TestHttpResponse second = call(u"/api/v1/auth/register/totp/verify"_s,
            {{u"userId"_s, racers[1].userId}, {u"code"_s, QString::fromLatin1(nextCode(racers[1]))}});
        QCOMPARE(second.status, 409);
        QCOMPARE(errorCode(second), u"EMAIL_TAKEN"_s);
        QVERIFY(!redisExists(u"pending_registration:"_s + racers[1].userId));
    }

    void fiveWrongCodesDropThePendingRegistration()
    {
        const TestHttpResponse started = call(u"/api/v1/auth/register/totp"_s,
            {{u"email"_s, newEmail()}, {u"firstName"_s, u"A"_s}, {u"lastName"_s, u"B"_s}});
        QCOMPARE(started.status, 201);
        Account account{started.json().value(u"userId"_s).toString(), QString(),
                        base32Decode(started.json().value(u"totpSecret"_s).toString())};
        for (int i = 1; i <= 5; ++i) {
            const TestHttpResponse wrong = call(u"/api/v1/auth/register/totp/verify"_s,
                {{u"userId"_s, account.userId}, {u"code"_s, QString::fromLatin1(wrongCode(account))}});
            QCOMPARE(wrong.status, 400);
            QCOMPARE(errorCode(wrong), u"TOTP_INVALID"_s);
            QCOMPARE(redisExists(u"pending_registration:"_s + account.userId), i < 5);
        }
        // The right code comes too late.
        const TestHttpResponse late = call(u"/api/v1/auth/register/totp/verify"_s,
            {{u"userId"_s, account.userId}, {u"code"_s, QString::fromLatin1(nextCode(account))}});
        QCOMPARE(late.status, 404);
        QCOMPARE(errorCode(late), u"REGISTRATION_NOT_FOUND"_s);
        QVERIFY(!redisExists(u"pending_registration_attempts:"_s + account.userId));
        QCOMPARE(sql(u"SELECT count(*) FROM users WHERE id = ?::uuid"_s, {account.userId}), u"0"_s);
    }

    void expiredPendingRegistration()
    {
        const TestHttpResponse started = call(u"/api/v1/auth/register/totp"_s,
            {{u"email"_s, newEmail()}, {u"firstName"_s, u"A"_s}, {u"lastName"_s, u"B"_s}});
        QCOMPARE(started.status, 201);
        Account account{started.json().value(u"userId"_s).toString(), QString(),
                        base32Decode(started.json().value(u"totpSecret"_s).toString())};
        // Let Redis expire it (as after 10 minutes).
        QCOMPARE(m_redis.cli({u"PEXPIRE"_s, u"pending_registration:"_s + account.userId, u"1"_s}), "1"_ba);
        QTest::qWait(20);
        const TestHttpResponse late = call(u"/api/v1/auth/register/totp/verify"_s,
            {{u"userId"_s, account.userId}, {u"code"_s, QString::fromLatin1(nextCode(account))}});
        QCOMPARE(late.status, 404);
        QCOMPARE(errorCode(late), u"REGISTRATION_NOT_FOUND"_s);
        QCOMPARE(sql(u"SELECT count(*) FROM users WHERE id = ?::uuid"_s, {account.userId}), u"0"_s);
    }

    void loginTokenBurntAfterFiveWrongCodes()
    {
        Account account = registerAccount(*m_server, newEmail());
        QVERIFY(!account.userId.isEmpty());
        const QString token = startLogin(account.email);
        QVERIFY(!token.isEmpty());
        for (int i = 1; i <= 5; ++i) {
            const TestHttpResponse wrong = verifyLogin(token, wrongCode(account));
            QCOMPARE(wrong.status, 400);
            QCOMPARE(errorCode(wrong), u"TOTP_INVALID"_s);
            QCOMPARE(redisExists(u"login_attempt:"_s + token), i < 5);
        }
        // The 6th attempt, with the right code: the token is gone.
        const TestHttpResponse sixth = verifyLogin(token, nextCode(account));
        QCOMPARE(sixth.status, 400);
        QCOMPARE(errorCode(sixth), u"LOGIN_TOKEN_INVALID"_s);
        account.lastStep -= 1;
        // A token never issued, and one of the wrong shape.
        QCOMPARE(errorCode(verifyLogin(SessionFixtures::newToken(), nextCode(account))), u"LOGIN_TOKEN_INVALID"_s);
        account.lastStep -= 1;
        // A fresh token works (5 failures < the lockout threshold of 7).
        QCOMPARE(signIn(*m_server, account).status, 200);
        QVERIFY(!redisExists(u"totp_failures:"_s + account.userId)); // a success starts afresh
    }

    void noEnumerationAndDisabledUsers()
    {
        Account real = registerAccount(*m_server, newEmail());
        QVERIFY(!real.userId.isEmpty());
        const QString noTotpEmail = newEmail();
        const QString noTotpId = SessionFixtures::insertUser(db(), noTotpEmail);
        QVERIFY(!noTotpId.isEmpty());
        const QString unknownEmail = newEmail();

        QHash<QString, QString> tokens;
        for (const QString &email : {real.email, noTotpEmail, unknownEmail}) {
            const TestHttpResponse answer = call(u"/api/v1/auth/login/totp"_s, {{u"email"_s, email}});
            QCOMPARE(answer.status, 200);
            QCOMPARE(answer.json().keys(), (QStringList{u"loginToken"_s, u"totpRequired"_s}));
            QCOMPARE(answer.json().value(u"loginToken"_s).toString().size(), 43);
            QCOMPARE(answer.body.size(), 80); // {"loginToken":"<43>","totpRequired":true}
            tokens.insert(email, answer.json().value(u"loginToken"_s).toString());
        }
        const QJsonObject unknown = redisJson("login_attempt:"_ba + tokens[unknownEmail].toLatin1());
        QVERIFY(unknown.contains(u"userId"_s) && unknown.value(u"userId"_s).isNull());
        // Every wrong code gets the same answer, byte for byte.
        QByteArray firstBody;
        for (const QString &email : {real.email, noTotpEmail, unknownEmail}) {
            const TestHttpResponse wrong = verifyLogin(tokens[email], wrongCode(real));
            QCOMPARE(wrong.status, 400);
            if (firstBody.isEmpty())
                firstBody = wrong.body;
            QCOMPARE(wrong.body, firstBody);
        }

        // A disabled user: wrong codes look like everybody's; only the right code gets 403.
        QVERIFY(SessionFixtures::exec(db(), u"UPDATE users SET status = 'disabled' WHERE id = ?::uuid"_s, {real.userId}));
        const QString token = startLogin(real.email);
        const TestHttpResponse wrong = verifyLogin(token, wrongCode(real));
        QCOMPARE(wrong.status, 400);
        QCOMPARE(wrong.body, firstBody);
        const TestHttpResponse refused = verifyLogin(token, nextCode(real));
        QCOMPARE(refused.status, 403);
        QCOMPARE(errorCode(refused), u"USER_DISABLED"_s);
        QCOMPARE(sql(u"SELECT count(*) FROM sessions WHERE user_id = ?::uuid"_s, {real.userId}), u"0"_s);
    }

    void lockoutAndItsExpiry()
    {
        Account account = registerAccount(*m_server, newEmail());
        QVERIFY(!account.userId.isEmpty());
        const QString lockKey = u"totp_lockout:"_s + account.userId;
        // kLockoutAttempts wrong codes over two tokens (5 per token) lock the account.
        int failures = 0;
        while (failures < kLockoutAttempts) {
            const QString token = startLogin(account.email);
            for (int i = 0; i < 5 && failures < kLockoutAttempts; ++i, ++failures)
                QCOMPARE(verifyLogin(token, wrongCode(account)).status, 400);
        }
        QVERIFY(redisExists(lockKey));
        const qint64 ttl = redisTtlMs(lockKey);
        QVERIFY2(ttl > 0 && ttl <= kLockoutSeconds * 1000, QByteArray::number(ttl).constData());

        // Locked: even the right code is refused, with the answer of any wrong code.
        QString token = startLogin(account.email);
        const TestHttpResponse locked = verifyLogin(token, nextCode(account));
        account.lastStep -= 1; // not accepted
        QCOMPARE(locked.status, 400);
        QCOMPARE(errorCode(locked), u"TOTP_INVALID"_s);
        // More failures while locked neither extend the pause nor count towards the next one.
        for (int i = 0; i < 3; ++i)
            QCOMPARE(verifyLogin(token, wrongCode(account)).status, 400);
        QVERIFY(redisTtlMs(lockKey) <= ttl);
        QVERIFY(!redisExists(u"totp_failures:"_s + account.userId));

        // It ends on its own.
        QTRY_VERIFY_WITH_TIMEOUT(!redisExists(lockKey), kLockoutSeconds * 1000 + 1000);
        token = startLogin(account.email);
        QCOMPARE(verifyLogin(token, nextCode(account)).status, 200);
    }

    void badBodiesAnswer400AndWriteNothing_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("field"); // empty: the whole body
        const QString reg = u"/api/v1/auth/register/totp"_s, regVerify = u"/api/v1/auth/register/totp/verify"_s,
                      login = u"/api/v1/auth/login/totp"_s, loginVerify = u"/api/v1/auth/login/totp/verify"_s;
        const QByteArray json = "application/json"_ba;
        const QByteArray longName = QByteArray(51, 'n');
        const QByteArray longEmail = QByteArray(250, 'a') + "@example.org";
        const QByteArray uuid = "4a3c8c8e-2f7e-4a4b-9a77-2d3f1b9c0a11";
        for (const QString &path : {reg, regVerify, login, loginVerify}) {
            QTest::addRow("%s malformed", qPrintable(path)) << path << "{\"email\":"_ba << json << 400 << QString();
            QTest::addRow("%s array", qPrintable(path)) << path << "[]"_ba << json << 400 << QString();
            QTest::addRow("%s empty", qPrintable(path)) << path << ""_ba << json << 400 << QString();
            QTest::addRow("%s text/plain", qPrintable(path)) << path << "{}"_ba << "text/plain"_ba << 415 << QString();
        }
        QTest::newRow("register no email") << reg << "{\"firstName\":\"A\",\"lastName\":\"B\"}"_ba << json << 400 << u"email"_s;
        QTest::newRow("register email number") << reg << "{\"email\":5,\"firstName\":\"A\",\"lastName\":\"B\"}"_ba << json << 400 << u"email"_s;
        QTest::newRow("register email oversize") << reg << "{\"email\":\"" + longEmail + "\",\"firstName\":\"A\",\"lastName\":\"B\"}" << json << 400 << u"email"_s;
        QTest::newRow("register email syntax") << reg << "{\"email\":\"not-an-address\",\"firstName\":\"A\",\"lastName\":\"B\"}"_ba << json << 400 << u"email"_s;
        QTest::newRow("register no firstName") << reg << "{\"email\":\"x@example.org\",\"lastName\":\"B\"}"_ba << json << 400 << u"firstName"_s;
        QTest::newRow("register firstName null") << reg << "{\"email\":\"x@example.org\",\"firstName\":null,\"lastName\":\"B\"}"_ba << json << 400 << u"firstName"_s;
        QTest::newRow("register firstName oversize") << reg << "{\"email\":\"x@example.org\",\"firstName\":\"" + longName + "\",\"lastName\":\"B\"}" << json << 400 << u"firstName"_s;
        QTest::newRow("register firstName blank") << reg << "{\"email\":\"x@example.org\",\"firstName\":\"   \",\"lastName\":\"B\"}"_ba << json << 400 << u"firstName"_s;
        QTest::newRow("register lastName array") << reg << "{\"email\":\"x@example.org\",\"firstName\":\"A\",\"lastName\":[]}"_ba << json << 400 << u"lastName"_s;
        QTest::newRow("register lastName oversize") << reg << "{\"email\":\"x@example.org\",\"firstName\":\"A\",\"lastName\":\"" + longName + "\"}" << json << 400 << u"lastName"_s;
        QTest::newRow("register lastName control") << reg << "{\"email\":\"x@example.org\",\"firstName\":\"A\",\"lastName\":\"B\\u0007\"}"_ba << json << 400 << u"lastName"_s;
        QTest::newRow("regVerify no userId") << regVerify << "{\"code\":\"123456\"}"_ba << json << 400 << u"userId"_s;
        QTest::newRow("regVerify userId not uuid") << regVerify << "{\"userId\":\"xyz\",\"code\":\"123456\"}"_ba << json << 400 << u"userId"_s;
        QTest::newRow("regVerify userId oversize") << regVerify << "{\"userId\":\"" + QByteArray(300, 'a') + "\",\"code\":\"123456\"}" << json << 400 << u"userId"_s;
        QTest::newRow("regVerify no code") << regVerify << "{\"userId\":\"" + uuid + "\"}" << json << 400 << u"code"_s;
        QTest::newRow("regVerify code number") << regVerify << "{\"userId\":\"" + uuid + "\",\"code\":123456}" << json << 400 << u"code"_s;
        QTest::newRow("regVerify code letters") << regVerify << "{\"userId\":\"" + uuid + "\",\"code\":\"12345a\"}" << json << 400 << u"code"_s;
        QTest::newRow("regVerify code short") << regVerify << "{\"userId\":\"" + uuid + "\",\"code\":\"12345\"}" << json << 400 << u"code"_s;
        QTest::newRow("regVerify code long") << regVerify << "{\"userId\":\"" + uuid + "\",\"code\":\"1234567\"}" << json << 400 << u"code"_s;
        QTest::newRow("login no email") << login << "{}"_ba << json << 400 << u"email"_s;
        QTest::newRow("login email bool") << login << "{\"email\":true}"_ba << json << 400 << u"email"_s;
        QTest::newRow("login email oversize") << login << "{\"email\":\"" + longEmail + "\"}" << json << 400 << u"email"_s;
        QTest::newRow("login email syntax") << login << "{\"email\":\"a@b\"}"_ba << json << 400 << u"email"_s;
        QTest::newRow("loginVerify no token") << loginVerify << "{\"code\":\"123456\"}"_ba << json << 400 << u"loginToken"_s;
        QTest::newRow("loginVerify token shape") << loginVerify << "{\"loginToken\":\"abc\",\"code\":\"123456\"}"_ba << json << 400 << u"loginToken"_s;
        QTest::newRow("loginVerify token oversize") << loginVerify << "{\"loginToken\":\"" + QByteArray(500, 'a') + "\",\"code\":\"123456\"}" << json << 400 << u"loginToken"_s;
        QTest::newRow("loginVerify token object") << loginVerify << "{\"loginToken\":{},\"code\":\"123456\"}"_ba << json << 400 << u"loginToken"_s;
        QTest::newRow("loginVerify no code") << loginVerify << "{\"loginToken\":\"" + QByteArray(43, 'a') + "\"}" << json << 400 << u"code"_s;
        QTest::newRow("loginVerify code spaces") << loginVerify << "{\"loginToken\":\"" + QByteArray(43, 'a') + "\",\"code\":\"123 56\"}" << json << 400 << u"code"_s;
    }
    void badBodiesAnswer400AndWriteNothing()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        QFETCH(QString, field);
        const QString before = databaseSnapshot();
        const QStringList keys = redisKeys();
        const TestHttpResponse answer = postRaw(*m_server, path, body, contentType);
        QCOMPARE(answer.status, status);
        QVERIFY2(!errorCode(answer).isEmpty(), answer.body.constData());
        QCOMPARE(errorField(answer), field);
        if (!field.isEmpty())
            QVERIFY2(answer.json().value(u"error"_s).toObject().value(u"message"_s).toString().contains(field),
                     answer.body.constData());
        QCOMPARE(databaseSnapshot(), before);
        QCOMPARE(redisKeys(), keys);
    }
};

QTEST_GUILESS_MAIN(TestTotpHttp)
#include "TestTotpHttp.moc"
