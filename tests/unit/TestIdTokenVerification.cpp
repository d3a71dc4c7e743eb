// ID tokens of social sign-in providers (issue 7): OAuthFlow::verifyIdToken over RS256 (new,
// server/crypto/RsaPublicKey) and ES256, with keys and signatures made here with OpenSSL
// directly, not with the server's crypto code. Also the claims → identity rules (Apple's
// string booleans, private relay, the one-time name) and Apple's generated client secret.
#include "server/crypto/EcSigningKey.h"
#include "server/crypto/RsaPublicKey.h"
#include "server/oauth/AppleClientSecret.h"
#include "server/oauth/OAuthFlow.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

struct KeyFree
{
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

QByteArray b64(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

Key rsaKey(int bits)
{
    return Key(EVP_RSA_gen(static_cast<unsigned>(bits)));
}

QJsonObject rsaJwk(EVP_PKEY *key, const QString &kid)
{
    BIGNUM *n = nullptr;
    BIGNUM *e = nullptr;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
    QByteArray nb(BN_num_bytes(n), 0);
    QByteArray eb(BN_num_bytes(e), 0);
    BN_bn2bin(n, reinterpret_cast<unsigned char *>(nb.data()));
    BN_bn2bin(e, reinterpret_cast<unsigned char *>(eb.data()));
    BN_free(n);
    BN_free(e);
    return {{u"kty"_s, u"RSA"_s}, {u"kid"_s, kid}, {u"use"_s, u"sig"_s}, {u"alg"_s, u"RS256"_s},
            {u"n"_s, QString::fromLatin1(b64(nb))}, {u"e"_s, QString::fromLatin1(b64(eb))}};
}

QString signRs256(EVP_PKEY *key, const QJsonObject &header, const QJsonObject &claims)
{
    const QByteArray input = b64(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.' +
                             b64(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t length = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char *>(input.constData()), input.size());
    QByteArray signature(static_cast<qsizetype>(length), 0);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(signature.data()), &length,
                   reinterpret_cast<const unsigned char *>(input.constData()), input.size());
    EVP_MD_CTX_free(ctx);
    return QString::fromLatin1(input + '.' + b64(signature.left(static_cast<qsizetype>(length))));
}

const qint64 kNow = 1'800'000'000;

} // namespace

class TestIdTokenVerification : public QObject
{
    Q_OBJECT

private:
    Key m_rsa = rsaKey(2048);
    OAuthProviderSettings m_provider;
    OAuthProviderMetadata m_metadata;

    QJsonObject claims() const
    {
        return {{u"iss"_s, u"https://id.example.org"_s}, {u"aud"_s, u"client-1"_s}, {u"sub"_s, u"user-9"_s},
                {u"iat"_s, kNow - 10}, {u"exp"_s, kNow + 600}, {u"nonce"_s, u"n-123"_s}};
    }
    QJsonArray jwks() const { return {rsaJwk(m_rsa.get(), u"k1"_s)}; }
    QString token(const QJsonObject &payload, const QString &kid = u"k1"_s) const
    {
        return signRs256(m_rsa.get(), {{u"alg"_s, u"RS256"_s}, {u"kid"_s, kid}}, payload);
    }
    QString verifyCode(const QString &idToken, const QJsonArray &keys, const QString &nonce = u"n-123"_s) const
    {
        auto verified = OAuthFlow::verifyIdToken(idToken, keys, m_provider, m_metadata, nonce, kNow);
        return verified ? QString() : verified.error().code;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_rsa);
        m_provider.name = u"oidc"_s;
        m_provider.clientId = u"client-1"_s;
        m_metadata.issuer = u"https://id.example.org"_s;
    }

    void rs256Accepted()
    {
        auto verified = OAuthFlow::verifyIdToken(token(claims()), jwks(), m_provider, m_metadata, u"n-123"_s, kNow);
        QVERIFY2(verified, qPrintable(verified ? QString() : verified.error().message));
        QCOMPARE(verified->value(u"sub"_s).toString(), u"user-9"_s);
    }

    void es256Accepted()
    {
        auto key = EcSigningKey::generate();
        QVERIFY(key);
        QJsonObject payload = claims();
        const QByteArray input = b64(QJsonDocument(QJsonObject{{u"alg"_s, u"ES256"_s}, {u"kid"_s, key->kid()}}).toJson(QJsonDocument::Compact)) +
                                 '.' + b64(QJsonDocument(payload).toJson(QJsonDocument::Compact));
        const QString idToken = QString::fromLatin1(input + '.' + b64(key->signEs256(input)));
        QCOMPARE(verifyCode(idToken, {key->publicJwk()}), QString());
        // The same token against an RSA key of that kid: refused.
        QJsonObject wrongType = rsaJwk(m_rsa.get(), key->kid());
        QCOMPARE(verifyCode(idToken, {wrongType}), u"ID_TOKEN_SIGNATURE_INVALID"_s);
    }

