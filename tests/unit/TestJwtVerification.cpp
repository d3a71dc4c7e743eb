// EcSigningKey (JWK, RFC 7638 kid, PKCS#8, signature shape, odd JWKs), then the independent
// check of our ES256 tokens: a verifier that has only the JWKS JSON (as served at
// /.well-known/jwks.json) and OpenSSL, sharing no code with Jwt::verify/EcSigningKey::verifyEs256.
// It rebuilds the public key from x and y twice (EVP_PKEY_fromdata, and a hand-assembled
// SubjectPublicKeyInfo), converts the JOSE r||s signature to DER itself and runs
// EVP_DigestVerify; then the `openssl` command-line tool verifies the same token. In the other
// direction, a key and signatures made by the openssl tool are accepted by our code, and keys
// that are not P-256 PKCS#8 are refused.

#include "server/crypto/Crypto.h"
#include "server/crypto/EcSigningKey.h"
#include "server/crypto/Jwt.h"
#include "server/crypto/JwtKeyRing.h"
#include "server/secrets/SecretStore.h"
#include "tests/support/IndependentEs256.h"

#include <QFile>
#include <QJsonDocument>
#include <QMap>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

using namespace Qt::StringLiterals;

namespace {

class MemorySecretStore : public SecretStore
{
public:
    Result<QByteArray> read(const QString &name) override
    {
        if (!values.contains(name))
            return makeError(QString(kNotFound), name);
        return values.value(name);
    }
    Status write(const QString &name, const QByteArray &value) override
    {
        values.insert(name, value);
        return {};
    }
    Status remove(const QString &name) override
    {
        values.remove(name);
        return {};
    }
    QString describe() const override { return u"memory"_s; }
    QMap<QString, QByteArray> values;
};

struct Free
{
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(EVP_PKEY_CTX *p) const { EVP_PKEY_CTX_free(p); }
    void operator()(EVP_MD_CTX *p) const { EVP_MD_CTX_free(p); }
    void operator()(OSSL_PARAM_BLD *p) const { OSSL_PARAM_BLD_free(p); }
    void operator()(OSSL_PARAM *p) const { OSSL_PARAM_free(p); }
    void operator()(ECDSA_SIG *p) const { ECDSA_SIG_free(p); }
    void operator()(OSSL_ENCODER_CTX *p) const { OSSL_ENCODER_CTX_free(p); }
};
template <typename T> using Owned = std::unique_ptr<T, Free>;

QString b64(const QByteArray &bytes)
{
    return QString::fromLatin1(Crypto::base64UrlEncode(bytes));
}


// Independent helpers shared with the HTTP tests (tests/support/IndependentEs256.h): plain Qt
// base64url decoding, the key built from x/y with EVP_PKEY_fromdata, and JOSE → DER.
using IndependentEs256::detail::fromB64Url;
using IndependentEs256::detail::joseToDer;
Owned<EVP_PKEY> keyFromParams(const QByteArray &x, const QByteArray &y)
{
    return Owned<EVP_PKEY>(IndependentEs256::detail::keyFromXY(x, y).release());
}

// SubjectPublicKeyInfo DER for a P-256 point: fixed prefix (id-ecPublicKey, prime256v1,
// BIT STRING of 66 bytes) + 04 || x || y. Also what goes into the PEM for the CLI.
QByteArray spkiDer(const QByteArray &x, const QByteArray &y)
{
    return QByteArray::fromHex("3059301306072a8648ce3d020106082a8648ce3d030107034200") +
           QByteArray(1, '\x04') + x + y;
}

Owned<EVP_PKEY> keyFromSpki(const QByteArray &der)
{
    const auto *in = reinterpret_cast<const unsigned char *>(der.constData());
    return Owned<EVP_PKEY>(d2i_PUBKEY(nullptr, &in, static_cast<long>(der.size())));
}

QByteArray pem(const QByteArray &der, const char *label)
{
    QByteArray out = "-----BEGIN "_ba + label + "-----\n"_ba;
    const QByteArray body = der.toBase64();
    for (qsizetype i = 0; i < body.size(); i += 64)
        out += body.mid(i, 64) + '\n';
    return out + "-----END "_ba + label + "-----\n"_ba;
}


// DER ECDSA-Sig-Value → JOSE r||s.
QByteArray derToJose(const QByteArray &der)
{
    const auto *in = reinterpret_cast<const unsigned char *>(der.constData());
    Owned<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size())));
    if (!sig)
        return {};
    QByteArray jose(64, '\0');
    auto *out = reinterpret_cast<unsigned char *>(jose.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32)
        return {};
    return jose;
}

