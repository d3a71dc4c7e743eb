// Passkeys over HTTP against the real gatehoused (issue 6): sign-up, sign-in with an email and
// usernameless, every algorithm and attestation the software authenticator makes, replayed and
// expired challenges, a signature counter going backwards (refused, flagged, published), the
// backup-eligibility flag changing, adding, listing and removing passkeys (never the last way
// in), unknown emails answered like known ones, and bad bodies (400 naming the field, nothing
// consumed or written).
//
// The authenticator (tests/support/SoftAuthenticator) signs with OpenSSL directly; Redis is a
// private LocalRedis so flow keys can be read, rewritten and counted.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/SoftAuthenticator.h"
#include "tests/support/TestHttp.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QHostAddress>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QUuid>
#include <QtTest>
#include <memory>

using namespace SessionFixtures;
using namespace Qt::StringLiterals;

namespace {
const Headers kJson{{"Content-Type"_ba, "application/json"_ba}};

QString errorCode(const TestHttpResponse &response)
{
    return response.json().value(u"error"_s).toObject().value(u"code"_s).toString();
}
QString errorField(const TestHttpResponse &response)
{
    return response.json().value(u"error"_s).toObject().value(u"field"_s).toString();
}
} // namespace

class TestPasskeyHttp : public QObject
{
    Q_OBJECT

private:
    LocalRedis m_redis;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    GatehousedProcess *m_active = nullptr; // the server post() talks to
    int m_users = 0;

    QSqlDatabase db() const { return m_db->database(); }
    QStringList arguments(const QStringList &extra = {}) const
    {
        return QStringList{u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(),
                           u"--workers"_s, u"2"_s, u"--rate-limit-default"_s, u"100000/10000"_s,
                           u"--rate-limit-auth"_s, u"100000/10000"_s} +
               extra;
    }
    QString origin(GatehousedProcess *server = nullptr) const
    {
        return u"http://localhost:%1"_s.arg((server ? server : m_active)->port());
    }
    TestHttpResponse post(const QString &path, const QJsonObject &body, const Headers &headers = {},
                          GatehousedProcess *server = nullptr)
    {
        return postRaw(path, QJsonDocument(body).toJson(QJsonDocument::Compact), headers, server);
    }
    TestHttpResponse postRaw(const QString &path, const QByteArray &body, const Headers &headers = {},
                             GatehousedProcess *server = nullptr)
    {
        return TestHttp::request("POST", (server ? server : m_active)->url(path), body, kJson + headers);
    }
    TestHttpResponse call(const QByteArray &method, const QString &path, const Headers &headers = {})
    {
        return TestHttp::request(method, m_active->url(path), {}, headers);
    }
    QString nextEmail() { return u"passkey%1@example.org"_s.arg(++m_users); }

    QVariant scalar(const QString &sql, const QVariantList &values = {}) const
    {
        QSqlQuery query(db());
        query.prepare(sql);
        for (const QVariant &value : values)
            query.addBindValue(value);
        if (!query.exec() || !query.next())
            return {};
        return query.value(0);
    }
    int count(const QString &table) const { return scalar(u"SELECT count(*) FROM "_s + table).toInt(); }
    QString snapshot() const
    {
        return QString::number(count(u"users"_s)) + u'/' + QString::number(count(u"auth_providers"_s)) + u'/' +
               QString::number(count(u"passkey_credentials"_s)) + u'/' + QString::number(count(u"sessions"_s)) +
               u'/' + scalar(u"SELECT string_agg(id || ':' || counter || ':' || backed_up || ':' || "
                             u"coalesce(last_used_at::text, '-'), ',' ORDER BY id) FROM passkey_credentials"_s)
                          .toString();
    }

