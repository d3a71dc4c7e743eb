// The relying-party verifier against the W3C WebAuthn Level 3 test vectors (§16, transcribed in
// TestWebAuthnVectors.json: none, packed self and x5c with ES256, RS256 and EdDSA credentials,
// crossOrigin/topOrigin, a 1023-byte credential id), then negative rows derived from them or
// generated independently (TestWebAuthnGenerator.h: OpenSSL directly + Qt's CBOR encoder):
// wrong origin, rpId, challenge and type, bad signature, flipped flags, truncated CBOR,
// trailing bytes, unsupported algorithm, huge declared lengths, a 192-byte credential id.

#include "server/webauthn/WebAuthnVerifier.h"
#include "tests/unit/TestWebAuthnGenerator.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

Q_DECLARE_METATYPE(WebAuthn::RelyingParty)
Q_DECLARE_METATYPE(WebAuthn::RegistrationInput)
Q_DECLARE_METATYPE(WebAuthn::AssertionInput)
Q_DECLARE_METATYPE(WebAuthn::StoredCredential)

using namespace Qt::StringLiterals;
using namespace WebAuthn;
namespace Gen = WebAuthnGenerator;

namespace {

QByteArray hex(const QJsonValue &value)
{
    return QByteArray::fromHex(value.toString().toLatin1());
}

QJsonArray loadVectors()
{
    QFile file(QStringLiteral(GATEHOUSE_SOURCE_DIR "/tests/unit/TestWebAuthnVectors.json"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open TestWebAuthnVectors.json");
    return QJsonDocument::fromJson(file.readAll()).object().value("vectors"_L1).toArray();
}

RelyingParty relyingParty(const QJsonObject &vector)
{
    RelyingParty rp;
    rp.rpId = u"example.org"_s;
    rp.origins = {u"https://example.org"_s};
    rp.allowCrossOrigin = vector.value("allowCrossOrigin"_L1).toBool(false);
    for (const QJsonValue &top : vector.value("topOrigins"_L1).toArray())
        rp.topOrigins.append(top.toString());
    return rp;
}

RegistrationInput registrationInput(const QJsonObject &registration)
{
    RegistrationInput input;
    input.expectedChallenge = hex(registration.value("challenge"_L1));
    input.clientDataJson = hex(registration.value("clientDataJSON"_L1));
    if (registration.contains("attestationObjectParts"_L1)) {
        for (const QJsonValue &part : registration.value("attestationObjectParts"_L1).toArray())
            input.attestationObject += hex(part);
    } else {
        input.attestationObject = hex(registration.value("attestationObject"_L1));
    }
    return input;
}

AssertionInput assertionInput(const QJsonObject &authentication)
{
    AssertionInput input;
    input.expectedChallenge = hex(authentication.value("challenge"_L1));
    input.clientDataJson = hex(authentication.value("clientDataJSON"_L1));
    input.authenticatorData = hex(authentication.value("authenticatorData"_L1));
    input.signature = hex(authentication.value("signature"_L1));
    return input;
}

QJsonObject vectorNamed(const char *name)
{
    for (const QJsonValue &vector : loadVectors()) {
        if (vector.toObject().value("name"_L1).toString().startsWith(QLatin1String(name)))
            return vector.toObject();
    }
    qFatal("no vector %s", name);
}

// The 16.2 none.ES256 registration and its stored credential, for the negative rows.
struct Baseline
{
    RelyingParty rp;
    RegistrationInput registration;
    AssertionInput assertion;
    StoredCredential stored;
};

Baseline baseline()
{
    const QJsonObject vector = vectorNamed("16.2");
    Baseline out;
    out.rp = relyingParty(vector);
    out.registration = registrationInput(vector.value("registration"_L1).toObject());
    out.assertion = assertionInput(vector.value("authentication"_L1).toObject());
    auto registered = verifyRegistration(out.rp, out.registration);
    if (!registered)
        qFatal("baseline registration failed");
    out.stored.cosePublicKey = registered->cosePublicKey;
    out.stored.backupEligible = registered->backupEligible;
    out.stored.signCount = registered->signCount;
    return out;
}

// A fresh, independently generated registration (none attestation) for rows that need
// re-signed or re-encoded data.
struct Generated
{
    RelyingParty rp;
    RegistrationInput input;
};

Generated generated(quint8 flags, const QByteArray &credentialId, const QByteArray &coseKey)
{
    Generated out;
    out.rp.rpId = u"gatehouse.test"_s;
    out.rp.origins = {u"https://gatehouse.test"_s};
    out.input.expectedChallenge = Gen::sha256("challenge");
    out.input.clientDataJson =
        Gen::clientDataJson("webauthn.create", out.input.expectedChallenge, out.rp.origins.front());
    const QByteArray authData =
        Gen::authenticatorData(out.rp.rpId, flags, 0, QByteArray(16, 'a'), credentialId, coseKey);
    out.input.attestationObject = Gen::attestationObject(u"none"_s, QCborMap(), authData);
    return out;
}

} // namespace

class TestWebAuthnVectors : public QObject
{
    Q_OBJECT

private slots:
    void registration_data()
    {
        QTest::addColumn<QJsonObject>("vector");
        for (const QJsonValue &vector : loadVectors())
            QTest::newRow(vector.toObject().value("name"_L1).toString().toUtf8().constData())
                << vector.toObject();
    }
    void registration()
    {
        QFETCH(QJsonObject, vector);
        const QJsonObject registration = vector.value("registration"_L1).toObject();
        const QJsonObject expect = registration.value("expect"_L1).toObject();
        auto result = verifyRegistration(relyingParty(vector), registrationInput(registration));
        if (expect.contains("error"_L1)) {
            QVERIFY(!result.ok());
            QCOMPARE(result.error().code, expect.value("error"_L1).toString());
            return;
        }
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        QCOMPARE(result->attestationFormat, expect.value("format"_L1).toString());
        QCOMPARE(result->algorithm, expect.value("algorithm"_L1).toInt());
        QCOMPARE(result->credentialId, hex(expect.value("credentialId"_L1)));
        QCOMPARE(result->aaguid, hex(expect.value("aaguid"_L1)));
        QCOMPARE(result->userVerified, expect.value("userVerified"_L1).toBool());
        QCOMPARE(result->backupEligible, expect.value("backupEligible"_L1).toBool());
        QCOMPARE(result->backedUp, expect.value("backedUp"_L1).toBool());
        QCOMPARE(qint64(result->signCount), expect.value("signCount"_L1).toInteger());
        // The stored key is the COSE map exactly as sent: it ends the authenticator data here.
        QVERIFY(registrationInput(registration).attestationObject.contains(result->cosePublicKey));
    }

    void authentication_data() { registration_data(); }
    void authentication()
    {
        QFETCH(QJsonObject, vector);
        const RelyingParty rp = relyingParty(vector);
        StoredCredential stored;
        if (vector.contains("storedCredential"_L1)) {
            const QJsonObject credential = vector.value("storedCredential"_L1).toObject();
            stored.cosePublicKey = hex(credential.value("cosePublicKey"_L1));
            stored.backupEligible = credential.value("backupEligible"_L1).toBool();
        } else {
            auto registered = verifyRegistration(
                rp, registrationInput(vector.value("registration"_L1).toObject()));
            QVERIFY(registered.ok());
            stored.cosePublicKey = registered->cosePublicKey;
            stored.backupEligible = registered->backupEligible;
            stored.signCount = registered->signCount;
        }
        const QJsonObject authentication = vector.value("authentication"_L1).toObject();
        const QJsonObject expect = authentication.value("expect"_L1).toObject();
        auto result = verifyAssertion(rp, assertionInput(authentication), stored);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        QCOMPARE(result->userVerified, expect.value("userVerified"_L1).toBool());
        QCOMPARE(result->backedUp, expect.value("backedUp"_L1).toBool());
        QCOMPARE(qint64(result->signCount), expect.value("signCount"_L1).toInteger());
        QVERIFY(!result->counterRegressed); // both counters are 0: the authenticator has none

        // Any flipped byte of the signed data or the signature breaks it.
        AssertionInput tampered = assertionInput(authentication);
        tampered.signature[tampered.signature.size() / 2] ^= 0x01;
        auto bad = verifyAssertion(rp, tampered, stored);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, u"WEBAUTHN_SIGNATURE_INVALID"_s);
        tampered = assertionInput(authentication);
        tampered.authenticatorData[36] = char(tampered.authenticatorData[36] ^ 0x01); // counter
        bad = verifyAssertion(rp, tampered, stored);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, u"WEBAUTHN_SIGNATURE_INVALID"_s);
    }