bool digestVerify(EVP_PKEY *key, const QByteArray &data, const QByteArray &derSignature)
{
    Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
           EVP_DigestVerify(ctx.get(),
                            reinterpret_cast<const unsigned char *>(derSignature.constData()),
                            static_cast<size_t>(derSignature.size()),
                            reinterpret_cast<const unsigned char *>(data.constData()),
                            static_cast<size_t>(data.size())) == 1;
}

QByteArray privateKeyDer(EVP_PKEY *key, const char *structure)
{
    Owned<OSSL_ENCODER_CTX> encoder(
        OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "DER", structure, nullptr));
    unsigned char *data = nullptr;
    size_t length = 0;
    if (!encoder || OSSL_ENCODER_to_data(encoder.get(), &data, &length) != 1)
        return {};
    QByteArray der(reinterpret_cast<const char *>(data), static_cast<qsizetype>(length));
    OPENSSL_clear_free(data, length);
    return der;
}

struct Cli
{
    int exitCode = -1;
    QByteArray output;
};

Cli runOpenssl(const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStandardPaths::findExecutable(u"openssl"_s), arguments);
    if (!process.waitForFinished(30000))
        return {};
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAll().trimmed()};
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

} // namespace

class TestJwtVerification : public QObject
{
    Q_OBJECT

private:
    // What a relying service has: the token and the served JWKS text. Returns the JWK named by
    // the token's kid, the signing input and the raw JOSE signature.
    struct Parsed
    {
        QJsonObject jwk;
        QByteArray signingInput;
        QByteArray signature;
    };
    static Parsed parse(const QString &token, const QByteArray &jwksText)
    {
        const QStringList parts = token.split(u'.');
        if (parts.size() != 3)
            return {};
        const QJsonObject header = QJsonDocument::fromJson(fromB64Url(parts.at(0))).object();
        const QJsonArray keys =
            QJsonDocument::fromJson(jwksText).object().value(u"keys"_s).toArray();
        for (const QJsonValue &key : keys) {
            if (key.toObject().value(u"kid"_s) == header.value(u"kid"_s))
                return {key.toObject(), (parts.at(0) + u'.' + parts.at(1)).toLatin1(),
                        fromB64Url(parts.at(2))};
        }
        return {};
    }

