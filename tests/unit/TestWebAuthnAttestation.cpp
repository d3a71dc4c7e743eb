// Attestation statements the W3C vectors do not cover, generated independently
// (TestWebAuthnGenerator.h: OpenSSL directly, Qt's CBOR encoder): packed with an x5c chain and
// the id-fido-gen-ce-aaguid extension, fido-u2f, apple and android-key, each accepted when well
// formed and refused for every §8 requirement it breaks (certificate subject, version, basic
// constraints, AAGUID, signatures, key types, chain order, nonce, key match, KeyDescription).

#include "server/webauthn/WebAuthnVerifier.h"
#include "tests/unit/TestWebAuthnGenerator.h"

#include <QTest>
#include <functional>

Q_DECLARE_METATYPE(WebAuthn::RegistrationInput)

using namespace Qt::StringLiterals;
using namespace WebAuthn;
namespace Gen = WebAuthnGenerator;

namespace {

const QString kRpId = u"gatehouse.test"_s;
const QString kOrigin = u"https://gatehouse.test"_s;
const QByteArray kAaguid = QByteArray::fromHex("0102030405060708090a0b0c0d0e0f10");
const QByteArray kCredentialId = QByteArray::fromHex("c0ffee00c0ffee00c0ffee00c0ffee00");

RelyingParty relyingParty()
{
    RelyingParty rp;
    rp.rpId = kRpId;
    rp.origins = {kOrigin};
    return rp;
}

// What a statement builder sees: the bytes it has to sign or bind.
struct Signing
{
    QByteArray authData;
    QByteArray clientDataHash;
    const Gen::Key *credential = nullptr;
};
using StatementBuilder = std::function<QCborMap(const Signing &)>;

RegistrationInput registration(const QString &format, const Gen::Key &credential,
                               const StatementBuilder &build, const QByteArray &aaguid = kAaguid)
{
    RegistrationInput input;
    input.expectedChallenge = Gen::sha256("attestation challenge " + format.toUtf8());
    input.clientDataJson = Gen::clientDataJson("webauthn.create", input.expectedChallenge, kOrigin);
    Signing signing;
    signing.authData =
        Gen::authenticatorData(kRpId, 0x45, 7, aaguid, kCredentialId, credential.cose());
    signing.clientDataHash = Gen::sha256(input.clientDataJson);
    signing.credential = &credential;
    input.attestationObject = Gen::attestationObject(format, build(signing), signing.authData);
    return input;
}

QCborArray x5c(std::initializer_list<QByteArray> certificates)
{
    QCborArray out;
    for (const QByteArray &der : certificates)
        out.append(der);
    return out;
}

// Shared keys: generating RSA keys per row would make the test slow.
struct Keys
{
    Gen::Key ca{Gen::KeyType::P256};
    Gen::Key otherCa{Gen::KeyType::P256};
    Gen::Key attestation{Gen::KeyType::P256};
    Gen::Key rsaAttestation{Gen::KeyType::Rsa2048};
    Gen::Key ed25519Attestation{Gen::KeyType::Ed25519};
    Gen::Key p256{Gen::KeyType::P256};
    Gen::Key ed25519{Gen::KeyType::Ed25519};
    Gen::Key rsa{Gen::KeyType::Rsa2048};
};
const Keys &keys()
{
    static const Keys instance;
    return instance;
}

Gen::CertificateSpec packedSpec()
{
    Gen::CertificateSpec spec;
    spec.aaguidExtension = kAaguid;
    return spec;
}

QByteArray caCertificate(const Gen::Key &ca)
{
    Gen::CertificateSpec spec;
    spec.organizationalUnit = u"Authenticator Attestation CA"_s;
    spec.ca = true;
    return Gen::certificate(ca, spec);
}

// packed with x5c [leaf, CA]; the leaf made from `spec`, signed with `signer` using `alg`.
StatementBuilder packedX5c(Gen::CertificateSpec spec, const Gen::Key *leafKey = nullptr,
                           int alg = -7, bool wrongSigner = false, bool unrelatedCa = false)
{
    return [=](const Signing &signing) {
        const Gen::Key &leaf = leafKey ? *leafKey : keys().attestation;
        const QByteArray leafDer = Gen::certificate(leaf, spec, &keys().ca, 2);
        const QByteArray caDer = caCertificate(unrelatedCa ? keys().otherCa : keys().ca);
        const Gen::Key &signer = wrongSigner ? *signing.credential : leaf;
        return QCborMap{{u"alg"_s, alg},
                        {u"sig"_s, signer.sign(signing.authData + signing.clientDataHash)},
                        {u"x5c"_s, x5c({leafDer, caDer})}};
    };
}

StatementBuilder packedSelf(int alg)
{
    return [=](const Signing &signing) {
        return QCborMap{
            {u"alg"_s, alg},
            {u"sig"_s, signing.credential->sign(signing.authData + signing.clientDataHash)}};
    };
}

// fido-u2f: 0x00 || rpIdHash || clientDataHash || credentialId || 0x04 || x || y.
StatementBuilder fidoU2f(const Gen::Key *certificateKey = nullptr, bool extraCertificate = false,
                         bool omitPrefix = false)
{
    return [=](const Signing &signing) {
        const Gen::Key &key = certificateKey ? *certificateKey : keys().attestation;
        Gen::CertificateSpec spec;
        spec.organizationalUnit = QString(); // U2F certificates follow no subject rules
        const QByteArray der = Gen::certificate(key, spec);
        const QCborMap cose = signing.credential->coseMap();
        QByteArray data = omitPrefix ? QByteArray() : QByteArray(1, '\0');
        data += Gen::sha256(kRpId.toUtf8()) + signing.clientDataHash + kCredentialId + '\x04' +
                cose.value(-2).toByteArray() + cose.value(-3).toByteArray();
        QCborArray chain = x5c({der});
        if (extraCertificate)
            chain.append(caCertificate(keys().ca));
        return QCborMap{{u"sig"_s, key.sign(data)}, {u"x5c"_s, chain}};
    };
}

// apple: the leaf certifies the credential key and carries SHA-256(authData || clientDataHash).
StatementBuilder apple(bool wrongNonce = false, const Gen::Key *leafKey = nullptr,
                       bool noNonce = false, QByteArray rawValue = {})
{
    return [=](const Signing &signing) {
        Gen::CertificateSpec spec;
        spec.addBasicConstraints = false;
        QByteArray nonce = Gen::sha256(signing.authData + signing.clientDataHash);
        if (wrongNonce)
            nonce[0] = char(nonce[0] ^ 0x01);
        if (!noNonce)
            spec.appleNonce = nonce;
        spec.rawExtensionValue = rawValue;
        const Gen::Key &leaf = leafKey ? *leafKey : *signing.credential;
        return QCborMap{{u"x5c"_s, x5c({Gen::certificate(leaf, spec, &keys().ca, 3),
                                        caCertificate(keys().ca)})}};
    };
}

// android-key: the leaf certifies the credential key (or `leafKey`), its KeyDescription holds
// the clientDataHash, and the statement is signed with the leaf's key.
StatementBuilder androidKey(std::function<void(Gen::AndroidKeySpec &)> adjust = {},
                            const Gen::Key *leafKey = nullptr, bool withExtension = true)
{
    return [=](const Signing &signing) {
        Gen::AndroidKeySpec android;
        android.challenge = signing.clientDataHash;
        if (adjust)
            adjust(android);
        Gen::CertificateSpec spec;
        spec.organizationalUnit = QString();
        if (withExtension)
            spec.androidKeyDescription = Gen::androidKeyDescription(android);
        const Gen::Key &leaf = leafKey ? *leafKey : *signing.credential;
        return QCborMap{{u"alg"_s, leaf.coseAlgorithm()},
                        {u"sig"_s, leaf.sign(signing.authData + signing.clientDataHash)},
                        {u"x5c"_s, x5c({Gen::certificate(leaf, spec, &keys().ca, 4),
                                        caCertificate(keys().ca)})}};
    };
}

} // namespace