    void registrationNegative_data()
    {
        QTest::addColumn<RelyingParty>("rp");
        QTest::addColumn<RegistrationInput>("input");
        QTest::addColumn<QString>("error");
        const Baseline base = baseline();
        auto row = [&](const char *name, RelyingParty rp, RegistrationInput input,
                       const char *error) {
            QTest::newRow(name) << rp << input << QString::fromLatin1(error);
        };
        RelyingParty rp = base.rp;
        rp.origins = {u"https://evil.example"_s};
        row("wrong origin", rp, base.registration, "WEBAUTHN_ORIGIN_NOT_ALLOWED");
        rp = base.rp;
        rp.origins = {u"https://example.org:443"_s, u"http://example.org"_s};
        row("origin must match exactly", rp, base.registration, "WEBAUTHN_ORIGIN_NOT_ALLOWED");
        rp = base.rp;
        rp.rpId = u"example.com"_s;
        row("wrong rpId", rp, base.registration, "WEBAUTHN_RP_ID_MISMATCH");
        RegistrationInput input = base.registration;
        input.expectedChallenge[0] = char(input.expectedChallenge[0] ^ 0x80);
        row("wrong challenge", base.rp, input, "WEBAUTHN_CHALLENGE_MISMATCH");
        input = base.registration;
        input.expectedChallenge.chop(1);
        row("challenge prefix", base.rp, input, "WEBAUTHN_CHALLENGE_MISMATCH");
        input = base.registration;
        input.expectedChallenge.clear();
        row("no expected challenge", base.rp, input, "WEBAUTHN_CHALLENGE_MISMATCH");
        input = base.registration;
        input.clientDataJson = base.assertion.clientDataJson;
        row("wrong type (webauthn.get)", base.rp, input, "WEBAUTHN_TYPE_MISMATCH");
        input = base.registration;
        input.clientDataJson = "{\"type\":\"webauthn.create\"";
        row("clientDataJSON not JSON", base.rp, input, "WEBAUTHN_CLIENT_DATA_INVALID");
        input = base.registration;
        input.clientDataJson = "[\"webauthn.create\"]";
        row("clientDataJSON not an object", base.rp, input, "WEBAUTHN_CLIENT_DATA_INVALID");
        input = base.registration;
        input.attestationObject.chop(1);
        row("truncated CBOR", base.rp, input, "WEBAUTHN_CBOR_INVALID");
        input = base.registration;
        input.attestationObject.truncate(10);
        row("truncated CBOR (header only)", base.rp, input, "WEBAUTHN_CBOR_INVALID");
        input = base.registration;
        input.attestationObject.append('\0');
        row("trailing bytes after attestationObject", base.rp, input, "WEBAUTHN_CBOR_INVALID");
        input = base.registration;
        input.attestationObject.clear();
        row("empty attestationObject", base.rp, input, "WEBAUTHN_CBOR_INVALID");
        input = base.registration;
        // {"fmt": "none", "attStmt": {}, "authData": bytes(2^64-1)}: declared, never allocated.
        input.attestationObject = QByteArray::fromHex("a363666d74646e6f6e656761747453746d74a0"
                                                      "686175746844617461") +
                                  QByteArray::fromHex("5bffffffffffffffff") + QByteArray(8, 'x');
        row("huge declared byte string", base.rp, input, "WEBAUTHN_CBOR_INVALID");
        input.attestationObject = QByteArray::fromHex("bbffffffffffffffff");
        row("huge declared map", base.rp, input, "WEBAUTHN_CBOR_INVALID");
        rp = base.rp;
        rp.userVerification = UserVerification::Required;
        row("UV required, not verified", rp, base.registration, "WEBAUTHN_USER_NOT_VERIFIED");

        // Flags inside the authenticator data (byte 32 of authData; authData is the last
        // value of the map, 0xa4 + 32 bytes from its end).
        const qsizetype flagsAt =
            base.registration.attestationObject.indexOf(QByteArray::fromHex("bfabc37432958b06")) +
            32;
        input = base.registration;
        input.attestationObject[flagsAt] = char(input.attestationObject[flagsAt] & ~0x01);
        row("UP off", base.rp, input, "WEBAUTHN_USER_NOT_PRESENT");
        input = base.registration;
        input.attestationObject[flagsAt] = char(input.attestationObject[flagsAt] & ~0x08);
        row("BS without BE", base.rp, input, "WEBAUTHN_FLAGS_INVALID");
        input = base.registration;
        input.attestationObject[flagsAt] = char(input.attestationObject[flagsAt] | 0x80);
        row("ED set without extensions", base.rp, input, "WEBAUTHN_AUTHENTICATOR_DATA_INVALID");
        input = base.registration;
        input.attestationObject[flagsAt] = char(input.attestationObject[flagsAt] & ~0x40);
        row("AT off, credential data left in", base.rp, input,
            "WEBAUTHN_AUTHENTICATOR_DATA_INVALID");

        const Gen::Key key(Gen::KeyType::P256);
        Generated g = generated(0x01, {}, {});
        row("AT missing (no credential)", g.rp, g.input, "WEBAUTHN_FLAGS_INVALID");
        g = generated(0x41, QByteArray(191, 'c'), key.cose());
        QVERIFY(verifyRegistration(g.rp, g.input).ok()); // the generator itself is sound
        g = generated(0x41, QByteArray(192, 'c'), key.cose());
        row("credential id 192 bytes", g.rp, g.input, "WEBAUTHN_CREDENTIAL_ID_TOO_LONG");
        g = generated(0x41, QByteArray(1024, 'c'), key.cose());
        row("credential id 1024 bytes", g.rp, g.input, "WEBAUTHN_AUTHENTICATOR_DATA_INVALID");
        g = generated(0x41, QByteArray(16, 'c'), key.cose() + '\0');
        row("trailing bytes after the COSE key", g.rp, g.input,
            "WEBAUTHN_AUTHENTICATOR_DATA_INVALID");
        QCborMap es384 = key.coseMap();
        es384.insert(3, -35);
        g = generated(0x41, QByteArray(16, 'c'), es384.toCborValue().toCbor());
        row("unsupported algorithm ES384", g.rp, g.input, "WEBAUTHN_ALGORITHM_UNSUPPORTED");
        QCborMap rs1 = Gen::Key(Gen::KeyType::Rsa2048).coseMap();
        rs1.insert(3, -65535);
        g = generated(0x41, QByteArray(16, 'c'), rs1.toCborValue().toCbor());
        row("unsupported algorithm RS1", g.rp, g.input, "WEBAUTHN_ALGORITHM_UNSUPPORTED");
        QCborMap offCurve = key.coseMap();
        QByteArray y = offCurve.value(-3).toByteArray();
        y[31] = char(y[31] ^ 0x01);
        offCurve.insert(-3, y);
        g = generated(0x41, QByteArray(16, 'c'), offCurve.toCborValue().toCbor());
        row("EC point not on the curve", g.rp, g.input, "WEBAUTHN_KEY_INVALID");
        QCborMap privatePart = key.coseMap();
        privatePart.insert(-4, QByteArray(32, 'd'));
        g = generated(0x41, QByteArray(16, 'c'), privatePart.toCborValue().toCbor());
        row("COSE key with a private part", g.rp, g.input, "WEBAUTHN_KEY_INVALID");
        QCborMap noAlg = key.coseMap();
        noAlg.remove(3);
        g = generated(0x41, QByteArray(16, 'c'), noAlg.toCborValue().toCbor());
        row("COSE key without alg", g.rp, g.input, "WEBAUTHN_KEY_INVALID");
        g = generated(0x41, QByteArray(16, 'c'), key.cose());
        QCborMap statement;
        statement.insert(u"x"_s, 1);
        g.input.attestationObject =
            Gen::attestationObject(u"none"_s, statement,
                                   Gen::authenticatorData(g.rp.rpId, 0x41, 0, QByteArray(16, 'a'),
                                                          QByteArray(16, 'c'), key.cose()));
        row("none with a non-empty attStmt", g.rp, g.input, "WEBAUTHN_ATTESTATION_INVALID");
        g.input.attestationObject =
            Gen::attestationObject(u"tpm-ish"_s, QCborMap(),
                                   Gen::authenticatorData(g.rp.rpId, 0x41, 0, QByteArray(16, 'a'),
                                                          QByteArray(16, 'c'), key.cose()));
        row("unknown attestation format", g.rp, g.input, "WEBAUTHN_ATTESTATION_UNSUPPORTED");
    }
    void registrationNegative()
    {
        QFETCH(RelyingParty, rp);
        QFETCH(RegistrationInput, input);
        QFETCH(QString, error);
        auto result = verifyRegistration(rp, input);
        QVERIFY2(!result.ok(), "a broken registration was accepted");
        QCOMPARE(result.error().code, error);
        QVERIFY(!result.error().message.isEmpty());
    }