    void refused_data()
    {
        QTest::addColumn<QString>("idToken");
        QTest::addColumn<QString>("nonce");
        QTest::addColumn<QString>("code");
        QJsonObject c = claims();
        QTest::newRow("nonce") << token(c) << u"other"_s << u"ID_TOKEN_NONCE_INVALID"_s;
        QTest::newRow("no nonce in token") << token([&] { auto x = c; x.remove(u"nonce"_s); return x; }()) << u"n-123"_s << u"ID_TOKEN_NONCE_INVALID"_s;
        QTest::newRow("expired beyond leeway") << token([&] { auto x = c; x[u"exp"_s] = kNow - 61; return x; }()) << u"n-123"_s << u"ID_TOKEN_EXPIRED"_s;
        QTest::newRow("issued in the future") << token([&] { auto x = c; x[u"iat"_s] = kNow + 120; return x; }()) << u"n-123"_s << u"ID_TOKEN_INVALID"_s;
        QTest::newRow("no iat") << token([&] { auto x = c; x.remove(u"iat"_s); return x; }()) << u"n-123"_s << u"ID_TOKEN_INVALID"_s;
        QTest::newRow("audience") << token([&] { auto x = c; x[u"aud"_s] = u"client-2"_s; return x; }()) << u"n-123"_s << u"ID_TOKEN_AUDIENCE_INVALID"_s;
        QTest::newRow("azp another client") << token([&] { auto x = c; x[u"aud"_s] = QJsonArray{u"client-1"_s, u"client-2"_s}; x[u"azp"_s] = u"client-2"_s; return x; }())
                                            << u"n-123"_s << u"ID_TOKEN_AUDIENCE_INVALID"_s;
        QTest::newRow("issuer") << token([&] { auto x = c; x[u"iss"_s] = u"https://id.example.org/"_s; return x; }()) << u"n-123"_s << u"ID_TOKEN_ISSUER_INVALID"_s;
        QTest::newRow("unknown kid") << token(c, u"k2"_s) << u"n-123"_s << u"ID_TOKEN_KEY_UNKNOWN"_s;
        QTest::newRow("alg none") << QString::fromLatin1(b64(R"({"alg":"none","kid":"k1"})") + '.' + b64(QJsonDocument(c).toJson()) + '.')
                                  << u"n-123"_s << u"ID_TOKEN_INVALID"_s;
        QTest::newRow("HS256") << QString::fromLatin1(b64(R"({"alg":"HS256","kid":"k1"})") + '.' + b64(QJsonDocument(c).toJson()) + ".c2ln")
                               << u"n-123"_s << u"ID_TOKEN_INVALID"_s;
        QString tampered = token(c);
        tampered.replace(tampered.indexOf(u'.') + 5, 1, tampered[tampered.indexOf(u'.') + 5] == u'A' ? u'B' : u'A');
        QTest::newRow("payload changed") << tampered << u"n-123"_s << u"ID_TOKEN_SIGNATURE_INVALID"_s;
    }
    void refused()
    {
        QFETCH(QString, idToken);
        QFETCH(QString, nonce);
        QFETCH(QString, code);
        QCOMPARE(verifyCode(idToken, jwks(), nonce), code);
    }

    void shortRsaKeysRefused()
    {
        Key small = rsaKey(1024);
        const QString idToken = signRs256(small.get(), {{u"alg"_s, u"RS256"_s}, {u"kid"_s, u"s"_s}}, claims());
        QVERIFY(!RsaPublicKey::verifyRs256(rsaJwk(small.get(), u"s"_s), "x", QByteArray(128, 'x')));
        QCOMPARE(verifyCode(idToken, {rsaJwk(small.get(), u"s"_s)}), u"ID_TOKEN_SIGNATURE_INVALID"_s);
    }

    // Microsoft's multi-tenant issuer names {tenantid}: filled from the token's tid.
    void microsoftTenantIssuer()
    {
        OAuthProviderMetadata microsoft;
        microsoft.issuer = u"https://login.microsoftonline.com/{tenantid}/v2.0"_s;
        QJsonObject c = claims();
        c[u"tid"_s] = u"9188040d-6c67-4c5b-b112-36a304b66dad"_s;
        c[u"iss"_s] = u"https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"_s;
        QVERIFY(OAuthFlow::verifyIdToken(token(c), jwks(), m_provider, microsoft, u"n-123"_s, kNow));
        c[u"tid"_s] = u"another-tenant"_s;
        auto other = OAuthFlow::verifyIdToken(token(c), jwks(), m_provider, microsoft, u"n-123"_s, kNow);
        QVERIFY(!other);
        QCOMPARE(other.error().code, u"ID_TOKEN_ISSUER_INVALID"_s);
    }

