// Email verification over HTTP against the real gatehoused, a real PostgreSQL, a private Redis
// and a real SMTP server on loopback (tests/support/smtp-sink.py): the code arrives by mail and
// verifies; the Redis record of API.md (hashed code, target, attempts, TTL); resend throttled
// with 429 + Retry-After; five wrong codes burn it; an expired code; a code only for the
// address it was sent to; an SMTP outage answers 503 MAIL_UNAVAILABLE and loses nothing, and
// the retry once the server is back succeeds; every malformed request is refused with 400
// naming the field and changes nothing.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/SmtpSink.h"
#include "tests/support/TestHttp.h"
#include "tests/support/VerificationFixtures.h"

#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace SessionFixtures;
using VerificationFixtures::errorCode;
using VerificationFixtures::errorField;
using namespace Qt::StringLiterals;

namespace {
const Headers kJson{{"Content-Type"_ba, "application/json"_ba}};

// RFC 6238 with Qt alone (not the server's TOTP code): SHA-1, 6 digits, 30 s.
QString totpNow(const QString &base32Secret)
{
    QByteArray key;
    quint64 buffer = 0;
    int bits = 0;
    for (const QChar c : base32Secret.toUpper()) {
        const int value = c >= u'A' && c <= u'Z' ? c.unicode() - 'A' : c >= u'2' && c <= u'7' ? c.unicode() - '2' + 26 : -1;
        if (value < 0)
            continue;
        buffer = (buffer << 5) | quint64(value);
        bits += 5;
        if (bits >= 8) {
            key += char((buffer >> (bits - 8)) & 0xff);
            bits -= 8;
        }
    }
    const quint64 step = quint64(QDateTime::currentSecsSinceEpoch() / 30);
    QByteArray counter(8, '\0');
    for (int i = 0; i < 8; ++i)
        counter[7 - i] = char((step >> (8 * i)) & 0xff);
    const QByteArray mac = QMessageAuthenticationCode::hash(counter, key, QCryptographicHash::Sha1);
    const int offset = mac[19] & 0x0f;
    const quint32 binary = (quint32(quint8(mac[offset]) & 0x7f) << 24) | (quint32(quint8(mac[offset + 1])) << 16) |
                           (quint32(quint8(mac[offset + 2])) << 8) | quint32(quint8(mac[offset + 3]));
    return QStringLiteral("%1").arg(binary % 1000000, 6, 10, QLatin1Char('0'));
}

Headers with(Headers headers, const Headers &more)
{
    headers.append(more);
    return headers;
}
} // namespace

class TestEmailVerificationHttp : public QObject
{
    Q_OBJECT

private:
    LocalRedis m_redis;
    SmtpSink m_smtp;
    QTemporaryDir m_dataDir;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    int m_users = 0;

    QSqlDatabase db() const { return m_db->database(); }

    struct Account
    {
        QString id;
        QString email;
        QString token;
    };
    Account newAccount()
    {
        Account account;
        account.email = u"verify%1@example.org"_s.arg(++m_users);
        account.id = insertUser(db(), account.email);
        account.token = insertSession(db(), account.id);
        return account;
    }