class TestWebAuthnAttestation : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { keys(); }

    void formats_data()
    {
        QTest::addColumn<RegistrationInput>("input");
        QTest::addColumn<QString>("error"); // empty: must be accepted
        const Keys &k = keys();
        auto ok = [](const char *name, RegistrationInput input) {
            QTest::newRow(name) << input << QString();
        };
        auto bad = [](const char *name, RegistrationInput input, const char *error) {
            QTest::newRow(name) << input << QString::fromLatin1(error);
        };

        ok("packed x5c ES256, P-256 credential",
           registration(u"packed"_s, k.p256, packedX5c(packedSpec())));
        ok("packed x5c ES256, Ed25519 credential",
           registration(u"packed"_s, k.ed25519, packedX5c(packedSpec())));
        ok("packed x5c ES256, RSA credential",
           registration(u"packed"_s, k.rsa, packedX5c(packedSpec())));
        ok("packed x5c RS256 attestation key",
           registration(u"packed"_s, k.p256, packedX5c(packedSpec(), &k.rsaAttestation, -257)));
        ok("packed x5c EdDSA attestation key",
           registration(u"packed"_s, k.p256, packedX5c(packedSpec(), &k.ed25519Attestation, -8)));
        Gen::CertificateSpec spec = packedSpec();
        spec.aaguidExtension.clear();
        ok("packed x5c without AAGUID extension",
           registration(u"packed"_s, k.p256, packedX5c(spec)));
        spec = packedSpec();
        spec.addBasicConstraints = false;
        ok("packed x5c without basicConstraints (cA defaults to false)",
           registration(u"packed"_s, k.p256, packedX5c(spec)));
        ok("packed self ES256", registration(u"packed"_s, k.p256, packedSelf(-7)));
        ok("packed self EdDSA", registration(u"packed"_s, k.ed25519, packedSelf(-8)));
        ok("packed self RS256", registration(u"packed"_s, k.rsa, packedSelf(-257)));
        ok("fido-u2f", registration(u"fido-u2f"_s, k.p256, fidoU2f(), QByteArray(16, '\0')));
        ok("apple", registration(u"apple"_s, k.p256, apple()));
        ok("android-key ES256", registration(u"android-key"_s, k.p256, androidKey()));
        ok("android-key RS256", registration(u"android-key"_s, k.rsa, androidKey()));

        // packed x5c: §8.2.1 certificate requirements.
        spec = packedSpec();
        spec.version = 1;
        bad("packed x5c certificate v1", registration(u"packed"_s, k.p256, packedX5c(spec)),
            "WEBAUTHN_ATTESTATION_INVALID");
        spec = packedSpec();
        spec.organizationalUnit = u"Authenticator"_s;
        bad("packed x5c OU wrong", registration(u"packed"_s, k.p256, packedX5c(spec)),
            "WEBAUTHN_ATTESTATION_INVALID");
        spec = packedSpec();
        spec.organizationalUnit = QString();
        bad("packed x5c OU missing", registration(u"packed"_s, k.p256, packedX5c(spec)),
            "WEBAUTHN_ATTESTATION_INVALID");
        spec = packedSpec();
        spec.country = QString();
        bad("packed x5c C missing", registration(u"packed"_s, k.p256, packedX5c(spec)),
            "WEBAUTHN_ATTESTATION_INVALID");
        spec = packedSpec();
        spec.country = u"AAA"_s;
        bad("packed x5c C not two letters", registration(u"packed"_s, k.p256, packedX5c(spec)),
            "WEBAUTHN_ATTESTATION_INVALID");
        spec = packedSpec();
        spec.organization = QString();
        bad("packed x5c O missing", registration(u"packed"_s, k.p256, packedX5c(spec)),
            "WEBAUTHN_ATTESTATION_INVALID");
        spec = packedSpec();
        spec.commonName = QString();
        bad("packed x5c CN missing", registration(u"packed"_s, k.p256, packedX5c(spec)),
            "WEBAUTHN_ATTESTATION_INVALID");
        spec = packedSpec();
        spec.ca = true;
        bad("packed x5c leaf is a CA", registration(u"packed"_s, k.p256, packedX5c(spec)),
            "WEBAUTHN_ATTESTATION_INVALID");
        spec = packedSpec();
        spec.aaguidExtension = QByteArray(16, 'x');
        bad("packed x5c AAGUID mismatch", registration(u"packed"_s, k.p256, packedX5c(spec)),
            "WEBAUTHN_ATTESTATION_INVALID");
        spec = packedSpec();
        spec.rawExtensionValue = kAaguid; // not wrapped in an OCTET STRING
        bad("packed x5c AAGUID not an OCTET STRING",
            registration(u"packed"_s, k.p256, packedX5c(spec)), "WEBAUTHN_ATTESTATION_INVALID");
        bad("packed x5c signed by the credential key",
            registration(u"packed"_s, k.p256, packedX5c(packedSpec(), nullptr, -7, true)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("packed x5c alg does not match the leaf key",
            registration(u"packed"_s, k.p256, packedX5c(packedSpec(), nullptr, -8)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("packed x5c unsupported alg",
            registration(u"packed"_s, k.p256, packedX5c(packedSpec(), nullptr, -35)),
            "WEBAUTHN_ALGORITHM_UNSUPPORTED");
        bad("packed x5c chain out of order",
            registration(u"packed"_s, k.p256, packedX5c(packedSpec(), nullptr, -7, false, true)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("packed x5c empty",
            registration(u"packed"_s, k.p256,
                         [](const Signing &s) {
                             return QCborMap{{u"alg"_s, -7},
                                             {u"sig"_s, s.credential->sign(s.authData)},
                                             {u"x5c"_s, QCborArray()}};
                         }),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("packed x5c garbage certificate",
            registration(u"packed"_s, k.p256,
                         [](const Signing &s) {
                             return QCborMap{
                                 {u"alg"_s, -7},
                                 {u"sig"_s, s.credential->sign(s.authData)},
                                 {u"x5c"_s, QCborArray{QByteArray("\x30\x03\x02\x01\x01")}}};
                         }),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("packed ECDAA",
            registration(u"packed"_s, k.p256,
                         [](const Signing &s) {
                             return QCborMap{{u"alg"_s, -7},
                                             {u"sig"_s, s.credential->sign(s.authData)},
                                             {u"ecdaaKeyId"_s, QByteArray(32, 'e')}};
                         }),
            "WEBAUTHN_ATTESTATION_UNSUPPORTED");
        bad("packed extra attStmt key",
            registration(u"packed"_s, k.p256,
                         [](const Signing &s) {
                             QCborMap m = packedSelf(-7)(s);
                             m.insert(u"ver"_s, u"2.0"_s);
                             return m;
                         }),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("packed self alg mismatch", registration(u"packed"_s, k.p256, packedSelf(-257)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("packed self wrong signature",
            registration(
                u"packed"_s, k.p256,
                [](const Signing &s) {
                    return QCborMap{{u"alg"_s, -7}, {u"sig"_s, s.credential->sign(s.authData)}};
                }),
            "WEBAUTHN_ATTESTATION_INVALID");

        bad("fido-u2f Ed25519 credential", registration(u"fido-u2f"_s, k.ed25519, fidoU2f()),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("fido-u2f RSA certificate key",
            registration(u"fido-u2f"_s, k.p256, fidoU2f(&k.rsaAttestation)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("fido-u2f two certificates",
            registration(u"fido-u2f"_s, k.p256, fidoU2f(nullptr, true)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("fido-u2f signature without the 0x00 prefix",
            registration(u"fido-u2f"_s, k.p256, fidoU2f(nullptr, false, true)),
            "WEBAUTHN_ATTESTATION_INVALID");

        bad("apple nonce mismatch", registration(u"apple"_s, k.p256, apple(true)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("apple leaf key is not the credential key",
            registration(u"apple"_s, k.p256, apple(false, &k.attestation)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("apple nonce extension missing",
            registration(u"apple"_s, k.p256, apple(false, nullptr, true)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("apple nonce extension malformed",
            registration(u"apple"_s, k.p256,
                         apple(false, nullptr, false, Gen::der(0x04, QByteArray(32, 'n')))),
            "WEBAUTHN_ATTESTATION_INVALID");

        bad("android-key challenge mismatch",
            registration(u"android-key"_s, k.p256,
                         androidKey([](Gen::AndroidKeySpec &a) { a.challenge[0] ^= 0x01; })),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("android-key allApplications (TEE)",
            registration(u"android-key"_s, k.p256,
                         androidKey([](Gen::AndroidKeySpec &a) { a.allApplicationsTee = true; })),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("android-key allApplications (software)",
            registration(u"android-key"_s, k.p256, androidKey([](Gen::AndroidKeySpec &a) {
                             a.allApplicationsSoftware = true;
                         })),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("android-key imported key",
            registration(u"android-key"_s, k.p256,
                         androidKey([](Gen::AndroidKeySpec &a) { a.origin = 2; })),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("android-key not for signing",
            registration(u"android-key"_s, k.p256, androidKey([](Gen::AndroidKeySpec &a) {
                             a.purposes = {0, 1};
                         })),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("android-key leaf key is not the credential key",
            registration(u"android-key"_s, k.p256, androidKey({}, &k.attestation)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("android-key extension missing",
            registration(u"android-key"_s, k.p256, androidKey({}, nullptr, false)),
            "WEBAUTHN_ATTESTATION_INVALID");
        bad("android-key signature by another key",
            registration(u"android-key"_s, k.p256,
                         [](const Signing &s) {
                             QCborMap m = androidKey()(s);
                             m.insert(u"sig"_s,
                                      keys().attestation.sign(s.authData + s.clientDataHash));
                             return m;
                         }),
            "WEBAUTHN_ATTESTATION_INVALID");
    }
    void formats()
    {
        QFETCH(RegistrationInput, input);
        QFETCH(QString, error);
        auto result = verifyRegistration(relyingParty(), input);
        if (error.isEmpty()) {
            QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
            QCOMPARE(result->credentialId, kCredentialId);
            QCOMPARE(result->signCount, 7u);
            QVERIFY(result->userVerified);
            QVERIFY(!result->attestationFormat.isEmpty());
        } else {
            QVERIFY2(!result.ok(), "an invalid attestation was accepted");
            QCOMPARE(result.error().code, error);
        }
    }
};

QTEST_GUILESS_MAIN(TestWebAuthnAttestation)
#include "TestWebAuthnAttestation.moc"