    struct SignedUp
    {
        QString userId;
        QString email;
        QString sessionToken;
        QByteArray credentialId;
    };
    // The whole sign-up ceremony; the response is checked by the caller via `answer`.
    SignedUp signUp(SoftAuthenticator &authenticator, const SoftAuthenticator::CreateOptions &create = {},
                    TestHttpResponse *answer = nullptr)
    {
        SignedUp result;
        result.email = nextEmail();
        const TestHttpResponse options = post(u"/api/v1/auth/register/passkey/options"_s,
                                              {{u"email"_s, result.email},
                                               {u"firstName"_s, u"Pat"_s},
                                               {u"lastName"_s, u"Key"_s}});
        if (options.status != 200) {
            qWarning("options: %d %s", options.status, options.body.constData());
            return result;
        }
        result.userId = options.json().value(u"userId"_s).toString();
        const QJsonObject credential = authenticator.create(options.json().value(u"options"_s).toObject(), create);
        const TestHttpResponse verified = post(u"/api/v1/auth/register/passkey/verify"_s,
                                               {{u"userId"_s, result.userId}, {u"response"_s, credential}});
        if (answer)
            *answer = verified;
        if (verified.status == 200) {
            result.sessionToken = verified.json().value(u"sessionToken"_s).toString();
            result.credentialId = SoftAuthenticator::fromB64(credential.value(u"id"_s).toString());
        } else if (!answer) {
            qWarning("verify: %d %s", verified.status, verified.body.constData());
        }
        return result;
    }
    // login options (with this email, or usernameless when empty) → {loginToken, options}.
    QJsonObject loginOptions(const QString &email = {})
    {
        const TestHttpResponse options = post(u"/api/v1/auth/login/passkey/options"_s,
                                              email.isEmpty() ? QJsonObject() : QJsonObject{{u"email"_s, email}});
        return options.status == 200 ? options.json() : QJsonObject();
    }
    TestHttpResponse signIn(SoftAuthenticator &authenticator, const QString &email,
                            const SoftAuthenticator::GetOptions &get = {})
    {
        const QJsonObject options = loginOptions(email);
        const QJsonObject assertion = authenticator.get(options.value(u"options"_s).toObject(), get);
        return post(u"/api/v1/auth/login/passkey/verify"_s,
                    {{u"loginToken"_s, options.value(u"loginToken"_s)}, {u"response"_s, assertion}});
    }
    QString failuresThisHour() const
    {
        return QString::fromLatin1(m_redis.cli(
            {u"GET"_s, u"stats:sign_in_failures:"_s + QDateTime::currentDateTimeUtc().toString(u"yyyyMMddHH"_s)}));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_redis.start());
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(arguments());
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
        m_active = m_server.get();
    }

    void cleanupTestCase()
    {
        if (m_server)
            QVERIFY2(m_server->running(), qPrintable(m_server->log()));
        m_server.reset();
        m_db.reset();
    }

    void registrationOptionsFollowTheContract()
    {
        const QString email = nextEmail();
        const TestHttpResponse answer = post(u"/api/v1/auth/register/passkey/options"_s,
                                             {{u"email"_s, u"  "_s + email.toUpper()},
                                              {u"firstName"_s, u"Ada"_s},
                                              {u"lastName"_s, u"Lovelace"_s}});
        QCOMPARE(answer.status, 200);
        const QString userId = answer.json().value(u"userId"_s).toString();
        QVERIFY(!QUuid::fromString(userId).isNull());
        const QJsonObject options = answer.json().value(u"options"_s).toObject();
        QCOMPARE(options.value(u"rp"_s).toObject().value(u"id"_s).toString(), u"localhost"_s);
        QCOMPARE(options.value(u"rp"_s).toObject().value(u"name"_s).toString(), u"Gatehouse"_s);
        const QJsonObject user = options.value(u"user"_s).toObject();
        // The user handle is the id's 16 bytes, never the email.
        QCOMPARE(SoftAuthenticator::fromB64(user.value(u"id"_s).toString()), QUuid::fromString(userId).toRfc4122());
        QCOMPARE(user.value(u"name"_s).toString(), email);
        QCOMPARE(user.value(u"displayName"_s).toString(), u"Ada Lovelace"_s);
        QCOMPARE(SoftAuthenticator::fromB64(options.value(u"challenge"_s).toString()).size(), 32);
        QList<int> algorithms;
        for (const QJsonValue &param : options.value(u"pubKeyCredParams"_s).toArray())
            algorithms.append(param.toObject().value(u"alg"_s).toInt());
        QCOMPARE(algorithms, (QList<int>{-7, -8, -257}));
        QCOMPARE(options.value(u"authenticatorSelection"_s).toObject().value(u"residentKey"_s).toString(),
                 u"preferred"_s);
        QCOMPARE(options.value(u"authenticatorSelection"_s).toObject().value(u"userVerification"_s).toString(),
                 u"preferred"_s);
        QCOMPARE(options.value(u"attestation"_s).toString(), u"none"_s);
        QCOMPARE(options.value(u"excludeCredentials"_s).toArray().size(), 0);

        // Redis holds the pending registration of API.md, with a TTL of five minutes.
        const QByteArray key = "passkey_registration:"_ba + userId.toLatin1();
        const QJsonObject stored = QJsonDocument::fromJson(m_redis.cli({u"GET"_s, QString::fromLatin1(key)})).object();
        QCOMPARE(stored.value(u"userId"_s).toString(), userId);
        QCOMPARE(stored.value(u"email"_s).toString(), email);
        QCOMPARE(stored.value(u"firstName"_s).toString(), u"Ada"_s);
        QCOMPARE(stored.value(u"challenge"_s).toString(), options.value(u"challenge"_s).toString());
        QVERIFY(QDateTime::fromString(stored.value(u"createdAt"_s).toString(), Qt::ISODateWithMs).isValid());
        const int ttl = m_redis.cli({u"TTL"_s, QString::fromLatin1(key)}).toInt();
        QVERIFY2(ttl > 290 && ttl <= 300, QByteArray::number(ttl).constData());
        QCOMPARE(scalar(u"SELECT count(*) FROM users WHERE email = ?"_s, {email}).toInt(), 0);
    }

    void signUpThenSignInWithEmail_data()
    {
        QTest::addColumn<int>("algorithm");
        QTest::addColumn<bool>("packed");
        QTest::newRow("ES256 none") << int(SoftAuthenticator::Algorithm::ES256) << false;
        QTest::newRow("EdDSA none") << int(SoftAuthenticator::Algorithm::EdDSA) << false;
        QTest::newRow("RS256 none") << int(SoftAuthenticator::Algorithm::RS256) << false;
        QTest::newRow("ES256 packed self") << int(SoftAuthenticator::Algorithm::ES256) << true;
        QTest::newRow("EdDSA packed self") << int(SoftAuthenticator::Algorithm::EdDSA) << true;
        QTest::newRow("RS256 packed self") << int(SoftAuthenticator::Algorithm::RS256) << true;
    }
    void signUpThenSignInWithEmail()
    {
        QFETCH(int, algorithm);
        QFETCH(bool, packed);
        SoftAuthenticator authenticator(origin(), u"localhost"_s);
        SoftAuthenticator::CreateOptions create;
        create.algorithm = SoftAuthenticator::Algorithm(algorithm);
        create.packedSelfAttestation = packed;
        TestHttpResponse answer;
        const SignedUp user = signUp(authenticator, create, &answer);
        QVERIFY2(answer.status == 200, answer.body.constData());
        QCOMPARE(answer.json().value(u"sessionToken"_s).toString().size(), 43);
        QCOMPARE(answer.json().value(u"user"_s).toObject().value(u"id"_s).toString(), user.userId);
        QCOMPARE(answer.json().value(u"user"_s).toObject().value(u"email"_s).toString(), user.email);
        QVERIFY(answer.header("Set-Cookie").startsWith("gh_session="));

        // One user, one `passkey` provider row, one credential, and the flow key is gone.
        const QString credentialId = SoftAuthenticator::toB64(user.credentialId);
        QCOMPARE(scalar(u"SELECT count(*) FROM users WHERE id = ?::uuid AND email = ?"_s, {user.userId, user.email}).toInt(), 1);
        QCOMPARE(scalar(u"SELECT provider_id FROM auth_providers WHERE user_id = ?::uuid AND type = 'passkey'"_s,
                        {user.userId}).toString(), credentialId);
        QCOMPARE(scalar(u"SELECT user_id::text FROM passkey_credentials WHERE id = ?"_s, {credentialId}).toString(),
                 user.userId);
        QCOMPARE(scalar(u"SELECT device_type FROM passkey_credentials WHERE id = ?"_s, {credentialId}).toString(),
                 u"singleDevice"_s);
        QCOMPARE(scalar(u"SELECT attestation_format FROM passkey_credentials WHERE id = ?"_s, {credentialId}).toString(),
                 packed ? u"packed"_s : u"none"_s);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"passkey_registration:"_s + user.userId}), "0"_ba);
        QCOMPARE(call("GET", u"/api/v1/auth/session"_s, bearer(user.sessionToken)).status, 200);

        // Sign in with the email: allowCredentials names the passkey.
        const QJsonObject options = loginOptions(user.email);
        const QJsonArray allowed = options.value(u"options"_s).toObject().value(u"allowCredentials"_s).toArray();
        QCOMPARE(allowed.size(), 1);
        QCOMPARE(allowed.first().toObject().value(u"id"_s).toString(), credentialId);
        const QString loginToken = options.value(u"loginToken"_s).toString();
        const QJsonObject stored =
            QJsonDocument::fromJson(m_redis.cli({u"GET"_s, u"passkey_auth:"_s + loginToken})).object();
        QCOMPARE(stored.value(u"userId"_s).toString(), user.userId);
        QCOMPARE(stored.value(u"challenge"_s).toString(), options.value(u"options"_s).toObject().value(u"challenge"_s).toString());
        SoftAuthenticator::GetOptions get;
        get.counter = 7;
        const QJsonObject assertion = authenticator.get(options.value(u"options"_s).toObject(), get);
        const TestHttpResponse signedIn = post(u"/api/v1/auth/login/passkey/verify"_s,
                                               {{u"loginToken"_s, loginToken}, {u"response"_s, assertion}});
        QVERIFY2(signedIn.status == 200, signedIn.body.constData());
        QCOMPARE(signedIn.json().value(u"user"_s).toObject().value(u"id"_s).toString(), user.userId);
        QCOMPARE(scalar(u"SELECT counter FROM passkey_credentials WHERE id = ?"_s, {credentialId}).toInt(), 7);
        QVERIFY(scalar(u"SELECT last_used_at FROM passkey_credentials WHERE id = ?"_s, {credentialId}).toDateTime().isValid());
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"passkey_auth:"_s + loginToken}), "0"_ba);

        // The same login token again: single use.
        const TestHttpResponse replayed = post(u"/api/v1/auth/login/passkey/verify"_s,
                                               {{u"loginToken"_s, loginToken}, {u"response"_s, assertion}});
        QCOMPARE(replayed.status, 400);
        QCOMPARE(errorCode(replayed), u"CHALLENGE_NOT_FOUND"_s);
    }

    void usernamelessSignIn()
    {
        SoftAuthenticator authenticator(origin(), u"localhost"_s);
        const SignedUp user = signUp(authenticator);
        QVERIFY(!user.sessionToken.isEmpty());

        const QJsonObject options = loginOptions();
        QCOMPARE(options.value(u"options"_s).toObject().value(u"allowCredentials"_s).toArray().size(), 0);
        QCOMPARE(options.value(u"options"_s).toObject().value(u"rpId"_s).toString(), u"localhost"_s);
        QVERIFY(QJsonDocument::fromJson(m_redis.cli({u"GET"_s, u"passkey_auth:"_s + options.value(u"loginToken"_s).toString()}))
                    .object().value(u"userId"_s).isNull());
        const TestHttpResponse signedIn = post(
            u"/api/v1/auth/login/passkey/verify"_s,
            {{u"loginToken"_s, options.value(u"loginToken"_s)},
             {u"response"_s, authenticator.get(options.value(u"options"_s).toObject())}});
        QVERIFY2(signedIn.status == 200, signedIn.body.constData());
        QCOMPARE(signedIn.json().value(u"user"_s).toObject().value(u"id"_s).toString(), user.userId);

        // Usernameless needs the user handle, and it must be this passkey's user's.
        SoftAuthenticator::GetOptions noHandle;
        noHandle.includeUserHandle = false;
        TestHttpResponse refused = signIn(authenticator, {}, noHandle);
        QCOMPARE(refused.status, 400);
        QCOMPARE(errorCode(refused), u"WEBAUTHN_USER_HANDLE_MISSING"_s);
        SoftAuthenticator::GetOptions otherHandle;
        otherHandle.userHandleOverride = QUuid::createUuid().toRfc4122();
        refused = signIn(authenticator, {}, otherHandle);
        QCOMPARE(refused.status, 400);
        QCOMPARE(errorCode(refused), u"WEBAUTHN_USER_HANDLE_MISMATCH"_s);
        // With an email, the passkey must belong to that email's account.
        SoftAuthenticator other(origin(), u"localhost"_s);
        const SignedUp someoneElse = signUp(other);
        const QJsonObject forOther = loginOptions(someoneElse.email);
        SoftAuthenticator::GetOptions mine;
        mine.credentialId = user.credentialId;
        QJsonObject wrongOptions = forOther.value(u"options"_s).toObject();
        wrongOptions.remove(u"allowCredentials"_s);
        refused = post(u"/api/v1/auth/login/passkey/verify"_s,
                       {{u"loginToken"_s, forOther.value(u"loginToken"_s)},
                        {u"response"_s, authenticator.get(wrongOptions, mine)}});
        QCOMPARE(refused.status, 400);
        QCOMPARE(errorCode(refused), u"PASSKEY_NOT_FOUND"_s);
    }

    // A client that sends no User-Agent (curl -A '', small HTTP libraries) still signs in:
    // sessions.user_agent is NOT NULL, so the empty header must become '' rather than NULL.
    void signInWithoutUserAgent()
    {
        SoftAuthenticator authenticator(origin(), u"localhost"_s);
        const SignedUp user = signUp(authenticator);
        QVERIFY(!user.sessionToken.isEmpty());
        const QJsonObject options = loginOptions(user.email);
        const QByteArray body = QJsonDocument(QJsonObject{
            {u"loginToken"_s, options.value(u"loginToken"_s)},
            {u"response"_s, authenticator.get(options.value(u"options"_s).toObject())}}).toJson(QJsonDocument::Compact);
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_active->port());
        QVERIFY(socket.waitForConnected(5000));
        socket.write("POST /api/v1/auth/login/passkey/verify HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
                     "\r\n\r\n" + body);
        QByteArray answer;
        while (socket.waitForReadyRead(5000))
            answer += socket.readAll();
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.left(400).constData());
        QCOMPARE(scalar(u"SELECT count(*) FROM sessions WHERE user_id = ?::uuid AND user_agent = ''"_s, {user.userId}).toInt(), 1);
    }

    void unknownEmailAnswersLikeAKnownOne()
    {
        const QString unknown = u"nobody-%1@example.org"_s.arg(QDateTime::currentMSecsSinceEpoch());
        const QJsonObject first = loginOptions(unknown);
        const QJsonObject second = loginOptions(unknown.toUpper());
        QCOMPARE(QStringList(first.keys()), (QStringList{u"loginToken"_s, u"options"_s}));
        const QJsonArray allowed = first.value(u"options"_s).toObject().value(u"allowCredentials"_s).toArray();
        QVERIFY(!allowed.isEmpty());
        // Stable per address, as a real account's would be, and shaped like real descriptors.
        QCOMPARE(second.value(u"options"_s).toObject().value(u"allowCredentials"_s).toArray(), allowed);
        for (const QJsonValue &descriptor : allowed) {
            QCOMPARE(descriptor.toObject().value(u"type"_s).toString(), u"public-key"_s);
            QVERIFY(SoftAuthenticator::fromB64(descriptor.toObject().value(u"id"_s).toString()).size() >= 16);
        }
        QVERIFY(loginOptions(u"someone-else@example.org"_s).value(u"options"_s).toObject()
                    .value(u"allowCredentials"_s).toArray() != allowed);
        // A known account without passkeys gets decoys too.
        const QString withoutPasskeys = nextEmail();
        QVERIFY(!insertUser(db(), withoutPasskeys).isEmpty());
        QVERIFY(!loginOptions(withoutPasskeys).value(u"options"_s).toObject().value(u"allowCredentials"_s).toArray().isEmpty());

        // Signing in with a credential nobody registered is refused and counted.
        const QString before = failuresThisHour();
        SoftAuthenticator stranger(origin(), u"localhost"_s);
        stranger.create(QJsonObject{{u"rp"_s, QJsonObject{{u"id"_s, u"localhost"_s}}},
                                    {u"user"_s, QJsonObject{{u"id"_s, SoftAuthenticator::toB64("x")}}},
                                    {u"challenge"_s, SoftAuthenticator::toB64(QByteArray(32, 'c'))},
                                    {u"pubKeyCredParams"_s, QJsonArray{QJsonObject{{u"alg"_s, -7}}}}});
        const TestHttpResponse refused = signIn(stranger, {});
        QCOMPARE(refused.status, 400);
        QCOMPARE(errorCode(refused), u"PASSKEY_NOT_FOUND"_s);
        QCOMPARE(failuresThisHour().toInt(), before.toInt() + 1);
    }

    void emailTakenAtRegistration()
    {
        const QString email = nextEmail();
        QVERIFY(!insertUser(db(), email).isEmpty());
        const QString before = snapshot();
        const TestHttpResponse taken = post(u"/api/v1/auth/register/passkey/options"_s,
                                            {{u"email"_s, email}, {u"firstName"_s, u"A"_s}, {u"lastName"_s, u"B"_s}});
        QCOMPARE(taken.status, 409);
        QCOMPARE(errorCode(taken), u"EMAIL_TAKEN"_s);
        QCOMPARE(snapshot(), before);
    }

    void refusedRegistrationsWriteNothing()
    {
        const QString before = snapshot();
        // Wrong origin, wrong challenge, missing user presence (flags), and an unoffered algorithm.
        struct Case
        {
            const char *name;
            SoftAuthenticator::CreateOptions create;
            QString code;
        };
        QList<Case> cases;
        Case wrongOrigin{"origin", {}, u"WEBAUTHN_ORIGIN_NOT_ALLOWED"_s};
        wrongOrigin.create.origin = u"https://evil.example"_s;
        cases.append(wrongOrigin);
        Case wrongChallenge{"challenge", {}, u"WEBAUTHN_CHALLENGE_MISMATCH"_s};
        wrongChallenge.create.challengeOverride = QByteArray(32, 'x');
        cases.append(wrongChallenge);
        Case bsWithoutBe{"BS without BE", {}, u"WEBAUTHN_FLAGS_INVALID"_s};
        bsWithoutBe.create.backedUp = true;
        cases.append(bsWithoutBe);
        Case longId{"credential id over 191 bytes", {}, u"WEBAUTHN_CREDENTIAL_ID_TOO_LONG"_s};
        longId.create.credentialIdLength = 200;
        cases.append(longId);
        for (const Case &c : cases) {
            SoftAuthenticator authenticator(origin(), u"localhost"_s);
            TestHttpResponse answer;
            const SignedUp user = signUp(authenticator, c.create, &answer);
            QVERIFY2(answer.status == 400, c.name);
            QVERIFY2(errorCode(answer) == c.code, qPrintable(QString::fromLatin1(c.name) + u": "_s + errorCode(answer)));
            QVERIFY(!user.userId.isEmpty());
            QCOMPARE(scalar(u"SELECT count(*) FROM users WHERE id = ?::uuid"_s, {user.userId}).toInt(), 0);
        }
        QCOMPARE(snapshot(), before);
    }

    void replayedAndExpiredChallenges()
    {
        SoftAuthenticator authenticator(origin(), u"localhost"_s);
        const SignedUp user = signUp(authenticator);
        QVERIFY(!user.sessionToken.isEmpty());

        // An assertion made for one challenge, replayed under a fresh login token.
        const QJsonObject first = loginOptions(user.email);
        const QJsonObject assertion = authenticator.get(first.value(u"options"_s).toObject());
        QCOMPARE(post(u"/api/v1/auth/login/passkey/verify"_s,
                      {{u"loginToken"_s, first.value(u"loginToken"_s)}, {u"response"_s, assertion}}).status, 200);
        const QJsonObject second = loginOptions(user.email);
        TestHttpResponse replayed = post(u"/api/v1/auth/login/passkey/verify"_s,
                                         {{u"loginToken"_s, second.value(u"loginToken"_s)}, {u"response"_s, assertion}});
        QCOMPARE(replayed.status, 400);
        QCOMPARE(errorCode(replayed), u"WEBAUTHN_CHALLENGE_MISMATCH"_s);

        // A flow older than five minutes (its createdAt rewritten; the key itself still there).
        const QJsonObject old = loginOptions(user.email);
        const QString key = u"passkey_auth:"_s + old.value(u"loginToken"_s).toString();
        QJsonObject flow = QJsonDocument::fromJson(m_redis.cli({u"GET"_s, key})).object();
        flow.insert(u"createdAt"_s, QDateTime::currentDateTimeUtc().addSecs(-301).toString(Qt::ISODateWithMs));
        m_redis.cli({u"SET"_s, key, QString::fromUtf8(QJsonDocument(flow).toJson(QJsonDocument::Compact)), u"EX"_s, u"60"_s});
        TestHttpResponse expired = post(u"/api/v1/auth/login/passkey/verify"_s,
                                        {{u"loginToken"_s, old.value(u"loginToken"_s)},
                                         {u"response"_s, authenticator.get(old.value(u"options"_s).toObject())}});
        QCOMPARE(expired.status, 400);
        QCOMPARE(errorCode(expired), u"CHALLENGE_EXPIRED"_s);
        // A key Redis expired.
        const QJsonObject gone = loginOptions(user.email);
        m_redis.cli({u"PEXPIRE"_s, u"passkey_auth:"_s + gone.value(u"loginToken"_s).toString(), u"1"_s});
        QTest::qWait(20);
        expired = post(u"/api/v1/auth/login/passkey/verify"_s,
                       {{u"loginToken"_s, gone.value(u"loginToken"_s)},
                        {u"response"_s, authenticator.get(gone.value(u"options"_s).toObject())}});
        QCOMPARE(expired.status, 400);
        QCOMPARE(errorCode(expired), u"CHALLENGE_NOT_FOUND"_s);

        // The same for registration: a second verify with the same userId finds nothing.
        const TestHttpResponse options = post(u"/api/v1/auth/register/passkey/options"_s,
                                              {{u"email"_s, nextEmail()}, {u"firstName"_s, u"R"_s}, {u"lastName"_s, u"P"_s}});
        const QString userId = options.json().value(u"userId"_s).toString();
        SoftAuthenticator fresh(origin(), u"localhost"_s);
        const QJsonObject credential = fresh.create(options.json().value(u"options"_s).toObject());
        QCOMPARE(post(u"/api/v1/auth/register/passkey/verify"_s, {{u"userId"_s, userId}, {u"response"_s, credential}}).status, 200);
        const TestHttpResponse again = post(u"/api/v1/auth/register/passkey/verify"_s,
                                            {{u"userId"_s, userId}, {u"response"_s, credential}});
        QCOMPARE(again.status, 400);
        QCOMPARE(errorCode(again), u"CHALLENGE_NOT_FOUND"_s);
    }

    void refusedAssertions()
    {
        SoftAuthenticator authenticator(origin(), u"localhost"_s);
        const SignedUp user = signUp(authenticator);
        QVERIFY(!user.sessionToken.isEmpty());
        const QString before = snapshot();
        struct Case
        {
            const char *name;
            SoftAuthenticator::GetOptions get;
            QString code;
        };
        QList<Case> cases;
        Case badSignature{"signature", {}, u"WEBAUTHN_SIGNATURE_INVALID"_s};
        badSignature.get.corruptSignature = true;
        cases.append(badSignature);
        Case noPresence{"UP", {}, u"WEBAUTHN_USER_NOT_PRESENT"_s};
        noPresence.get.userPresent = false;
        cases.append(noPresence);
        Case wrongType{"type", {}, u"WEBAUTHN_TYPE_MISMATCH"_s};
        wrongType.get.type = u"webauthn.create"_s;
        cases.append(wrongType);
        Case wrongOrigin{"origin", {}, u"WEBAUTHN_ORIGIN_NOT_ALLOWED"_s};
        wrongOrigin.get.origin = u"http://localhost:1"_s;
        cases.append(wrongOrigin);
        Case beChanged{"BE changed", {}, u"WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED"_s};
        beChanged.get.backupEligible = true;
        cases.append(beChanged);
        for (const Case &c : cases) {
            const TestHttpResponse refused = signIn(authenticator, user.email, c.get);
            QVERIFY2(refused.status == 400, c.name);
            QVERIFY2(errorCode(refused) == c.code, qPrintable(QString::fromLatin1(c.name) + u": "_s + errorCode(refused)));
        }
        QCOMPARE(snapshot(), before);
    }

    void backupStateMayChange()
    {
        SoftAuthenticator authenticator(origin(), u"localhost"_s);
        SoftAuthenticator::CreateOptions create;
        create.backupEligible = true;
        const SignedUp user = signUp(authenticator, create);
        QVERIFY(!user.sessionToken.isEmpty());
        const QString id = SoftAuthenticator::toB64(user.credentialId);
        QCOMPARE(scalar(u"SELECT device_type FROM passkey_credentials WHERE id = ?"_s, {id}).toString(), u"multiDevice"_s);
        QCOMPARE(scalar(u"SELECT backed_up FROM passkey_credentials WHERE id = ?"_s, {id}).toBool(), false);
        SoftAuthenticator::GetOptions synced;
        synced.backedUp = true;
        QCOMPARE(signIn(authenticator, user.email, synced).status, 200);
        QCOMPARE(scalar(u"SELECT backed_up FROM passkey_credentials WHERE id = ?"_s, {id}).toBool(), true);
        // BE may not go away.
        SoftAuthenticator::GetOptions notEligible;
        notEligible.backupEligible = false;
        QCOMPARE(errorCode(signIn(authenticator, user.email, notEligible)), u"WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED"_s);
    }

    void counterGoingBackwardsIsRefusedAndFlagged()
    {
        SoftAuthenticator authenticator(origin(), u"localhost"_s);
        const SignedUp user = signUp(authenticator);
        QVERIFY(!user.sessionToken.isEmpty());
        const QString id = SoftAuthenticator::toB64(user.credentialId);
        SoftAuthenticator::GetOptions get;
        get.counter = 10;
        QCOMPARE(signIn(authenticator, user.email, get).status, 200);

        // Watch user:updated while the clone shows itself.
        QProcess subscriber;
        // stdbuf: redis-cli buffers its output when it is not a terminal.
        subscriber.start(u"stdbuf"_s, {u"-oL"_s, u"redis-cli"_s, u"-s"_s, m_redis.socketPath(), u"SUBSCRIBE"_s,
                                       u"user:updated"_s});
        QVERIFY(subscriber.waitForStarted());
        QByteArray events;
        QTRY_VERIFY((events += subscriber.readAllStandardOutput()).contains("user:updated"));
        events.clear();

        get.counter = 5;
        const TestHttpResponse refused = signIn(authenticator, user.email, get);
        QCOMPARE(refused.status, 403);
        QCOMPARE(errorCode(refused), u"PASSKEY_CLONE_SUSPECTED"_s);
        QCOMPARE(scalar(u"SELECT counter FROM passkey_credentials WHERE id = ?"_s, {id}).toInt(), 10);
        QVERIFY(scalar(u"SELECT clone_suspected_at FROM passkey_credentials WHERE id = ?"_s, {id}).toDateTime().isValid());
        QTRY_VERIFY((events += subscriber.readAllStandardOutput()).contains("passkey_clone_suspected"));
        QVERIFY(events.contains(user.userId.toLatin1()));
        subscriber.kill();
        subscriber.waitForFinished();
        // Flagged: refused from now on, even with a higher counter.
        get.counter = 50;
        QCOMPARE(errorCode(signIn(authenticator, user.email, get)), u"PASSKEY_CLONE_SUSPECTED"_s);
        // The account page shows it.
        const QJsonArray listed = call("GET", u"/api/v1/me/passkeys"_s, bearer(user.sessionToken)).json()
                                      .value(u"passkeys"_s).toArray();
        QVERIFY(listed.first().toObject().value(u"cloneSuspectedAt"_s).isString());
    }

    void counterPolicyAllow()
    {
        GatehousedProcess lenient(arguments({u"--webauthn-counter-policy"_s, u"allow"_s}));
        QVERIFY2(lenient.startAndWaitReady(), qPrintable(lenient.log()));
        SoftAuthenticator authenticator(origin(&lenient), u"localhost"_s);
        m_active = &lenient;
        const auto restore = qScopeGuard([this] { m_active = m_server.get(); });
        const SignedUp user = signUp(authenticator);
        SoftAuthenticator::GetOptions get;
        get.counter = 10;
        const int first = signIn(authenticator, user.email, get).status;
        get.counter = 10; // equal is not greater: a regression
        const TestHttpResponse allowed = signIn(authenticator, user.email, get);
        QVERIFY(!user.sessionToken.isEmpty());
        QCOMPARE(first, 200);
        QVERIFY2(allowed.status == 200, allowed.body.constData());
        const QString id = SoftAuthenticator::toB64(user.credentialId);
        QVERIFY(scalar(u"SELECT clone_suspected_at FROM passkey_credentials WHERE id = ?"_s, {id}).toDateTime().isValid());
        QCOMPARE(scalar(u"SELECT counter FROM passkey_credentials WHERE id = ?"_s, {id}).toInt(), 10);
    }

    void addListAndRemovePasskeys()
    {
        SoftAuthenticator phone(origin(), u"localhost"_s);
        const SignedUp user = signUp(phone);
        QVERIFY(!user.sessionToken.isEmpty());
        const Headers auth = bearer(user.sessionToken);

        TestHttpResponse options = post(u"/api/v1/me/passkeys/options"_s, {}, auth);
        QCOMPARE(options.status, 200);
        const QJsonObject creation = options.json().value(u"options"_s).toObject();
        QCOMPARE(creation.value(u"excludeCredentials"_s).toArray().first().toObject().value(u"id"_s).toString(),
                 SoftAuthenticator::toB64(user.credentialId));
        QCOMPARE(SoftAuthenticator::fromB64(creation.value(u"user"_s).toObject().value(u"id"_s).toString()),
                 QUuid::fromString(user.userId).toRfc4122());
        const QJsonObject stored =
            QJsonDocument::fromJson(m_redis.cli({u"GET"_s, u"passkey_registration:"_s + user.userId})).object();
        QVERIFY(stored.value(u"email"_s).isNull());
        // The authenticator that holds the first passkey refuses (excludeCredentials).
        QVERIFY(phone.create(creation).isEmpty());
        // A sign-up verify naming this user's id cannot take the pending addition.
        SoftAuthenticator laptop(origin(), u"localhost"_s);
        SoftAuthenticator::CreateOptions create;
        create.algorithm = SoftAuthenticator::Algorithm::EdDSA;
        const QJsonObject second = laptop.create(creation, create);
        QCOMPARE(errorCode(post(u"/api/v1/auth/register/passkey/verify"_s,
                                {{u"userId"_s, user.userId}, {u"response"_s, second}})),
                 u"CHALLENGE_NOT_FOUND"_s);
        const TestHttpResponse added = post(u"/api/v1/me/passkeys/verify"_s,
                                            {{u"response"_s, second}, {u"name"_s, u"Laptop"_s}}, auth);
        QVERIFY2(added.status == 201, added.body.constData());
        const QJsonObject passkey = added.json().value(u"passkey"_s).toObject();
        QCOMPARE(passkey.value(u"name"_s).toString(), u"Laptop"_s);
        QCOMPARE(passkey.value(u"deviceType"_s).toString(), u"singleDevice"_s);
        QVERIFY(!passkey.contains(u"publicKey"_s));

        // The cookie way needs an allowed Origin, like every unsafe cookie call.
        const QString cookieToken = user.sessionToken;
        QCOMPARE(post(u"/api/v1/me/passkeys/options"_s, {}, cookie(cookieToken, "https://evil.example")).status, 403);
        QCOMPARE(post(u"/api/v1/me/passkeys/options"_s, {}, cookie(cookieToken, origin().toLatin1())).status, 200);

        QJsonArray list = call("GET", u"/api/v1/me/passkeys"_s, auth).json().value(u"passkeys"_s).toArray();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list.at(0).toObject().value(u"id"_s).toString(), SoftAuthenticator::toB64(user.credentialId));
        QVERIFY(list.at(0).toObject().value(u"createdAt"_s).toString().endsWith(u'Z'));
        // Both sign in.
        QCOMPARE(signIn(laptop, user.email).status, 200);

        // Someone else's passkey, an unknown id, a malformed id: 404 and nothing removed.
        SoftAuthenticator other(origin(), u"localhost"_s);
        const SignedUp stranger = signUp(other);
        QCOMPARE(call("DELETE", u"/api/v1/me/passkeys/"_s + SoftAuthenticator::toB64(stranger.credentialId), auth).status, 404);
        QCOMPARE(call("DELETE", u"/api/v1/me/passkeys/AAAA"_s, auth).status, 404);
        QCOMPARE(call("DELETE", u"/api/v1/me/passkeys/not%20base64"_s, auth).status, 404);

        const TestHttpResponse removed =
            call("DELETE", u"/api/v1/me/passkeys/"_s + SoftAuthenticator::toB64(user.credentialId), auth);
        QCOMPARE(removed.status, 204);
        QCOMPARE(scalar(u"SELECT count(*) FROM auth_providers WHERE user_id = ?::uuid"_s, {user.userId}).toInt(), 0);
        // The last one stays.
        const QString last = list.at(1).toObject().value(u"id"_s).toString();
        const TestHttpResponse refused = call("DELETE", u"/api/v1/me/passkeys/"_s + last, auth);
        QCOMPARE(refused.status, 409);
        QCOMPARE(errorCode(refused), u"LAST_SIGN_IN_METHOD"_s);
        list = call("GET", u"/api/v1/me/passkeys"_s, auth).json().value(u"passkeys"_s).toArray();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.at(0).toObject().value(u"id"_s).toString(), last);
        QCOMPARE(errorCode(signIn(phone, {})), u"PASSKEY_NOT_FOUND"_s); // usernameless: it is just gone

        QCOMPARE(call("GET", u"/api/v1/me/passkeys"_s).status, 401);
        QCOMPARE(post(u"/api/v1/me/passkeys/options"_s, {}).status, 401);
    }

    void badBodies_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("field");
        const QString regOptions = u"/api/v1/auth/register/passkey/options"_s;
        const QString regVerify = u"/api/v1/auth/register/passkey/verify"_s;
        const QString loginOptions = u"/api/v1/auth/login/passkey/options"_s;
        const QString loginVerify = u"/api/v1/auth/login/passkey/verify"_s;
        const QByteArray longName = QByteArray(51, 'n');
        QTest::newRow("malformed JSON") << regOptions << "{\"email\":"_ba << 400 << u"INVALID_JSON"_s << QString();
        QTest::newRow("not an object") << loginOptions << "[1]"_ba << 400 << u"INVALID_JSON"_s << QString();
        QTest::newRow("email missing") << regOptions << "{\"firstName\":\"a\",\"lastName\":\"b\"}"_ba << 400
                                       << u"MISSING_FIELD"_s << u"email"_s;
        QTest::newRow("email a number") << regOptions << "{\"email\":5,\"firstName\":\"a\",\"lastName\":\"b\"}"_ba
                                        << 400 << u"INVALID_FIELD"_s << u"email"_s;
        QTest::newRow("email malformed") << regOptions << "{\"email\":\"a@\",\"firstName\":\"a\",\"lastName\":\"b\"}"_ba
                                         << 400 << u"EMAIL_INVALID"_s << u"email"_s;
        QTest::newRow("firstName too long")
            << regOptions << "{\"email\":\"long@example.org\",\"firstName\":\""_ba + longName + "\",\"lastName\":\"b\"}"_ba
            << 400 << u"FIELD_TOO_LONG"_s << u"firstName"_s;
        QTest::newRow("login email a bool") << loginOptions << "{\"email\":true}"_ba << 400 << u"INVALID_FIELD"_s << u"email"_s;
        QTest::newRow("userId missing") << regVerify << "{\"response\":{}}"_ba << 400 << u"MISSING_FIELD"_s << u"userId"_s;
        QTest::newRow("response missing") << loginVerify << "{\"loginToken\":\"abc\"}"_ba << 400 << u"MISSING_FIELD"_s
                                          << u"response"_s;
        QTest::newRow("response a string") << loginVerify << "{\"loginToken\":\"abc\",\"response\":\"x\"}"_ba << 400
                                           << u"INVALID_FIELD"_s << u"response"_s;
        QTest::newRow("rawId missing") << loginVerify << "{\"loginToken\":\"abc\",\"response\":{\"id\":\"AAAA\"}}"_ba
                                       << 400 << u"MISSING_FIELD"_s << u"response.rawId"_s;
        QTest::newRow("id not rawId")
            << loginVerify << "{\"loginToken\":\"abc\",\"response\":{\"id\":\"AAAA\",\"rawId\":\"AAAB\",\"type\":\"public-key\"}}"_ba
            << 400 << u"INVALID_FIELD"_s << u"response.id"_s;
        QTest::newRow("type wrong")
            << loginVerify << "{\"loginToken\":\"abc\",\"response\":{\"id\":\"AAAA\",\"rawId\":\"AAAA\",\"type\":\"x\"}}"_ba
            << 400 << u"INVALID_FIELD"_s << u"response.type"_s;
        QTest::newRow("inner response missing")
            << loginVerify << "{\"loginToken\":\"abc\",\"response\":{\"id\":\"AAAA\",\"rawId\":\"AAAA\",\"type\":\"public-key\"}}"_ba
            << 400 << u"MISSING_FIELD"_s << u"response.response"_s;
        QTest::newRow("clientDataJSON not base64url")
            << loginVerify
            << "{\"loginToken\":\"abc\",\"response\":{\"id\":\"AAAA\",\"rawId\":\"AAAA\",\"type\":\"public-key\","
               "\"response\":{\"clientDataJSON\":\"a+b/\",\"authenticatorData\":\"AAAA\",\"signature\":\"AAAA\"}}}"_ba
            << 400 << u"INVALID_FIELD"_s << u"response.response.clientDataJSON"_s;
        QTest::newRow("signature missing")
            << loginVerify
            << "{\"loginToken\":\"abc\",\"response\":{\"id\":\"AAAA\",\"rawId\":\"AAAA\",\"type\":\"public-key\","
               "\"response\":{\"clientDataJSON\":\"AAAA\",\"authenticatorData\":\"AAAA\"}}}"_ba
            << 400 << u"MISSING_FIELD"_s << u"response.response.signature"_s;
        QTest::newRow("signature oversize")
            << loginVerify
            << "{\"loginToken\":\"abc\",\"response\":{\"id\":\"AAAA\",\"rawId\":\"AAAA\",\"type\":\"public-key\","
               "\"response\":{\"clientDataJSON\":\"AAAA\",\"authenticatorData\":\"AAAA\",\"signature\":\""_ba +
                   QByteArray(2000, 'A') + "\"}}}"_ba
            << 400 << u"FIELD_TOO_LARGE"_s << u"response.response.signature"_s;
        QTest::newRow("attestationObject a number")
            << regVerify
            << "{\"userId\":\"00000000-0000-4000-8000-000000000000\",\"response\":{\"id\":\"AAAA\",\"rawId\":\"AAAA\","
               "\"type\":\"public-key\",\"response\":{\"clientDataJSON\":\"AAAA\",\"attestationObject\":1}}}"_ba
            << 400 << u"INVALID_FIELD"_s << u"response.response.attestationObject"_s;
        QTest::newRow("transports not strings")
            << regVerify
            << "{\"userId\":\"00000000-0000-4000-8000-000000000000\",\"response\":{\"id\":\"AAAA\",\"rawId\":\"AAAA\","
               "\"type\":\"public-key\",\"response\":{\"clientDataJSON\":\"AAAA\",\"attestationObject\":\"AAAA\","
               "\"transports\":[1]}}}"_ba
            << 400 << u"INVALID_FIELD"_s << u"response.response.transports"_s;
        QTest::newRow("response oversize")
            << regVerify << "{\"userId\":\"x\",\"response\":{\"pad\":\""_ba + QByteArray(70000, 'p') + "\"}}"_ba << 400
            << u"FIELD_TOO_LARGE"_s << u"response"_s;
    }
    void badBodies()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, field);
        // A pending sign-in and registration stay untouched by a refused body.
        const QJsonObject pending = loginOptions();
        const QString key = u"passkey_auth:"_s + pending.value(u"loginToken"_s).toString();
        QByteArray effective = body;
        effective.replace("\"abc\"", "\"" + pending.value(u"loginToken"_s).toString().toLatin1() + "\"");
        const QString before = snapshot();
        const TestHttpResponse answer = postRaw(path, effective);
        QCOMPARE(answer.status, status);
        QCOMPARE(errorCode(answer), code);
        QCOMPARE(errorField(answer), field);
        QCOMPARE(snapshot(), before);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, key}), "1"_ba);
    }
};

QTEST_GUILESS_MAIN(TestPasskeyHttp)
#include "TestPasskeyHttp.moc"