    TestHttpResponse post(const Account &account, const QString &path, const QByteArray &body = {})
    {
        return TestHttp::request("POST", m_server->url(path), body,
                                 body.isEmpty() ? bearer(account.token) : with(bearer(account.token), kJson));
    }
    TestHttpResponse verify(const Account &account, const QString &code)
    {
        return post(account, u"/api/v1/me/email/verify"_s,
                    QJsonDocument(QJsonObject{{u"code"_s, code}}).toJson(QJsonDocument::Compact));
    }
    QJsonObject record(const Account &account) const
    {
        return QJsonDocument::fromJson(m_redis.cli({u"GET"_s, u"email_verification:"_s + account.id})).object();
    }
    QString column(const QString &userId, const QString &name) const
    {
        return VerificationFixtures::userColumn(db(), userId, name);
    }
    // The code in the newest mail to `email` (waiting for it to arrive).
    QString codeFromMail(const QString &email, int expectedCount)
    {
        const QList<ReceivedMail> mails = m_smtp.waitForMessages(expectedCount);
        if (mails.size() < expectedCount)
            return {};
        const ReceivedMail &mail = mails.last();
        if (mail.envelopeTo != QStringList{email})
            return {};
        static const QRegularExpression sixDigits(u"\\b(\\d{6})\\b"_s);
        const QString fromText = sixDigits.match(mail.text).captured(1);
        // The same code in the subject, the text and the HTML part.
        if (sixDigits.match(mail.subject).captured(1) != fromText ||
            sixDigits.match(mail.html).captured(1) != fromText)
            return {};
        return fromText;
    }
    QString usersSnapshot() const
    {
        QSqlQuery query(db());
        query.exec(u"SELECT id, email, email_verified, email_verified_at, phone, phone_verified, "
                   "updated_at FROM users ORDER BY id"_s);
        QString out;
        while (query.next())
            for (int i = 0; i < 7; ++i)
                out += query.value(i).toString() + u'|';
        return out;
    }
    QStringList redisKeys() const { return VerificationFixtures::flowKeys(m_redis); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_redis.start());
        // The SMTP server wants AUTH; the password reaches gatehoused only through its secret store.
        const QByteArray password = "smtp secret \xc3\xa4 42";
        m_smtp.requireAuth(u"gatehouse-mailer"_s, password);
        QVERIFY2(m_smtp.start(), qPrintable(m_smtp.errorString()));
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        const QStringList arguments{
            u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(), u"--workers"_s, u"2"_s,
            u"--data-dir"_s, m_dataDir.path(),
            u"--rate-limit-auth"_s, u"100000/10000"_s, u"--rate-limit-default"_s, u"100000/10000"_s,
            u"--smtp-host"_s, u"127.0.0.1"_s, u"--smtp-port"_s, QString::number(m_smtp.port()),
            u"--smtp-security"_s, u"none"_s, u"--smtp-from"_s, u"gatehouse@example.org"_s,
            u"--smtp-user"_s, u"gatehouse-mailer"_s, u"--smtp-timeout"_s, u"5"_s};

        // Without the password in the store, start-up stops and says how to put it there.
        GatehousedProcess refused(arguments);
        QVERIFY(refused.start());
        QVERIFY(refused.waitForExit(30000));
        QVERIFY(refused.exitCode() != 0);
        QVERIFY2(refused.log().contains(u"--store-secret smtp-password"_s), qPrintable(refused.log()));

        QProcess store;
        store.setProcessEnvironment(GatehousedProcess::cleanEnvironment());
        store.start(QStringLiteral(GATEHOUSED_PATH),
                    {u"--data-dir"_s, m_dataDir.path(), u"--store-secret=smtp-password"_s});
        QVERIFY(store.waitForStarted());
        store.write(password); // no newline: printf '%s' "$PASSWORD" | …
        store.closeWriteChannel();
        QVERIFY(store.waitForFinished(20000));
        const QByteArray output = store.readAllStandardOutput() + store.readAllStandardError();
        QVERIFY2(store.exitCode() == 0, output.constData());
        QVERIFY(!output.contains("smtp secret"));

