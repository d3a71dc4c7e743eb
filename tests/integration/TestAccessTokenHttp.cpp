// Access tokens and the JWKS over HTTP against the real gatehoused (issue 4): POST
// /api/v1/auth/token answers a JWT whose claims are sub, sid, email, role, iss (the public URL),
// aud, iat and exp (iat + access-token-lifetime) and whose header kid is served at
// /.well-known/jwks.json (public keys only). The signature is checked twice: with the project's
// Jwt::verify, and independently with OpenSSL from the JWKS text alone
// (tests/support/IndependentEs256.h). Expired tokens (a clock past exp and the leeway) and
// forgeries (changed payload, another key's signature under the right kid, an unknown kid,
// alg none) are refused by both.
//
// Sessions are seeded with SQL (tests/support/SessionFixtures), as a sign-in would leave them.
#include "server/crypto/EcSigningKey.h"
#include "server/crypto/Jwt.h"
#include "tests/support/GatehousedProcess.h"
#include "tests/support/IndependentEs256.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>
#include <memory>

using namespace SessionFixtures;
using namespace Qt::StringLiterals;

class TestAccessTokenHttp : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    int m_users = 0;

    QSqlDatabase db() const { return m_db->database(); }
    // The shared Redis has other users: their calls must not make ours 429.
    static QStringList arguments(const ScratchDatabase &database)
    {
        return {u"--database-url"_s,
                database.url(),
                u"--redis-url"_s,
                qEnvironmentVariable("GH_TEST_REDIS_URL"),
                u"--workers"_s,
                u"1"_s,
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
    // The error code of a refused token, or "OK".
    static QString refusal(const Result<QJsonObject> &verified)
    {
        return verified.ok() ? u"OK"_s : verified.error().code;
    }
    QString newUser(const QString &role = u"user"_s)
    {
        return insertUser(db(), u"token%1@example.org"_s.arg(++m_users), role);
    }
    QJsonArray jwks(GatehousedProcess *server = nullptr, QByteArray *text = nullptr)
    {
        const TestHttpResponse answer = call("GET", u"/.well-known/jwks.json"_s, {}, server);
        if (text)
            *text = answer.body;
        return answer.json().value(u"keys"_s).toArray();
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariable("GH_TEST_REDIS_URL").isEmpty(),
                 "GH_TEST_REDIS_URL is not set: run through scripts/test");
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(arguments(*m_db));
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
    }

    void cleanupTestCase()
    {
        if (m_server)
            QVERIFY2(m_server->running(), qPrintable(m_server->log()));
        m_server.reset();
        m_db.reset();
    }

    void tokenNeedsASession()
    {
        QCOMPARE(call("POST", u"/api/v1/auth/token"_s).status, 401);
        QCOMPARE(call("POST", u"/api/v1/auth/token"_s, bearer(newToken())).status, 401);
        const QString token = insertSession(db(), newUser());
        QVERIFY(!token.isEmpty());
        // A cookie-authenticated POST needs an allowed Origin (the public URL's by default).
        QCOMPARE(call("POST", u"/api/v1/auth/token"_s, cookie(token)).status, 403);
        QCOMPARE(call("POST", u"/api/v1/auth/token"_s, cookie(token, origin())).status, 200);
        QCOMPARE(call("GET", u"/api/v1/auth/token"_s, bearer(token)).status, 405);
    }

    void accessTokenClaimsAndSignature()
    {
        const QString userId = newUser(u"admin"_s);
        const QString token = insertSession(db(), userId);
        QVERIFY(!token.isEmpty());
        const qint64 before = QDateTime::currentSecsSinceEpoch();
        const TestHttpResponse answer = call("POST", u"/api/v1/auth/token"_s, bearer(token));
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json().keys(), (QStringList{u"accessToken"_s, u"accessTokenExpiresAt"_s}));
        const QString jwt = answer.json().value(u"accessToken"_s).toString();
        QCOMPARE(jwt.count(u'.'), 2);

        const QJsonObject header = IndependentEs256::part(jwt, 0);
        QCOMPARE(header.value(u"alg"_s).toString(), u"ES256"_s);
        QCOMPARE(header.value(u"typ"_s).toString(), u"JWT"_s);
        const QString kid = header.value(u"kid"_s).toString();
        QCOMPARE(kid.size(), 43);
        const QJsonObject claims = IndependentEs256::part(jwt, 1);
        QCOMPARE(claims.keys(), (QStringList{u"aud"_s, u"email"_s, u"exp"_s, u"iat"_s, u"iss"_s,
                                             u"role"_s, u"sid"_s, u"sub"_s}));
        QCOMPARE(claims.value(u"sub"_s).toString(), userId);
        QCOMPARE(claims.value(u"sid"_s).toString(), idFor(token));
        QCOMPARE(claims.value(u"email"_s).toString(), u"token%1@example.org"_s.arg(m_users));
        QCOMPARE(claims.value(u"role"_s).toString(), u"admin"_s);
        QCOMPARE(claims.value(u"iss"_s).toString(), QString::fromLatin1(origin()));
        QCOMPARE(claims.value(u"aud"_s).toString(), u"gatehouse"_s);
        const qint64 iat = claims.value(u"iat"_s).toInteger();
        QVERIFY(iat >= before - 1 && iat <= QDateTime::currentSecsSinceEpoch() + 1);
        QCOMPARE(claims.value(u"exp"_s).toInteger(), iat + 300);
        QCOMPARE(answer.json().value(u"accessTokenExpiresAt"_s).toString(),
                 QDateTime::fromSecsSinceEpoch(iat + 300, Qt::UTC).toString(Qt::ISODateWithMs));

        // The JWKS: public keys only, one of them the token's.
        QByteArray jwksText;
        const QJsonArray keys = jwks(nullptr, &jwksText);
        QVERIFY(!keys.isEmpty());
        bool found = false;
        for (const QJsonValue &value : keys) {
            const QJsonObject jwk = value.toObject();
            QCOMPARE(jwk.value(u"kty"_s).toString(), u"EC"_s);
            QCOMPARE(jwk.value(u"crv"_s).toString(), u"P-256"_s);
            QCOMPARE(jwk.value(u"alg"_s).toString(), u"ES256"_s);
            QCOMPARE(jwk.value(u"use"_s).toString(), u"sig"_s);
            QVERIFY2(!jwk.contains(u"d"_s), "a JWKS must never carry the private key");
            found |= jwk.value(u"kid"_s).toString() == kid;
        }
        QVERIFY(found);
        QCOMPARE(call("GET", u"/.well-known/jwks.json"_s).header("Cache-Control"),
                 "public, max-age=300"_ba);

        // The project's verifier, with the claims a relying service checks.
        Jwt::VerifyOptions options;
        options.issuer = QString::fromLatin1(origin());
        options.audience = u"gatehouse"_s;
        const auto verified = Jwt::verify(jwt, keys, options);
        QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().code));
        QCOMPARE(*verified, claims);
        options.audience = u"another-service"_s;
        QCOMPARE(refusal(Jwt::verify(jwt, keys, options)), QString(Jwt::kAudienceInvalid));
        options.audience = u"gatehouse"_s;
        options.issuer = u"https://id.example.org"_s;
        QCOMPARE(refusal(Jwt::verify(jwt, keys, options)), QString(Jwt::kIssuerInvalid));
        // And OpenSSL, from the JWKS text alone.
        QVERIFY(IndependentEs256::verify(jwt, jwksText));

        // Forgeries: a changed payload, the right kid with another key's signature, another
        // key's own kid, no signature at all.
        const QStringList parts = jwt.split(u'.');
        QJsonObject elevated = claims;
        elevated.insert(u"sub"_s, newUser());
        const auto b64 = [](const QByteArray &bytes) {
            return QString::fromLatin1(
                bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
        };
        const QString changedPayload = parts.at(0) + u'.' +
                                       b64(QJsonDocument(elevated).toJson(QJsonDocument::Compact)) +
                                       u'.' + parts.at(2);
        const EcSigningKey stranger = EcSigningKey::generate().value();
        const QString input = parts.at(0) + u'.' + parts.at(1);
        const QString wrongKey = input + u'.' + b64(stranger.signEs256(input.toLatin1()));
        const QString strangersOwn = Jwt::signEs256(claims, stranger);
        const QString unsigned_ =
            b64(R"({"alg":"none","typ":"JWT"})"_ba) + u'.' + parts.at(1) + u'.';
        const QList<QPair<QString, QLatin1String>> forged{{changedPayload, Jwt::kSignatureInvalid},
                                                          {wrongKey, Jwt::kSignatureInvalid},
                                                          {strangersOwn, Jwt::kKeyUnknown},
                                                          {unsigned_, Jwt::kAlgorithmUnsupported}};
        for (const auto &[forgery, code] : forged) {
            QCOMPARE(refusal(Jwt::verify(forgery, keys)), QString(code));
            QVERIFY(!IndependentEs256::verify(forgery, jwksText));
        }
    }

    void expiredAccessTokenRefused()
    {
        GatehousedProcess shortLived(arguments(*m_db) << u"--access-token-lifetime"_s << u"30"_s);
        QVERIFY2(shortLived.startAndWaitReady(), qPrintable(shortLived.log()));
        const QString token = insertSession(db(), newUser());
        QVERIFY(!token.isEmpty());
        const TestHttpResponse answer =
            call("POST", u"/api/v1/auth/token"_s, bearer(token), &shortLived);
        QCOMPARE(answer.status, 200);
        const QString jwt = answer.json().value(u"accessToken"_s).toString();
        const QJsonObject claims = IndependentEs256::part(jwt, 1);
        const qint64 iat = claims.value(u"iat"_s).toInteger();
        QCOMPARE(claims.value(u"exp"_s).toInteger(), iat + 30);
        QCOMPARE(claims.value(u"iss"_s).toString(),
                 u"http://127.0.0.1:%1"_s.arg(shortLived.port()));

        QByteArray jwksText;
        const QJsonArray keys = jwks(&shortLived, &jwksText);
        QVERIFY(IndependentEs256::verify(jwt, jwksText));
        Jwt::VerifyOptions options;
        options.nowSeconds = [iat] { return iat + 29; };
        QCOMPARE(refusal(Jwt::verify(jwt, keys, options)), u"OK"_s);
        options.nowSeconds = [iat] { return iat + 30 + 31; }; // past exp and the 30 s leeway
        QCOMPARE(refusal(Jwt::verify(jwt, keys, options)), QString(Jwt::kExpired));
        // Both instances share the database, so each one's JWKS serves the other's key too.
        QCOMPARE(refusal(Jwt::verify(jwt, jwks())), u"OK"_s);
    }
};

QTEST_GUILESS_MAIN(TestAccessTokenHttp)
#include "TestAccessTokenHttp.moc"
