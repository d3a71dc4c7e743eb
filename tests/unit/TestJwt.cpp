// ES256 JWTs: Jwt::signEs256/verify (every error code, algorithm confusion, tampering, time
// rules with an injected clock, iss/aud) and JwtKeyRing over an in-memory SecretStore (first
// start, reload, rotation and retention, prune, corruption, store failures, concurrent readers).
// EcSigningKey itself is tested in TestJwtVerification, next to the OpenSSL cross-checks.

#include "models/common/Log.h"
#include "server/crypto/Crypto.h"
#include "server/crypto/EcSigningKey.h"
#include "server/crypto/Jwt.h"
#include "server/crypto/JwtKeyRing.h"
#include "server/secrets/SecretStore.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QMap>
#include <QSet>
#include <QTest>
#include <atomic>
#include <thread>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

// The SecretStore contract in memory, with switches to make the backend fail.
class MemorySecretStore : public SecretStore
{
public:
    Result<QByteArray> read(const QString &name) override
    {
        if (Status st = checkName(name); !st)
            return st.error();
        if (unavailable)
            return makeError(QString(kUnavailable), u"memory store switched off"_s);
        if (!values.contains(name))
            return makeError(QString(kNotFound), u"no secret "_s + name);
        return values.value(name);
    }
    Status write(const QString &name, const QByteArray &value) override
    {
        if (Status st = checkName(name); !st)
            return st;
        if (Status st = checkValue(name, value); !st)
            return st;
        if (unavailable || failWrites.contains(name))
            return makeError(QString(kUnavailable), u"memory store refuses "_s + name);
        values.insert(name, value);
        return {};
    }
    Status remove(const QString &name) override
    {
        if (unavailable)
            return makeError(QString(kUnavailable), u"memory store switched off"_s);
        values.remove(name);
        return {};
    }
    QString describe() const override { return u"memory store"_s; }

    QMap<QString, QByteArray> values;
    QSet<QString> failWrites;
    bool unavailable = false;
};

constexpr qint64 kNow = 1'700'000'000;
constexpr qint64 kRetain = 930; // 15 min access tokens + 30 s leeway

QJsonObject claimsAt(qint64 iat, qint64 lifetime = 900)
{
    return QJsonObject{{u"sub"_s, u"7f0c2b4e-1111-4222-8333-944445555666"_s},
                       {u"sid"_s, u"a1b2"_s},
                       {u"email"_s, u"ada@example.org"_s},
                       {u"role"_s, u"user"_s},
                       {u"iss"_s, u"https://id.example.org"_s},
                       {u"aud"_s, u"gatehouse"_s},
                       {u"iat"_s, iat},
                       {u"exp"_s, iat + lifetime}};
}

Jwt::VerifyOptions at(qint64 now)
{
    Jwt::VerifyOptions options;
    options.nowSeconds = [now] { return now; };
    return options;
}

QString b64(const QByteArray &bytes)
{
    return QString::fromLatin1(Crypto::base64UrlEncode(bytes));
}