    EcSigningKey m_key = EcSigningKey::generate().value();
    MemorySecretStore m_store;
    JwtKeyRing m_ring{m_store, 930};
    QByteArray m_jwksText;

private slots:
    void initTestCase()
    {
        QVERIFY(m_ring.open(1'700'000'000).ok());
        QVERIFY(m_ring.rotate(1'700'000'100).ok()); // two keys served: the kid must pick
        m_jwksText =
            QJsonDocument(m_ring.jwksDocument(1'700'000'200)).toJson(QJsonDocument::Compact);
    }

    // --- EcSigningKey on its own
    // ---------------------------------------------------------------------------
    void publicJwkAndKid()
    {
        const QJsonObject jwk = m_key.publicJwk();
        QCOMPARE(jwk.value(u"kty"_s).toString(), u"EC"_s);
        QCOMPARE(jwk.value(u"crv"_s).toString(), u"P-256"_s);
        QCOMPARE(jwk.value(u"use"_s).toString(), u"sig"_s);
        QCOMPARE(jwk.value(u"alg"_s).toString(), u"ES256"_s);
        QCOMPARE(jwk.value(u"kid"_s).toString(), m_key.kid());
        QCOMPARE(jwk.keys().size(), 7);
        const auto x = Crypto::base64UrlDecode(QStringView(jwk.value(u"x"_s).toString()));
        const auto y = Crypto::base64UrlDecode(QStringView(jwk.value(u"y"_s).toString()));
        QVERIFY(x.ok() && y.ok());
        QCOMPARE(x->size(), 32);
        QCOMPARE(y->size(), 32);
        QCOMPARE(*x, m_key.x());

        // kid = RFC 7638 thumbprint, recomputed here from the JWK text alone (OpenSSL SHA-256).
        const QByteArray canonical =
            u"{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%1\",\"y\":\"%2\"}"_s
                .arg(jwk.value(u"x"_s).toString(), jwk.value(u"y"_s).toString())
                .toUtf8();
        unsigned char digest[32] = {};
        unsigned int digestLength = 0;
        QVERIFY(EVP_Digest(canonical.constData(), static_cast<size_t>(canonical.size()), digest,
                           &digestLength, EVP_sha256(), nullptr) == 1);
        QCOMPARE(m_key.kid(), b64(QByteArray(reinterpret_cast<const char *>(digest), 32)));
        QCOMPARE(m_key.kid().size(), 43);
        QVERIFY(EcSigningKey::generate()->kid() != m_key.kid());
    }

    void thumbprintRfc7638Shape()
    {
        // Member order and extra members do not change the thumbprint; a missing one fails.
        QJsonObject jwk = m_key.publicJwk();
        jwk.insert(u"ext"_s, true);
        QCOMPARE(*EcSigningKey::thumbprint(jwk), m_key.kid());
        jwk.remove(u"y"_s);
        QVERIFY(!EcSigningKey::thumbprint(jwk).ok());
    }

    void pkcs8RoundTrip()
    {
        const QByteArray der = m_key.toPkcs8Der();
        QVERIFY(der.size() > 100 && der.size() < 200);
        QCOMPARE(der.at(0), '\x30'); // DER SEQUENCE (PrivateKeyInfo)
        const auto loaded = EcSigningKey::fromPkcs8Der(der);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->kid(), m_key.kid());
        QCOMPARE(loaded->publicJwk(), m_key.publicJwk());
        const QByteArray signature = loaded->signEs256("data"_ba);
        QVERIFY(EcSigningKey::verifyEs256(m_key.publicJwk(), "data"_ba, signature));
    }

    void pkcs8Refusals_data()
    {
        QTest::addColumn<QByteArray>("der");
        const QByteArray der = m_key.toPkcs8Der();
        QByteArray flipped = der;
        flipped[der.size() / 2] = static_cast<char>(flipped.at(der.size() / 2) ^ 0x40);
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("garbage") << Crypto::randomBytes(138);
        QTest::newRow("truncated") << der.left(der.size() - 1);
        QTest::newRow("trailing byte") << der + "\0"_ba;
        QTest::newRow("flipped") << flipped;
        QTest::newRow("text") << "-----BEGIN PRIVATE KEY-----"_ba;
    }
    void pkcs8Refusals()
    {
        QFETCH(QByteArray, der);
        const auto loaded = EcSigningKey::fromPkcs8Der(der);
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, QString(EcSigningKey::kKeyInvalid));
    }

    void signatureShape()
    {
        const QByteArray signature = m_key.signEs256("payload"_ba);
        QCOMPARE(signature.size(), 64);
        QVERIFY(signature != m_key.signEs256("payload"_ba)); // ECDSA is randomised
        QVERIFY(EcSigningKey::verifyEs256(m_key.publicJwk(), "payload"_ba, signature));
        QVERIFY(!EcSigningKey::verifyEs256(m_key.publicJwk(), "payloaD"_ba, signature));
        QByteArray flipped = signature;
        flipped[10] = static_cast<char>(flipped.at(10) ^ 1);
        QVERIFY(!EcSigningKey::verifyEs256(m_key.publicJwk(), "payload"_ba, flipped));
        QVERIFY(!EcSigningKey::verifyEs256(m_key.publicJwk(), "payload"_ba, signature.left(63)));
        QVERIFY(!EcSigningKey::verifyEs256(m_key.publicJwk(), "payload"_ba, QByteArray(64, '\0')));
        QVERIFY(!EcSigningKey::verifyEs256(m_key.publicJwk(), "payload"_ba,
                                           signature.mid(32) + signature.left(32))); // s||r
        QVERIFY(!EcSigningKey::verifyEs256(EcSigningKey::generate()->publicJwk(), "payload"_ba,
                                           signature));
    }

    void verifyRefusesOddJwks_data()
    {
        QTest::addColumn<QString>("member");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("kty RSA") << u"kty"_s << QJsonValue(u"RSA"_s);
        QTest::newRow("crv P-384") << u"crv"_s << QJsonValue(u"P-384"_s);
        QTest::newRow("alg RS256") << u"alg"_s << QJsonValue(u"RS256"_s);
        QTest::newRow("use enc") << u"use"_s << QJsonValue(u"enc"_s);
        QTest::newRow("x short") << u"x"_s << QJsonValue(b64(Crypto::randomBytes(31)));
        QTest::newRow("x padded") << u"x"_s << QJsonValue(b64(m_key.x()) + u"="_s);
        // Changing y moves the point off the curve: OpenSSL must refuse to build the key.
        QTest::newRow("off curve") << u"y"_s << QJsonValue(b64(m_key.x()));
        QTest::newRow("x number") << u"x"_s << QJsonValue(5);
    }
    void verifyRefusesOddJwks()
    {
        QFETCH(QString, member);
        QFETCH(QJsonValue, value);
        const QByteArray signature = m_key.signEs256("payload"_ba);
        QJsonObject jwk = m_key.publicJwk();
        jwk.insert(member, value);
        QVERIFY(!EcSigningKey::verifyEs256(jwk, "payload"_ba, signature));
    }

    // --- Independent verification ----------------------------------------------------------------
    void opensslApiVerifiesFromJwksOnly()
    {
        // Many tokens, so r or s with leading zero bytes (padding in r||s) come up too.
        for (int i = 0; i < 200; ++i) {
            const QJsonObject claims{{u"sub"_s, u"user-%1"_s.arg(i)},
                                     {u"iat"_s, 1'700'000'200},
                                     {u"exp"_s, 1'700'001'100},
                                     {u"aud"_s, u"gatehouse"_s}};
            const QString token = Jwt::signEs256(claims, *m_ring.current());
            const Parsed parsed = parse(token, m_jwksText);
            QCOMPARE(parsed.signature.size(), 64);
            QCOMPARE(parsed.jwk.value(u"alg"_s).toString(), u"ES256"_s);
            const QByteArray x = fromB64Url(parsed.jwk.value(u"x"_s).toString());
            const QByteArray y = fromB64Url(parsed.jwk.value(u"y"_s).toString());
            QCOMPARE(x.size(), 32);
            QCOMPARE(y.size(), 32);

            const Owned<EVP_PKEY> fromParams = keyFromParams(x, y);
            const Owned<EVP_PKEY> fromSpki = keyFromSpki(spkiDer(x, y));
            QVERIFY(fromParams && fromSpki);
            QCOMPARE(EVP_PKEY_eq(fromParams.get(), fromSpki.get()), 1);

            const QByteArray der = joseToDer(parsed.signature);
            QVERIFY(!der.isEmpty());
            QVERIFY2(digestVerify(fromParams.get(), parsed.signingInput, der), qPrintable(token));
            QVERIFY(digestVerify(fromSpki.get(), parsed.signingInput, der));
            QByteArray changed = parsed.signingInput;
            changed[changed.size() - 1] = 'A' == changed.at(changed.size() - 1) ? 'B' : 'A';
            QVERIFY(!digestVerify(fromParams.get(), changed, der));
        }
    }

    void opensslCommandLineVerifies()
    {
        if (QStandardPaths::findExecutable(u"openssl"_s).isEmpty())
            QSKIP("the openssl command-line tool is not installed");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString token = Jwt::signEs256(
            QJsonObject{{u"sub"_s, u"cli"_s}, {u"exp"_s, 1'700'001'100}}, *m_ring.current());
        const Parsed parsed = parse(token, m_jwksText);
        const QByteArray x = fromB64Url(parsed.jwk.value(u"x"_s).toString());
        const QByteArray y = fromB64Url(parsed.jwk.value(u"y"_s).toString());
        QVERIFY(writeFile(dir.filePath(u"pub.pem"_s), pem(spkiDer(x, y), "PUBLIC KEY")));
        QVERIFY(writeFile(dir.filePath(u"sig.der"_s), joseToDer(parsed.signature)));
        QVERIFY(writeFile(dir.filePath(u"data.txt"_s), parsed.signingInput));
        QVERIFY(writeFile(dir.filePath(u"other.txt"_s), parsed.signingInput + "x"_ba));

        const QStringList args{u"dgst"_s,       u"-sha256"_s,
                               u"-verify"_s,    dir.filePath(u"pub.pem"_s),
                               u"-signature"_s, dir.filePath(u"sig.der"_s)};
        const Cli good = runOpenssl(args + QStringList{dir.filePath(u"data.txt"_s)});
        QCOMPARE(good.output, "Verified OK"_ba);
        QCOMPARE(good.exitCode, 0);
        const Cli bad = runOpenssl(args + QStringList{dir.filePath(u"other.txt"_s)});
        QVERIFY2(bad.output.startsWith("Verification failure"), bad.output.constData());
        QCOMPARE(bad.exitCode, 1);
    }

    void opensslMadeKeyAndSignaturesAccepted()
    {
        if (QStandardPaths::findExecutable(u"openssl"_s).isEmpty())
            QSKIP("the openssl command-line tool is not installed");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString keyPem = dir.filePath(u"key.pem"_s); // genpkey writes PKCS#8 PEM
        const QString keyDer = dir.filePath(u"key.der"_s);
        QCOMPARE(runOpenssl({u"genpkey"_s, u"-algorithm"_s, u"EC"_s, u"-pkeyopt"_s,
                             u"ec_paramgen_curve:P-256"_s, u"-out"_s, keyPem})
                     .exitCode,
                 0);
        QCOMPARE(runOpenssl({u"pkcs8"_s, u"-topk8"_s, u"-nocrypt"_s, u"-in"_s, keyPem,
                             u"-outform"_s, u"DER"_s, u"-out"_s, keyDer})
                     .exitCode,
                 0);
        QFile derFile(keyDer);
        QVERIFY(derFile.open(QIODevice::ReadOnly));
        const auto key = EcSigningKey::fromPkcs8Der(derFile.readAll());
        QVERIFY2(key.ok(), qPrintable(key.ok() ? QString() : key.error().message));

        // Same public key as openssl reports (uncompressed point in the SPKI).
        const QString pubDer = dir.filePath(u"pub.der"_s);
        QCOMPARE(runOpenssl({u"pkey"_s, u"-in"_s, keyPem, u"-pubout"_s, u"-outform"_s, u"DER"_s,
                             u"-out"_s, pubDer})
                     .exitCode,
                 0);
        QFile pubFile(pubDer);
        QVERIFY(pubFile.open(QIODevice::ReadOnly));
        QCOMPARE(pubFile.readAll().toHex(), spkiDer(key->x(), key->y()).toHex());

        // A JWT whose signature the openssl tool made verifies with our code.
        const QString signingInput =
            QString::fromLatin1(Crypto::base64UrlEncode(
                QJsonDocument(QJsonObject{{u"alg"_s, u"ES256"_s}, {u"kid"_s, key->kid()}})
                    .toJson(QJsonDocument::Compact))) +
            u'.' +
            QString::fromLatin1(Crypto::base64UrlEncode(R"({"sub":"cli","exp":1700001100})"_ba));
        QVERIFY(writeFile(dir.filePath(u"input.txt"_s), signingInput.toLatin1()));
        const QString sigDer = dir.filePath(u"sig.der"_s);
        QCOMPARE(runOpenssl({u"dgst"_s, u"-sha256"_s, u"-sign"_s, keyPem, u"-out"_s, sigDer,
                             dir.filePath(u"input.txt"_s)})
                     .exitCode,
                 0);
        QFile sigFile(sigDer);
        QVERIFY(sigFile.open(QIODevice::ReadOnly));
        const QByteArray jose = derToJose(sigFile.readAll());
        QCOMPARE(jose.size(), 64);
        QVERIFY(EcSigningKey::verifyEs256(key->publicJwk(), signingInput.toLatin1(), jose));
        const QString token =
            signingInput + u'.' + QString::fromLatin1(Crypto::base64UrlEncode(jose));
        Jwt::VerifyOptions options;
        options.nowSeconds = [] { return qint64(1'700'000'000); };
        const auto verified = Jwt::verify(token, QJsonArray{key->publicJwk()}, options);
        QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().code));
        QCOMPARE(verified->value(u"sub"_s).toString(), u"cli"_s);
    }

    void otherKeysRefused_data()
    {
        QTest::addColumn<QByteArray>("der");
        Owned<EVP_PKEY> p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
        Owned<EVP_PKEY> ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        Owned<EVP_PKEY> p256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
        QVERIFY(p384 && ed25519 && p256);
        QTest::newRow("P-384 PKCS#8") << privateKeyDer(p384.get(), "PrivateKeyInfo");
        QTest::newRow("Ed25519 PKCS#8") << privateKeyDer(ed25519.get(), "PrivateKeyInfo");
        QTest::newRow("P-256 SEC1, not PKCS#8") << privateKeyDer(p256.get(), "type-specific");
        QTest::newRow("P-256 public key only")
            << spkiDer(QByteArray(32, '\1'), QByteArray(32, '\2'));
    }
    void otherKeysRefused()
    {
        QFETCH(QByteArray, der);
        QVERIFY(!der.isEmpty());
        const auto key = EcSigningKey::fromPkcs8Der(der);
        QVERIFY(!key.ok());
        QCOMPARE(key.error().code, QString(EcSigningKey::kKeyInvalid));
    }

    void ourPkcs8IsWhatOpensslExpects()
    {
        // The stored form decodes with the openssl tool as an unencrypted PKCS#8 EC key.
        if (QStandardPaths::findExecutable(u"openssl"_s).isEmpty())
            QSKIP("the openssl command-line tool is not installed");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"stored.der"_s);
        QVERIFY(writeFile(path, m_store.values.value(u"jwt-key-2"_s)));
        const Cli parsed = runOpenssl({u"asn1parse"_s, u"-inform"_s, u"DER"_s, u"-in"_s, path});
        QCOMPARE(parsed.exitCode, 0);
        QVERIFY(parsed.output.contains(":id-ecPublicKey"));
        QVERIFY(parsed.output.contains(":prime256v1"));
        const Cli pkcs8 =
            runOpenssl({u"pkcs8"_s, u"-nocrypt"_s, u"-inform"_s, u"DER"_s, u"-in"_s, path,
                        u"-outform"_s, u"DER"_s, u"-out"_s, dir.filePath(u"again.der"_s)});
        QCOMPARE(pkcs8.exitCode, 0);
    }
};

QTEST_GUILESS_MAIN(TestJwtVerification)
#include "TestJwtVerification.moc"