    void googleShortIssuer()
    {
        OAuthProviderMetadata google;
        google.issuer = u"https://accounts.google.com"_s;
        QJsonObject c = claims();
        c[u"iss"_s] = u"accounts.google.com"_s;
        QVERIFY(OAuthFlow::verifyIdToken(token(c), jwks(), m_provider, google, u"n-123"_s, kNow));
        c[u"iss"_s] = u"evil.google.com"_s;
        QVERIFY(!OAuthFlow::verifyIdToken(token(c), jwks(), m_provider, google, u"n-123"_s, kNow));
        // Only Google's issuer has a short form.
        c[u"iss"_s] = u"id.example.org"_s;
        QCOMPARE(verifyCode(token(c), jwks()), u"ID_TOKEN_ISSUER_INVALID"_s);
    }

    void appleClaims()
    {
        const OAuthIdentity relay = OAuthFlow::identityFromClaims(
            u"apple"_s,
            {{u"sub"_s, u"001.abc"_s}, {u"email"_s, u"x@privaterelay.appleid.com"_s}, {u"email_verified"_s, u"true"_s},
             {u"is_private_email"_s, u"true"_s}},
            {{u"name"_s, QJsonObject{{u"firstName"_s, u"Ada"_s}, {u"lastName"_s, u"Lovelace"_s}}}});
        QVERIFY(relay.emailVerified);
        QVERIFY(relay.privateRelay);
        QCOMPARE(relay.firstName, u"Ada"_s);
        QCOMPARE(relay.lastName, u"Lovelace"_s);
        const OAuthIdentity unverified = OAuthFlow::identityFromClaims(
            u"oidc"_s, {{u"sub"_s, u"1"_s}, {u"email"_s, u"a@b.org"_s}, {u"email_verified"_s, u"yes"_s}, {u"name"_s, u"Grace Brewster Hopper"_s}}, {});
        QVERIFY(!unverified.emailVerified); // only true or "true" assert it
        QVERIFY(!unverified.privateRelay);
        QCOMPARE(unverified.firstName, u"Grace Brewster"_s);
        QCOMPARE(unverified.lastName, u"Hopper"_s);
    }

    void appleClientSecret()
    {
        auto key = EcSigningKey::generate();
        QVERIFY(key);
        QByteArray pem = "-----BEGIN PRIVATE KEY-----\n" + key->toPkcs8Der().toBase64() + "\n-----END PRIVATE KEY-----\n";
        auto secret = AppleClientSecret::create(pem, u"TEAMID1234"_s, u"KEYID12345"_s, u"org.example.web"_s);
        QVERIFY(secret);
        const QDateTime start = QDateTime::fromSecsSinceEpoch(kNow, Qt::UTC);
        const QString first = (*secret)->current(start);
        const QStringList parts = first.split(u'.');
        QCOMPARE(parts.size(), 3);
        const QJsonObject header = QJsonDocument::fromJson(QByteArray::fromBase64(parts[0].toLatin1(), QByteArray::Base64UrlEncoding)).object();
        const QJsonObject payload = QJsonDocument::fromJson(QByteArray::fromBase64(parts[1].toLatin1(), QByteArray::Base64UrlEncoding)).object();
        QCOMPARE(header, (QJsonObject{{u"alg"_s, u"ES256"_s}, {u"kid"_s, u"KEYID12345"_s}}));
        QCOMPARE(payload.value(u"iss"_s).toString(), u"TEAMID1234"_s);
        QCOMPARE(payload.value(u"sub"_s).toString(), u"org.example.web"_s);
        QCOMPARE(payload.value(u"aud"_s).toString(), u"https://appleid.apple.com"_s);
        QCOMPARE(payload.value(u"iat"_s).toInteger(), kNow);
        QVERIFY(payload.value(u"exp"_s).toInteger() - kNow <= 15777000); // Apple's six months
        QVERIFY(EcSigningKey::verifyEs256(key->publicJwk(), (parts[0] + u'.' + parts[1]).toLatin1(),
                                          QByteArray::fromBase64(parts[2].toLatin1(), QByteArray::Base64UrlEncoding)));
        // Cached until a day before it expires, then made anew.
        QCOMPARE((*secret)->current(start.addDays(5)), first);
        const QString renewed = (*secret)->current(start.addSecs(AppleClientSecret::kLifetimeSeconds - 3600));
        QVERIFY(renewed != first);
        QVERIFY(!AppleClientSecret::create("not a key", u"T"_s, u"K"_s, u"c"_s));
    }
};

QTEST_GUILESS_MAIN(TestIdTokenVerification)
#include "TestIdTokenVerification.moc"