QString b64Json(const QJsonObject &object)
{
    return b64(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// A token with any header/payload, signed (ES256) by `key` over exactly those parts.
QString handMade(const QString &headerPart, const QString &payloadPart, const EcSigningKey &key)
{
    const QString input = headerPart + u'.' + payloadPart;
    return input + u'.' + b64(key.signEs256(input.toLatin1()));
}

QJsonObject es256Header(const EcSigningKey &key)
{
    return {{u"alg"_s, u"ES256"_s}, {u"typ"_s, u"JWT"_s}, {u"kid"_s, key.kid()}};
}

QString errorOf(const Result<QJsonObject> &result)
{
    return result.ok() ? u"(accepted)"_s : result.error().code;
}

} // namespace

class TestJwt : public QObject
{
    Q_OBJECT

private:
    EcSigningKey m_key = EcSigningKey::generate().value();
    QJsonArray m_jwks{m_key.publicJwk()};

private slots:
    // --- Jwt
    // --------------------------------------------------------------------------------------
    void roundTrip()
    {
        const QJsonObject claims = claimsAt(kNow);
        const QString token = Jwt::signEs256(claims, m_key);
        const QStringList parts = token.split(u'.');
        QCOMPARE(parts.size(), 3);
        QVERIFY(!token.contains(u'='));
        const auto header = Crypto::base64UrlDecode(QStringView(parts.at(0)));
        QVERIFY(header.ok());
        QCOMPARE(QJsonDocument::fromJson(*header).object(), es256Header(m_key));
        QVERIFY(!header->contains(' ')); // compact JSON

        Jwt::VerifyOptions options = at(kNow + 60);
        options.issuer = u"https://id.example.org"_s;
        options.audience = u"gatehouse"_s;
        const auto verified = Jwt::verify(token, m_jwks, options);
        QVERIFY2(verified.ok(), qPrintable(errorOf(verified)));
        QCOMPARE(*verified, claims);
        // The right key is picked among several.
        const QJsonArray many{EcSigningKey::generate()->publicJwk(), m_key.publicJwk(),
                              EcSigningKey::generate()->publicJwk()};
        QVERIFY(Jwt::verify(token, many, at(kNow)).ok());
        // Real clock when none is injected.
        QVERIFY(
            Jwt::verify(Jwt::signEs256(claimsAt(QDateTime::currentSecsSinceEpoch()), m_key), m_jwks)
                .ok());
    }

    void malformed_data()
    {
        QTest::addColumn<QString>("token");
        const QString header = b64Json(es256Header(m_key));
        const QString payload = b64Json(claimsAt(kNow));
        const QString good = Jwt::signEs256(claimsAt(kNow), m_key);
        const QString signature = good.section(u'.', 2);
        QTest::newRow("empty") << QString();
        QTest::newRow("one part") << header;
        QTest::newRow("two parts") << header + u'.' + payload;
        QTest::newRow("four parts") << good + u".x"_s;
        QTest::newRow("header not base64url") << u"e30*."_s + payload + u'.' + signature;
        QTest::newRow("header padded") << header + u"=."_s + payload + u'.' + signature;
        QTest::newRow("header not JSON") << b64("alg=ES256"_ba) + u'.' + payload + u'.' + signature;
        QTest::newRow("header array") << b64("[\"ES256\"]"_ba) + u'.' + payload + u'.' + signature;
        QTest::newRow("empty header") << u'.' + payload + u'.' + signature;
        QTest::newRow("no alg") << b64Json({{u"kid"_s, m_key.kid()}}) + u'.' + payload + u'.' +
                                       signature;
        QTest::newRow("alg number") << b64Json({{u"alg"_s, 256}, {u"kid"_s, m_key.kid()}}) + u'.' +
                                           payload + u'.' + signature;
        QJsonObject critical = es256Header(m_key);
        critical.insert(u"crit"_s, QJsonArray{u"b64"_s});
        QTest::newRow("crit") << handMade(b64Json(critical), payload, m_key);
        QTest::newRow("signature padded") << good + u"="_s;
        QTest::newRow("signature bad char") << good.left(good.size() - 1) + u"+"_s;
        QTest::newRow("non-ASCII") << good + u"\u00e9"_s;
        QTest::newRow("space") << u' ' + good;
        QTest::newRow("too long") << handMade(header, b64(QByteArray(7000, 'a')), m_key);
        // Correctly signed, but the payload is not a JSON object.
        QTest::newRow("payload not JSON") << handMade(header, b64("not json"_ba), m_key);
        QTest::newRow("payload array") << handMade(header, b64("[1,2]"_ba), m_key);
        QTest::newRow("empty payload") << handMade(header, QString(), m_key);
        QJsonObject stringExp = claimsAt(kNow);
        stringExp.insert(u"exp"_s, u"tomorrow"_s);
        QTest::newRow("exp string") << handMade(header, b64Json(stringExp), m_key);
        QJsonObject noExp = claimsAt(kNow);
        noExp.remove(u"exp"_s);
        QTest::newRow("no exp") << handMade(header, b64Json(noExp), m_key);
    }
    void malformed()
    {
        QFETCH(QString, token);
        QCOMPARE(errorOf(Jwt::verify(token, m_jwks, at(kNow))), QString(Jwt::kMalformed));
    }

    void algorithmsRefused_data()
    {
        QTest::addColumn<QString>("token");
        const QString payload = b64Json(claimsAt(kNow));
        auto header = [this](const QString &alg) {
            return b64Json({{u"alg"_s, alg}, {u"typ"_s, u"JWT"_s}, {u"kid"_s, m_key.kid()}});
        };
        // Unsecured JWT (RFC 7519 §6): empty signature, and with a stolen ES256 signature.
        QTest::newRow("none") << header(u"none"_s) + u'.' + payload + u'.';
        QTest::newRow("None") << header(u"None"_s) + u'.' + payload + u'.';
        QTest::newRow("none with signature") << handMade(header(u"none"_s), payload, m_key);
        // Key confusion: HS256 with the public key (JWK text, or x||y) as the HMAC secret.
        const QString hsInput = header(u"HS256"_s) + u'.' + payload;
        const QByteArray jwkText = QJsonDocument(m_key.publicJwk()).toJson(QJsonDocument::Compact);
        QTest::newRow("HS256 jwk secret")
            << hsInput + u'.' + b64(Crypto::hmacSha256(jwkText, hsInput.toLatin1()));
        QTest::newRow("HS256 point secret")
            << hsInput + u'.' + b64(Crypto::hmacSha256(m_key.x() + m_key.y(), hsInput.toLatin1()));
        QTest::newRow("RS256") << handMade(header(u"RS256"_s), payload, m_key);
        QTest::newRow("ES384") << handMade(header(u"ES384"_s), payload, m_key);
        QTest::newRow("es256 lower case") << handMade(header(u"es256"_s), payload, m_key);
        QTest::newRow("EdDSA") << handMade(header(u"EdDSA"_s), payload, m_key);
    }
    void algorithmsRefused()
    {
        QFETCH(QString, token);
        QCOMPARE(errorOf(Jwt::verify(token, m_jwks, at(kNow))),
                 QString(Jwt::kAlgorithmUnsupported));
    }

    void unknownKey()
    {
        const QString token = Jwt::signEs256(claimsAt(kNow), m_key);
        QCOMPARE(errorOf(Jwt::verify(token, QJsonArray(), at(kNow))), QString(Jwt::kKeyUnknown));
        const QJsonArray others{EcSigningKey::generate()->publicJwk(), u"junk"_s, 42};
        QCOMPARE(errorOf(Jwt::verify(token, others, at(kNow))), QString(Jwt::kKeyUnknown));
        const QString payload = b64Json(claimsAt(kNow));
        const QString noKid = handMade(b64Json({{u"alg"_s, u"ES256"_s}}), payload, m_key);
        QCOMPARE(errorOf(Jwt::verify(noKid, m_jwks, at(kNow))), QString(Jwt::kKeyUnknown));
        const QString numericKid =
            handMade(b64Json({{u"alg"_s, u"ES256"_s}, {u"kid"_s, 1}}), payload, m_key);
        QCOMPARE(errorOf(Jwt::verify(numericKid, m_jwks, at(kNow))), QString(Jwt::kKeyUnknown));
    }

    void tampered_data()
    {
        QTest::addColumn<QString>("token");
        const QString good = Jwt::signEs256(claimsAt(kNow), m_key);
        const QStringList parts = good.split(u'.');
        QJsonObject header = es256Header(m_key);
        header.insert(u"typ"_s, u"at+jwt"_s);
        QTest::newRow("header") << b64Json(header) + u'.' + parts.at(1) + u'.' + parts.at(2);
        QJsonObject claims = claimsAt(kNow);
        claims.insert(u"role"_s, u"admin"_s);
        QTest::newRow("payload") << parts.at(0) + u'.' + b64Json(claims) + u'.' + parts.at(2);
        QByteArray signature = *Crypto::base64UrlDecode(QStringView(parts.at(2)));
        for (int index : {0, 31, 32, 63}) {
            QByteArray changed = signature;
            changed[index] = static_cast<char>(changed.at(index) ^ 0x01);
            QTest::addRow("signature byte %d", index)
                << parts.at(0) + u'.' + parts.at(1) + u'.' + b64(changed);
        }
        QTest::newRow("signature short")
            << parts.at(0) + u'.' + parts.at(1) + u'.' + b64(signature.left(48));
        QTest::newRow("signature empty") << parts.at(0) + u'.' + parts.at(1) + u'.';
        // Another key's signature under our kid.
        const auto other = EcSigningKey::generate();
        QTest::newRow("other key") << handMade(parts.at(0), parts.at(1), *other);
        // The payload of one of our tokens under the signature of another.
        const QString second = Jwt::signEs256(claimsAt(kNow + 1), m_key);
        QTest::newRow("spliced") << parts.at(0) + u'.' + parts.at(1) + u'.' +
                                        second.section(u'.', 2);
    }
    void tampered()
    {
        QFETCH(QString, token);
        QCOMPARE(errorOf(Jwt::verify(token, m_jwks, at(kNow))), QString(Jwt::kSignatureInvalid));
    }

    void timeRules_data()
    {
        QTest::addColumn<QJsonObject>("claims");
        QTest::addColumn<qint64>("now");
        QTest::addColumn<qint64>("leeway");
        QTest::addColumn<QString>("expected");     // empty: accepted
        const QJsonObject c = claimsAt(kNow, 900); // iat kNow, exp kNow + 900
        QTest::newRow("fresh") << c << kNow << qint64(30) << QString();
        QTest::newRow("just before exp") << c << kNow + 899 << qint64(0) << QString();
        QTest::newRow("at exp, no leeway")
            << c << kNow + 900 << qint64(0) << QString(Jwt::kExpired);
        QTest::newRow("in leeway") << c << kNow + 929 << qint64(30) << QString();
        QTest::newRow("leeway over") << c << kNow + 930 << qint64(30) << QString(Jwt::kExpired);
        QTest::newRow("long expired") << c << kNow + 86400 << qint64(30) << QString(Jwt::kExpired);
        QTest::newRow("iat in leeway") << c << kNow - 30 << qint64(30) << QString();
        QTest::newRow("iat in future")
            << c << kNow - 31 << qint64(30) << QString(Jwt::kNotYetValid);
        QJsonObject withNbf = c;
        withNbf.insert(u"nbf"_s, kNow + 100);
        QTest::newRow("nbf in leeway") << withNbf << kNow + 70 << qint64(30) << QString();
        QTest::newRow("before nbf")
            << withNbf << kNow + 69 << qint64(30) << QString(Jwt::kNotYetValid);
        QJsonObject fractional = c;
        fractional.insert(u"exp"_s, double(kNow) + 0.5);
        QTest::newRow("fractional exp") << fractional << kNow << qint64(0) << QString();
        QTest::newRow("fractional exp over")
            << fractional << kNow + 1 << qint64(0) << QString(Jwt::kExpired);
    }
    void timeRules()
    {
        QFETCH(QJsonObject, claims);
        QFETCH(qint64, now);
        QFETCH(qint64, leeway);
        QFETCH(QString, expected);
        Jwt::VerifyOptions options = at(now);
        options.leewaySeconds = leeway;
        const auto result = Jwt::verify(Jwt::signEs256(claims, m_key), m_jwks, options);
        QCOMPARE(result.ok() ? QString() : result.error().code, expected);
    }

    void expiryOptional()
    {
        QJsonObject claims = claimsAt(kNow);
        claims.remove(u"exp"_s);
        Jwt::VerifyOptions options = at(kNow + 10'000'000);
        options.requireExpiry = false;
        QVERIFY(Jwt::verify(Jwt::signEs256(claims, m_key), m_jwks, options).ok());
    }

    void issuerAndAudience_data()
    {
        QTest::addColumn<QJsonValue>("iss");
        QTest::addColumn<QJsonValue>("aud");
        QTest::addColumn<QString>("expected");
        const QJsonValue missing(QJsonValue::Undefined);
        const QJsonValue issuer(u"https://id.example.org"_s);
        QTest::newRow("match") << issuer << QJsonValue(u"gatehouse"_s) << QString();
        QTest::newRow("aud in array")
            << issuer << QJsonValue(QJsonArray{u"wiki"_s, u"gatehouse"_s}) << QString();
        QTest::newRow("aud not in array") << issuer << QJsonValue(QJsonArray{u"wiki"_s, u"gate"_s})
                                          << QString(Jwt::kAudienceInvalid);
        QTest::newRow("aud other")
            << issuer << QJsonValue(u"Gatehouse"_s) << QString(Jwt::kAudienceInvalid);
        QTest::newRow("aud missing") << issuer << missing << QString(Jwt::kAudienceInvalid);
        QTest::newRow("aud number") << issuer << QJsonValue(1) << QString(Jwt::kAudienceInvalid);
        QTest::newRow("iss other") << QJsonValue(u"https://evil.example"_s)
                                   << QJsonValue(u"gatehouse"_s) << QString(Jwt::kIssuerInvalid);
        QTest::newRow("iss prefix") << QJsonValue(u"https://id.example.org/x"_s)
                                    << QJsonValue(u"gatehouse"_s) << QString(Jwt::kIssuerInvalid);
        QTest::newRow("iss missing")
            << missing << QJsonValue(u"gatehouse"_s) << QString(Jwt::kIssuerInvalid);
        QTest::newRow("iss array") << QJsonValue(QJsonArray{issuer}) << QJsonValue(u"gatehouse"_s)
                                   << QString(Jwt::kIssuerInvalid);
    }
    void issuerAndAudience()
    {
        QFETCH(QJsonValue, iss);
        QFETCH(QJsonValue, aud);
        QFETCH(QString, expected);
        QJsonObject claims = claimsAt(kNow);
        claims.remove(u"iss"_s);
        claims.remove(u"aud"_s);
        if (!iss.isUndefined())
            claims.insert(u"iss"_s, iss);
        if (!aud.isUndefined())
            claims.insert(u"aud"_s, aud);
        const QString token = Jwt::signEs256(claims, m_key);
        Jwt::VerifyOptions options = at(kNow);
        options.issuer = u"https://id.example.org"_s;
        options.audience = u"gatehouse"_s;
        const auto result = Jwt::verify(token, m_jwks, options);
        QCOMPARE(result.ok() ? QString() : result.error().code, expected);
        // Not asked for: not checked.
        QVERIFY(Jwt::verify(token, m_jwks, at(kNow)).ok());
    }

    // --- JwtKeyRing
    // -------------------------------------------------------------------------------
    void keyRingFirstStartThenLoad()
    {
        MemorySecretStore store;
        JwtKeyRing ring(store, kRetain);
        QVERIFY(!ring.isOpen());
        QVERIFY(!ring.current());
        QCOMPARE(ring.jwks(kNow).size(), 0);
        QVERIFY(ring.open(kNow).ok());
        QVERIFY(store.values.contains(u"jwt-key-1"_s));
        const QString kid = ring.current()->kid();
        QCOMPARE(EcSigningKey::fromPkcs8Der(store.values.value(u"jwt-key-1"_s))->kid(), kid);
        const QJsonObject index =
            QJsonDocument::fromJson(store.values.value(u"jwt-keys"_s)).object();
        QCOMPARE(index.value(u"version"_s).toInt(), 1);
        const QJsonObject entry = index.value(u"keys"_s).toArray().at(0).toObject();
        QCOMPARE(entry.value(u"kid"_s).toString(), kid);
        QCOMPARE(entry.value(u"secretName"_s).toString(), u"jwt-key-1"_s);
        QCOMPARE(entry.value(u"createdAt"_s).toInteger(), kNow);
        QVERIFY(entry.value(u"retiredAt"_s).isNull());
        QCOMPARE(ring.jwksDocument(kNow).value(u"keys"_s).toArray(),
                 QJsonArray{ring.current()->publicJwk()});

        const QString token = Jwt::signEs256(claimsAt(kNow), *ring.current());
        JwtKeyRing second(store, kRetain);
        QVERIFY(second.open(kNow + 5000).ok());
        QCOMPARE(second.current()->kid(), kid);
        QCOMPARE(store.values.size(), 2);
        QVERIFY(Jwt::verify(token, second.jwks(kNow), at(kNow)).ok());
    }

    void keyRingRotateRetainPrune()
    {
        MemorySecretStore store;
        JwtKeyRing ring(store, kRetain);
        QVERIFY(ring.open(kNow).ok());
        const auto oldKey = ring.current();
        const QString oldToken = Jwt::signEs256(claimsAt(kNow + 100), *oldKey);

        const qint64 rotatedAt = kNow + 1000;
        const auto newKid = ring.rotate(rotatedAt);
        QVERIFY(newKid.ok());
        QCOMPARE(ring.current()->kid(), *newKid);
        QVERIFY(*newKid != oldKey->kid());
        QVERIFY(store.values.contains(u"jwt-key-2"_s));
        QVERIFY(!oldKey->signEs256("still usable"_ba).isEmpty()); // handed-out key survives

        const QJsonArray during = ring.jwks(rotatedAt + kRetain - 1);
        QCOMPARE(during.size(), 2);
        QCOMPARE(during.at(0).toObject().value(u"kid"_s).toString(), *newKid); // current first
        QCOMPARE(during.at(1).toObject().value(u"kid"_s).toString(), oldKey->kid());
        QVERIFY(Jwt::verify(oldToken, during, at(kNow + 1000)).ok());
        const QJsonArray after = ring.jwks(rotatedAt + kRetain);
        QCOMPARE(after.size(), 1);
        QCOMPARE(errorOf(Jwt::verify(oldToken, after, at(kNow + 1000))), QString(Jwt::kKeyUnknown));

        // A restart in between still knows the retired key.
        JwtKeyRing restarted(store, kRetain);
        QVERIFY(restarted.open(rotatedAt + 10).ok());
        QCOMPARE(restarted.current()->kid(), *newKid);
        QCOMPARE(restarted.jwks(rotatedAt + 10).size(), 2);
        QCOMPARE(restarted.keys().at(0).retiredAt.value_or(-1), rotatedAt);

        QCOMPARE(*ring.prune(rotatedAt + kRetain - 1), 0);
        QVERIFY(store.values.contains(u"jwt-key-1"_s));
        QCOMPARE(*ring.prune(rotatedAt + kRetain), 1);
        QVERIFY(!store.values.contains(u"jwt-key-1"_s));
        QCOMPARE(ring.keys().size(), 1);
        QCOMPARE(*ring.prune(rotatedAt + kRetain + 1), 0);

        JwtKeyRing afterPrune(store, kRetain);
        QVERIFY(afterPrune.open(rotatedAt + kRetain + 1).ok());
        QCOMPARE(afterPrune.keys().size(), 1);
        QCOMPARE(afterPrune.current()->kid(), *newKid);

        // Numbering continues; an orphaned secret (crashed rotation) is stepped over.
        store.values.insert(u"jwt-key-3"_s, "orphan"_ba);
        QVERIFY(ring.rotate(rotatedAt + 2000).ok());
        QCOMPARE(ring.keys().constLast().secretName, u"jwt-key-4"_s);
        QCOMPARE(store.values.value(u"jwt-key-3"_s), "orphan"_ba);
    }

    void keyRingCorruption_data()
    {
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QByteArray>("value"); // empty: remove the secret
        QTest::newRow("index not JSON") << u"jwt-keys"_s << "{not json"_ba;
        QTest::newRow("index version") << u"jwt-keys"_s << R"({"version":9,"keys":[]})"_ba;
        QTest::newRow("index empty") << u"jwt-keys"_s << R"({"version":1,"keys":[]})"_ba;
        QTest::newRow("index bad name")
            << u"jwt-keys"_s
            << R"({"version":1,"keys":[{"kid":"k","secretName":"other","createdAt":1,"retiredAt":null}]})"_ba;
        QTest::newRow("index no current")
            << u"jwt-keys"_s
            << R"({"version":1,"keys":[{"kid":"k","secretName":"jwt-key-1","createdAt":1,"retiredAt":2}]})"_ba;
        QTest::newRow("key garbage") << u"jwt-key-1"_s << "not a key"_ba;
        QTest::newRow("key missing") << u"jwt-key-1"_s << QByteArray();
        QTest::newRow("key swapped") << u"jwt-key-1"_s << EcSigningKey::generate()->toPkcs8Der();
    }
    void keyRingCorruption()
    {
        QFETCH(QString, secret);
        QFETCH(QByteArray, value);
        MemorySecretStore store;
        {
            JwtKeyRing ring(store, kRetain);
            QVERIFY(ring.open(kNow).ok());
        }
        if (value.isEmpty())
            store.values.remove(secret);
        else
            store.values.insert(secret, value);
        JwtKeyRing ring(store, kRetain);
        const Status opened = ring.open(kNow);
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().code, QString(JwtKeyRing::kCorrupt));
        QVERIFY2(opened.error().message.contains(secret), qPrintable(opened.error().message));
        QVERIFY(!ring.isOpen());
        QCOMPARE(store.values.value(secret), value); // nothing was "repaired" over it
    }

    void keyRingStoreFailures()
    {
        MemorySecretStore store;
        JwtKeyRing ring(store, kRetain);
        store.unavailable = true;
        const Status down = ring.open(kNow);
        QVERIFY(!down.ok());
        QCOMPARE(down.error().code, QString(SecretStore::kUnavailable)); // not "corrupt"
        store.unavailable = false;
        QVERIFY(ring.open(kNow).ok());
        const QString kid = ring.current()->kid();

        // Index write fails during rotation: nothing changes, the new key secret is removed.
        store.failWrites.insert(u"jwt-keys"_s);
        const auto rotated = ring.rotate(kNow + 10);
        QVERIFY(!rotated.ok());
        QCOMPARE(ring.current()->kid(), kid);
        QCOMPARE(store.values.keys(), (QList<QString>{u"jwt-key-1"_s, u"jwt-keys"_s}));
        store.failWrites.clear();

        // A failed reload keeps serving what was loaded.
        store.values.insert(u"jwt-keys"_s, "garbage"_ba);
        QVERIFY(!ring.open(kNow + 20).ok());
        QCOMPARE(ring.current()->kid(), kid);
        JwtKeyRing closed(store, kRetain);
        const auto notOpen = closed.rotate(kNow);
        QVERIFY(!notOpen.ok());
        QCOMPARE(notOpen.error().code, QString(JwtKeyRing::kNotOpen));
    }

    void keyRingAdoptsOrphanAndSkipsExpiredKeys()
    {
        // A first start that died after storing jwt-key-1 but before the index: adopt that key.
        MemorySecretStore store;
        const auto key = EcSigningKey::generate();
        store.values.insert(u"jwt-key-1"_s, key->toPkcs8Der());
        JwtKeyRing ring(store, kRetain);
        QVERIFY(ring.open(kNow).ok());
        QCOMPARE(ring.current()->kid(), key->kid());

        // A retired key past retention is not needed to start, even if its secret is gone.
        QVERIFY(ring.rotate(kNow + 10).ok());
        store.values.remove(u"jwt-key-1"_s);
        JwtKeyRing later(store, kRetain);
        QVERIFY(later.open(kNow + 10 + kRetain).ok());
        QCOMPARE(later.jwks(kNow + 10 + kRetain).size(), 1);
        QCOMPARE(*later.prune(kNow + 10 + kRetain), 1);
    }

    void keyRingConcurrentReaders()
    {
        MemorySecretStore store;
        JwtKeyRing ring(store, kRetain);
        QVERIFY(ring.open(kNow).ok());
        std::atomic<bool> stop{false};
        std::atomic<int> verified{0};
        std::atomic<int> failures{0};
        std::vector<std::thread> readers;
        for (int t = 0; t < 4; ++t) {
            readers.emplace_back([&] {
                while (!stop.load()) {
                    const auto key = ring.current();
                    const QString token = Jwt::signEs256(claimsAt(kNow), *key);
                    // Rotations happen "at" kNow, so every key signed with stays in the JWKS.
                    if (Jwt::verify(token, ring.jwks(kNow), at(kNow)).ok())
                        ++verified;
                    else
                        ++failures;
                }
            });
        }
        for (int i = 0; i < 20; ++i) {
            QVERIFY(ring.rotate(kNow).ok());
            QTest::qWait(2);
        }
        while (verified.load() < 200 && failures.load() == 0)
            QTest::qWait(5);
        stop = true;
        for (std::thread &reader : readers)
            reader.join();
        QCOMPARE(failures.load(), 0);
        QCOMPARE(ring.keys().size(), 21);
    }

    void keyMaterialNeverLogged()
    {
        QStringList lines;
        const auto connection = QObject::connect(
            Log::Hub::instance(), &Log::Hub::record, this,
            [&lines](int, const QString &line) { lines.append(line); }, Qt::DirectConnection);
        MemorySecretStore store;
        JwtKeyRing ring(store, kRetain);
        QVERIFY(ring.open(kNow).ok());
        QVERIFY(ring.rotate(kNow + 1).ok());
        QVERIFY(ring.prune(kNow + 1 + kRetain).ok());
        QObject::disconnect(connection);
        QVERIFY(!lines.isEmpty());
        for (auto it = store.values.cbegin(); it != store.values.cend(); ++it) {
            if (!it.key().startsWith(u"jwt-key-"_s))
                continue;
            // PKCS#8 of a P-256 key holds the private scalar at bytes 36..67; look for a piece
            // of it in every encoding a log line could carry.
            const QByteArray scalar = it.value().mid(36, 32);
            const QStringList forms{QString::fromLatin1(scalar.toHex()),
                                    QString::fromLatin1(scalar.toBase64()), b64(scalar),
                                    QString::fromLatin1(it.value().toBase64().left(60))};
            for (const QString &line : std::as_const(lines)) {
                for (const QString &form : forms)
                    QVERIFY(!line.contains(form.mid(4, 24)));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestJwt)
#include "TestJwt.moc"