        m_server = std::make_unique<GatehousedProcess>(arguments);
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
        QVERIFY(m_server->log().contains(u"mail.configured"_s));
        QVERIFY(!m_server->log().contains(u"smtp secret"_s));
    }

    void cleanupTestCase()
    {
        if (m_server) {
            QVERIFY2(m_server->running(), qPrintable(m_server->log()));
            // No code ever reaches the log.
            static const QRegularExpression code(u"code=\\d{6}|\\b\\d{6}\\b.*mail"_s);
            QVERIFY2(!code.match(m_server->log()).hasMatch(), qPrintable(m_server->log()));
        }
        m_server.reset();
        m_db.reset();
    }

    void codeByMailVerifies()
    {
        const Account account = newAccount();
        QVERIFY(!account.token.isEmpty());
        const int before = int(m_smtp.messages().size());

        const TestHttpResponse sent = post(account, u"/api/v1/me/email/verification"_s);
        QCOMPARE(sent.status, 202);
        QCOMPARE(sent.json(), (QJsonObject{{u"expiresInSeconds"_s, 600}}));
        const QString code = codeFromMail(account.email, before + 1);
        QVERIFY2(!code.isEmpty(), "no mail with a code arrived");

        // The record of API.md: the code only as a hash.
        const QJsonObject stored = record(account);
        QCOMPARE(stored.keys(), (QStringList{u"attempts"_s, u"codeHash"_s, u"createdAt"_s, u"target"_s}));
        QCOMPARE(stored.value(u"target"_s).toString(), account.email);
        QCOMPARE(stored.value(u"attempts"_s).toInt(), 0);
        QVERIFY(QRegularExpression(u"^[0-9a-f]{64}$"_s).match(stored.value(u"codeHash"_s).toString()).hasMatch());
        QVERIFY(QDateTime::fromString(stored.value(u"createdAt"_s).toString(), Qt::ISODateWithMs).isValid());
        QVERIFY(!m_redis.cli({u"GET"_s, u"email_verification:"_s + account.id}).contains(code.toLatin1()));
        const int ttl = m_redis.cli({u"TTL"_s, u"email_verification:"_s + account.id}).toInt();
        QVERIFY2(ttl > 590 && ttl <= 600, qPrintable(QString::number(ttl)));

        // A second code within a minute is refused.
        const TestHttpResponse again = post(account, u"/api/v1/me/email/verification"_s);
        QCOMPARE(again.status, 429);
        QCOMPARE(errorCode(again), u"RESEND_THROTTLED"_s);
        const int retryAfter = again.header("Retry-After").toInt();
        QVERIFY2(retryAfter >= 1 && retryAfter <= 60, again.header("Retry-After").constData());
        QCOMPARE(m_smtp.messages().size(), before + 1);

        // One wrong code counts one attempt; the right one verifies.
        const QString wrong = code == u"000000"_s ? u"000001"_s : u"000000"_s;
        const TestHttpResponse bad = verify(account, wrong);
        QCOMPARE(bad.status, 400);
        QCOMPARE(errorCode(bad), u"CODE_INVALID"_s);
        QCOMPARE(record(account).value(u"attempts"_s).toInt(), 1);
        QCOMPARE(column(account.id, u"email_verified"_s), u"false"_s);

        QProcess subscriber; // user:updated is published
        subscriber.start(u"redis-cli"_s, {u"-s"_s, m_redis.socketPath(), u"SUBSCRIBE"_s, u"user:updated"_s});
        QVERIFY(subscriber.waitForStarted());
        QByteArray events;
        QTRY_VERIFY((events += subscriber.readAllStandardOutput()).contains("user:updated"));

        const TestHttpResponse ok = verify(account, code);
        QCOMPARE(ok.status, 200);
        const QJsonObject user = ok.json().value(u"user"_s).toObject();
        QCOMPARE(user.value(u"id"_s).toString(), account.id);
        QCOMPARE(user.value(u"emailVerified"_s).toBool(), true);
        QCOMPARE(column(account.id, u"email_verified"_s), u"true"_s);
        QVERIFY(column(account.id, u"email_verified_at"_s) != u"<null>"_s);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"email_verification:"_s + account.id}), "0"_ba);
        QTRY_VERIFY((events += subscriber.readAllStandardOutput()).contains(account.id.toLatin1()));
        QVERIFY(events.contains("email_verified"));
        subscriber.kill();
        subscriber.waitForFinished();

        // Used once: the same code again, and a new request, meet a verified address.
        QCOMPARE(errorCode(verify(account, code)), u"EMAIL_ALREADY_VERIFIED"_s);
        QCOMPARE(post(account, u"/api/v1/me/email/verification"_s).status, 409);
    }

    // The whole way: TOTP sign-up → welcome mail (queued) → verification mail → verified.
    void welcomeAfterSignUpThenVerify()
    {
        const int before = int(m_smtp.messages().size());
        const QString email = u"signup%1@example.org"_s.arg(++m_users);
        const TestHttpResponse registered = TestHttp::request(
            "POST", m_server->url(u"/api/v1/auth/register/totp"_s),
            QJsonDocument(QJsonObject{{u"email"_s, email}, {u"firstName"_s, u"Zoë"_s}, {u"lastName"_s, u"Nguyễn"_s}}).toJson(),
            kJson);
        QCOMPARE(registered.status, 201);
        const QString userId = registered.json().value(u"userId"_s).toString();
        const QString secret = registered.json().value(u"totpSecret"_s).toString();
        const TestHttpResponse created = TestHttp::request(
            "POST", m_server->url(u"/api/v1/auth/register/totp/verify"_s),
            QJsonDocument(QJsonObject{{u"userId"_s, userId}, {u"code"_s, totpNow(secret)}}).toJson(), kJson);
        QVERIFY2(created.status == 200 || created.status == 201, created.body.constData());
        const QList<ReceivedMail> mails = m_smtp.waitForMessages(before + 1);
        QCOMPARE(mails.size(), before + 1);
        const ReceivedMail &welcome = mails.last();
        QCOMPARE(welcome.envelopeTo, QStringList{email});
        QCOMPARE(welcome.subject, u"Welcome to Gatehouse, Zoë"_s);
        QVERIFY(welcome.text.contains(u"Hello Zoë,"_s));
        QVERIFY(welcome.html.contains(u"Hello Zoë,"_s));

        // Signed in by the sign-up: the same session asks for and enters the code.
        Account account{userId, email, created.json().value(u"sessionToken"_s).toString()};
        if (account.token.isEmpty())
            account.token = insertSession(db(), userId);
        QCOMPARE(post(account, u"/api/v1/me/email/verification"_s).status, 202);
        const QString code = codeFromMail(email, before + 2);
        QVERIFY(!code.isEmpty());
        QCOMPARE(verify(account, code).status, 200);
        QCOMPARE(column(userId, u"email_verified"_s), u"true"_s);
    }

    void fiveWrongCodesBurnIt()
    {
        const Account account = newAccount();
        const int before = int(m_smtp.messages().size());
        QCOMPARE(post(account, u"/api/v1/me/email/verification"_s).status, 202);
        const QString code = codeFromMail(account.email, before + 1);
        QVERIFY(!code.isEmpty());
        const QString wrong = code == u"999999"_s ? u"999998"_s : u"999999"_s;
        for (int attempt = 1; attempt <= 5; ++attempt) {
            const TestHttpResponse bad = verify(account, wrong);
            QCOMPARE(bad.status, 400);
            QCOMPARE(errorCode(bad), u"CODE_INVALID"_s);
            if (attempt < 5)
                QCOMPARE(record(account).value(u"attempts"_s).toInt(), attempt);
        }
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"email_verification:"_s + account.id}), "0"_ba);
        // Burnt: the right code no longer works, and nothing was verified.
        const TestHttpResponse late = verify(account, code);
        QCOMPARE(late.status, 400);
        QCOMPARE(errorCode(late), u"CODE_EXPIRED"_s);
        QCOMPARE(column(account.id, u"email_verified"_s), u"false"_s);
        // Burning does not lift the resend throttle.
        QCOMPARE(post(account, u"/api/v1/me/email/verification"_s).status, 429);
    }

    void expiredCode()
    {
        const Account account = newAccount();
        const int before = int(m_smtp.messages().size());
        QCOMPARE(post(account, u"/api/v1/me/email/verification"_s).status, 202);
        const QString code = codeFromMail(account.email, before + 1);
        QVERIFY(!code.isEmpty());
        // Ten minutes pass for the record (Redis expires it).
        QCOMPARE(m_redis.cli({u"PEXPIRE"_s, u"email_verification:"_s + account.id, u"1"_s}), "1"_ba);
        QTest::qWait(20);
        const TestHttpResponse late = verify(account, code);
        QCOMPARE(late.status, 400);
        QCOMPARE(errorCode(late), u"CODE_EXPIRED"_s);
        QCOMPARE(column(account.id, u"email_verified"_s), u"false"_s);
    }

    void codeOnlyForItsAddress()
    {
        const Account account = newAccount();
        const int before = int(m_smtp.messages().size());
        QCOMPARE(post(account, u"/api/v1/me/email/verification"_s).status, 202);
        const QString code = codeFromMail(account.email, before + 1);
        QVERIFY(!code.isEmpty());
        // The address changes after the code went out: the code proves nothing about the new one.
        QVERIFY(exec(db(), u"UPDATE users SET email = ? WHERE id = ?::uuid"_s,
                     {u"changed%1@example.org"_s.arg(m_users), account.id}));
        const TestHttpResponse bad = verify(account, code);
        QCOMPARE(bad.status, 400);
        QCOMPARE(errorCode(bad), u"CODE_INVALID"_s);
        QCOMPARE(column(account.id, u"email_verified"_s), u"false"_s);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"email_verification:"_s + account.id}), "0"_ba);
    }

    void smtpOutageLosesNothing()
    {
        const Account account = newAccount();
        m_smtp.stop();
        const TestHttpResponse down = post(account, u"/api/v1/me/email/verification"_s);
        QVERIFY2(m_smtp.start(), qPrintable(m_smtp.errorString()));
        QCOMPARE(down.status, 503);
        QCOMPARE(errorCode(down), u"MAIL_UNAVAILABLE"_s);
        QVERIFY(!down.header("Retry-After").isEmpty());
        // Nothing half-stored: no record, no throttle, so the retry is not refused.
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"email_verification:"_s + account.id}), "0"_ba);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"verification_throttle:email:"_s + account.id}), "0"_ba);

        const int before = int(m_smtp.messages().size());
        QCOMPARE(post(account, u"/api/v1/me/email/verification"_s).status, 202);
        const QString code = codeFromMail(account.email, before + 1);
        QVERIFY(!code.isEmpty());
        QCOMPARE(verify(account, code).status, 200);
        QCOMPARE(column(account.id, u"email_verified"_s), u"true"_s);
    }

    void unauthenticated()
    {
        for (const QString &path : {u"/api/v1/me/email/verification"_s, u"/api/v1/me/email/verify"_s}) {
            const TestHttpResponse answer =
                TestHttp::request("POST", m_server->url(path), "{\"code\":\"123456\"}", kJson);
            QCOMPARE(answer.status, 401);
        }
    }

    void malformedRequests_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("field");

        const QString verify = u"/api/v1/me/email/verify"_s;
        const QString request = u"/api/v1/me/email/verification"_s;
        const QByteArray json = "application/json";
        QTest::newRow("verify: malformed JSON") << verify << "{\"code\":"_ba << json << 400 << u"INVALID_JSON"_s << u""_s;
        QTest::newRow("verify: not an object") << verify << "[\"123456\"]"_ba << json << 400 << u"INVALID_JSON"_s << u""_s;
        QTest::newRow("verify: missing code") << verify << "{}"_ba << json << 400 << u"MISSING_FIELD"_s << u"code"_s;
        QTest::newRow("verify: null code") << verify << "{\"code\":null}"_ba << json << 400 << u"MISSING_FIELD"_s << u"code"_s;
        QTest::newRow("verify: number") << verify << "{\"code\":123456}"_ba << json << 400 << u"INVALID_FIELD"_s << u"code"_s;
        QTest::newRow("verify: oversize") << verify << ("{\"code\":\"" + QByteArray(5000, '1') + "\"}") << json << 400 << u"FIELD_TOO_LONG"_s << u"code"_s;
        QTest::newRow("verify: empty") << verify << "{\"code\":\"\"}"_ba << json << 400 << u"FIELD_TOO_SHORT"_s << u"code"_s;
        QTest::newRow("verify: letters") << verify << "{\"code\":\"12a456\"}"_ba << json << 400 << u"INVALID_FIELD"_s << u"code"_s;
        QTest::newRow("verify: five digits") << verify << "{\"code\":\"12345\"}"_ba << json << 400 << u"INVALID_FIELD"_s << u"code"_s;
        QTest::newRow("verify: no content type") << verify << "{\"code\":\"123456\"}"_ba << ""_ba << 415 << u"UNSUPPORTED_MEDIA_TYPE"_s << u""_s;
        QTest::newRow("request: malformed JSON") << request << "{"_ba << json << 400 << u"INVALID_JSON"_s << u""_s;
        QTest::newRow("request: not an object") << request << "42"_ba << json << 400 << u"INVALID_JSON"_s << u""_s;
    }

    void malformedRequests()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, field);
        const Account account = newAccount();
        // A pending code, so that "nothing written" includes its attempt counter.
        const int before = int(m_smtp.messages().size());
        QCOMPARE(post(account, u"/api/v1/me/email/verification"_s).status, 202);
        QVERIFY(!codeFromMail(account.email, before + 1).isEmpty());
        const QString users = usersSnapshot();
        const QStringList keys = redisKeys();
        const QByteArray stored = m_redis.cli({u"GET"_s, u"email_verification:"_s + account.id});
        Headers headers = bearer(account.token);
        if (!contentType.isEmpty())
            headers.append({"Content-Type"_ba, contentType});
        const TestHttpResponse answer = TestHttp::request("POST", m_server->url(path), body, headers);
        QCOMPARE(answer.status, status);
        QCOMPARE(errorCode(answer), code);
        QCOMPARE(errorField(answer), field);
        if (!field.isEmpty())
            QVERIFY(answer.json().value(u"error"_s).toObject().value(u"message"_s).toString().contains(field));
        QCOMPARE(usersSnapshot(), users);
        QCOMPARE(redisKeys(), keys);
        QCOMPARE(m_redis.cli({u"GET"_s, u"email_verification:"_s + account.id}), stored);
        QCOMPARE(m_smtp.messages().size(), before + 1);
    }
};

QTEST_GUILESS_MAIN(TestEmailVerificationHttp)
#include "TestEmailVerificationHttp.moc"