    void crossOrigin()
    {
        const QJsonObject cross = vectorNamed("16.4");
        RelyingParty rp = relyingParty(cross);
        rp.allowCrossOrigin = false;
        auto result =
            verifyRegistration(rp, registrationInput(cross.value("registration"_L1).toObject()));
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, u"WEBAUTHN_CROSS_ORIGIN"_s);

        const QJsonObject top = vectorNamed("16.5");
        rp = relyingParty(top);
        rp.topOrigins = {u"https://other.example"_s};
        result = verifyRegistration(rp, registrationInput(top.value("registration"_L1).toObject()));
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, u"WEBAUTHN_CROSS_ORIGIN"_s);
        rp.allowCrossOrigin = false;
        rp.topOrigins = {u"https://example.com"_s};
        result = verifyRegistration(rp, registrationInput(top.value("registration"_L1).toObject()));
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, u"WEBAUTHN_CROSS_ORIGIN"_s);
    }

    void assertionNegative_data()
    {
        QTest::addColumn<RelyingParty>("rp");
        QTest::addColumn<AssertionInput>("input");
        QTest::addColumn<StoredCredential>("stored");
        QTest::addColumn<QString>("error");
        const Baseline base = baseline();
        auto row = [&](const char *name, RelyingParty rp, AssertionInput input,
                       StoredCredential stored, const char *error) {
            QTest::newRow(name) << rp << input << stored << QString::fromLatin1(error);
        };
        RelyingParty rp = base.rp;
        rp.origins = {u"https://evil.example"_s};
        row("wrong origin", rp, base.assertion, base.stored, "WEBAUTHN_ORIGIN_NOT_ALLOWED");
        rp = base.rp;
        rp.rpId = u"evil.example"_s;
        row("wrong rpId", rp, base.assertion, base.stored, "WEBAUTHN_RP_ID_MISMATCH");
        AssertionInput input = base.assertion;
        input.expectedChallenge = base.registration.expectedChallenge;
        row("wrong challenge", base.rp, input, base.stored, "WEBAUTHN_CHALLENGE_MISMATCH");
        input = base.assertion;
        input.clientDataJson = base.registration.clientDataJson;
        input.expectedChallenge = base.registration.expectedChallenge;
        row("wrong type (webauthn.create)", base.rp, input, base.stored, "WEBAUTHN_TYPE_MISMATCH");
        input = base.assertion;
        input.signature = QByteArray::fromHex("3006020101020101");
        row("bad signature", base.rp, input, base.stored, "WEBAUTHN_SIGNATURE_INVALID");
        input = base.assertion;
        input.signature.append('\0');
        row("signature with a trailing byte", base.rp, input, base.stored,
            "WEBAUTHN_SIGNATURE_INVALID");
        input = base.assertion;
        input.signature.clear();
        row("empty signature", base.rp, input, base.stored, "WEBAUTHN_SIGNATURE_INVALID");
        input = base.assertion;
        input.authenticatorData[32] = char(input.authenticatorData[32] & ~0x01);
        row("UP off", base.rp, input, base.stored, "WEBAUTHN_USER_NOT_PRESENT");
        input = base.assertion;
        input.authenticatorData[32] = char(input.authenticatorData[32] & ~0x08);
        row("BS without BE", base.rp, input, base.stored, "WEBAUTHN_FLAGS_INVALID");
        input = base.assertion;
        input.authenticatorData[32] = char(input.authenticatorData[32] | 0x40);
        row("AT set in an assertion", base.rp, input, base.stored,
            "WEBAUTHN_AUTHENTICATOR_DATA_INVALID");
        rp = base.rp;
        rp.userVerification = UserVerification::Required;
        row("UV required, not verified", rp, base.assertion, base.stored,
            "WEBAUTHN_USER_NOT_VERIFIED");
        StoredCredential stored = base.stored;
        stored.backupEligible = false;
        row("BE changed", base.rp, base.assertion, stored, "WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED");
        input = base.assertion;
        input.authenticatorData.append('\0');
        row("trailing bytes after authData", base.rp, input, base.stored,
            "WEBAUTHN_AUTHENTICATOR_DATA_INVALID");
        input = base.assertion;
        input.authenticatorData.chop(1);
        row("truncated authData", base.rp, input, base.stored,
            "WEBAUTHN_AUTHENTICATOR_DATA_INVALID");
        stored = base.stored;
        stored.cosePublicKey.chop(1);
        row("stored key truncated", base.rp, base.assertion, stored, "WEBAUTHN_KEY_INVALID");
        stored = base.stored;
        stored.cosePublicKey = Gen::Key(Gen::KeyType::Ed25519).cose();
        row("another credential's key", base.rp, base.assertion, stored,
            "WEBAUTHN_SIGNATURE_INVALID");
    }
    void assertionNegative()
    {
        QFETCH(RelyingParty, rp);
        QFETCH(AssertionInput, input);
        QFETCH(StoredCredential, stored);
        QFETCH(QString, error);
        auto result = verifyAssertion(rp, input, stored);
        QVERIFY2(!result.ok(), "a broken assertion was accepted");
        QCOMPARE(result.error().code, error);
    }

    // §7.2 step 22 with independently signed assertions for each key type.
    void signCounter_data()
    {
        QTest::addColumn<int>("keyType");
        QTest::addColumn<quint32>("stored");
        QTest::addColumn<quint32>("presented");
        QTest::addColumn<bool>("regressed");
        for (int type :
             {int(Gen::KeyType::P256), int(Gen::KeyType::Ed25519), int(Gen::KeyType::Rsa2048)}) {
            const QByteArray prefix = QByteArray::number(type) + " ";
            QTest::newRow((prefix + "both zero").constData()) << type << 0u << 0u << false;
            QTest::newRow((prefix + "first use").constData()) << type << 0u << 1u << false;
            QTest::newRow((prefix + "increasing").constData()) << type << 10u << 11u << false;
            QTest::newRow((prefix + "equal").constData()) << type << 10u << 10u << true;
            QTest::newRow((prefix + "going back").constData()) << type << 10u << 9u << true;
            QTest::newRow((prefix + "reset to zero").constData()) << type << 10u << 0u << true;
            QTest::newRow((prefix + "max").constData())
                << type << 0xfffffffeu << 0xffffffffu << false;
        }
    }
    void signCounter()
    {
        QFETCH(int, keyType);
        QFETCH(quint32, stored);
        QFETCH(quint32, presented);
        QFETCH(bool, regressed);
        // One key per type for all rows: RSA key generation is slow.
        static const Gen::Key keys[] = {Gen::Key(Gen::KeyType::P256),
                                        Gen::Key(Gen::KeyType::Ed25519),
                                        Gen::Key(Gen::KeyType::Rsa2048)};
        const Gen::Key &key = keys[keyType];
        RelyingParty rp;
        rp.rpId = u"gatehouse.test"_s;
        rp.origins = {u"https://gatehouse.test"_s};
        AssertionInput input;
        input.expectedChallenge = Gen::sha256("assertion challenge");
        input.clientDataJson =
            Gen::clientDataJson("webauthn.get", input.expectedChallenge, rp.origins.front());
        input.authenticatorData = Gen::authenticatorData(rp.rpId, 0x05, presented);
        input.signature = key.sign(input.authenticatorData + Gen::sha256(input.clientDataJson));
        StoredCredential credential;
        credential.cosePublicKey = key.cose();
        credential.signCount = stored;
        auto result = verifyAssertion(rp, input, credential);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        QCOMPARE(result->signCount, presented);
        QCOMPARE(result->counterRegressed, regressed);
        QVERIFY(result->userVerified);
    }
};

QTEST_GUILESS_MAIN(TestWebAuthnVectors)
#include "TestWebAuthnVectors.moc"
