// Fuzz-style robustness of the WebAuthn verifier, built with -fsanitize=address,undefined (see
// tests/CMakeLists.txt: the server/webauthn and server/crypto sources are compiled into this
// executable with the sanitizers). Seeded and deterministic: valid seeds (the W3C vectors and
// independently generated packed/fido-u2f/apple/android-key registrations) are mutated — bit
// flips, "interesting" CBOR header bytes, insertions, deletions, truncation, splices — and fed to
// verifyRegistration, verifyAssertion and the CBOR decoder. Any crash, sanitizer report or
// hang fails the test; pure random input must always be refused; whatever is accepted must be
// self-consistent. GATEHOUSE_FUZZ_SEED and GATEHOUSE_FUZZ_ITERATIONS override the defaults.

#include "server/webauthn/Cbor.h"
#include "server/webauthn/CoseKey.h"
#include "server/webauthn/WebAuthnVerifier.h"
#include "tests/unit/TestWebAuthnGenerator.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <random>

using namespace Qt::StringLiterals;
using namespace WebAuthn;
namespace Gen = WebAuthnGenerator;

namespace {

struct RegistrationSeed
{
    RelyingParty rp;
    RegistrationInput input;
};

struct AssertionSeed
{
    RelyingParty rp;
    AssertionInput input;
    StoredCredential stored;
};

QByteArray hex(const QJsonValue &value)
{
    return QByteArray::fromHex(value.toString().toLatin1());
}

class Mutator
{
public:
    explicit Mutator(quint64 seed) : m_random(seed) {}

    quint64 below(quint64 n) { return n == 0 ? 0 : m_random() % n; }
    bool chance(int percent) { return below(100) < quint64(percent); }

    QByteArray randomBytes(qsizetype maxLength)
    {
        QByteArray out(qsizetype(below(quint64(maxLength) + 1)), '\0');
        for (char &c : out)
            c = char(below(256));
        return out;
    }

    QByteArray mutate(QByteArray data, const QList<QByteArray> &pool)
    {
        const int rounds = 1 + int(below(4));
        for (int i = 0; i < rounds; ++i)
            data = mutateOnce(std::move(data), pool);
        return data;
    }

private:
    QByteArray mutateOnce(QByteArray data, const QList<QByteArray> &pool)
    {
        // Header bytes that stress a CBOR decoder: 8-byte lengths, indefinite lengths, breaks,
        // tags, floats, simple values, and the boundaries of each major type.
        static const unsigned char interesting[] = {
            0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x3b, 0x40, 0x5a, 0x5b, 0x5f, 0x60,
            0x7b, 0x7f, 0x80, 0x9b, 0x9f, 0xa0, 0xbb, 0xbf, 0xc0, 0xd8, 0xf7, 0xf9, 0xfb, 0xff};
        const qsizetype size = data.size();
        switch (below(8)) {
        case 0: // flip one bit
            if (size > 0)
                data[qsizetype(below(quint64(size)))] ^= char(1 << below(8));
            break;
        case 1: // interesting byte
            if (size > 0)
                data[qsizetype(below(quint64(size)))] =
                    char(interesting[below(sizeof interesting)]);
            break;
        case 2: // random byte
            if (size > 0)
                data[qsizetype(below(quint64(size)))] = char(below(256));
            break;
        case 3: // insert random bytes
            data.insert(qsizetype(below(quint64(size) + 1)), randomBytes(8));
            break;
        case 4: // delete a range
            if (size > 0) {
                const qsizetype at = qsizetype(below(quint64(size)));
                data.remove(at, qsizetype(1 + below(quint64(std::min<qsizetype>(16, size - at)))));
            }
            break;
        case 5: // truncate
            data.truncate(qsizetype(below(quint64(size) + 1)));
            break;
        case 6: // duplicate a range (repeated map entries, nested items)
            if (size > 0) {
                const qsizetype at = qsizetype(below(quint64(size)));
                const qsizetype length =
                    qsizetype(1 + below(quint64(std::min<qsizetype>(32, size - at))));
                data.insert(at, data.mid(at, length));
            }
            break;
        default: { // splice with another seed
            const QByteArray &other = pool.at(qsizetype(below(quint64(pool.size()))));
            const qsizetype cut = qsizetype(below(quint64(size) + 1));
            data = data.left(cut) + other.mid(qsizetype(below(quint64(other.size()) + 1)));
            break;
        }
        }
        return data;
    }

    std::mt19937_64 m_random;
};

quint64 environmentNumber(const char *name, quint64 fallback)
{
    bool ok = false;
    const quint64 value = qEnvironmentVariable(name).toULongLong(&ok);
    return ok ? value : fallback;
}

} // namespace

class TestWebAuthnFuzz : public QObject
{
    Q_OBJECT

private:
    QList<RegistrationSeed> m_registrations;
    QList<AssertionSeed> m_assertions;
    QList<QByteArray> m_pool; // every seed byte string, for splicing

    void addRegistration(const RegistrationSeed &seed)
    {
        auto result = verifyRegistration(seed.rp, seed.input);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        m_registrations.append(seed);
        m_pool << seed.input.attestationObject << seed.input.clientDataJson;
    }

    void addAssertion(const AssertionSeed &seed)
    {
        auto result = verifyAssertion(seed.rp, seed.input, seed.stored);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        m_assertions.append(seed);
        m_pool << seed.input.authenticatorData << seed.input.clientDataJson << seed.input.signature
               << seed.stored.cosePublicKey;
    }

    // Whatever the verifier accepts must at least be what it promises to return.
    static void checkAccepted(const RegisteredCredential &credential)
    {
        QVERIFY(!credential.credentialId.isEmpty() && credential.credentialId.size() <= 191);
        QCOMPARE(credential.aaguid.size(), 16);
        QVERIFY(CoseKey::fromBytes(credential.cosePublicKey).ok());
        QVERIFY(credential.algorithm == -7 || credential.algorithm == -8 ||
                credential.algorithm == -257);
        QVERIFY(!credential.backedUp || credential.backupEligible);
    }

private slots:
    void initTestCase()
    {
        QFile file(QStringLiteral(GATEHOUSE_SOURCE_DIR "/tests/unit/TestWebAuthnVectors.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonArray vectors =
            QJsonDocument::fromJson(file.readAll()).object().value("vectors"_L1).toArray();
        for (const QJsonValue &value : vectors) {
            const QJsonObject vector = value.toObject();
            if (vector.contains("storedCredential"_L1))
                continue; // the 1023-byte credential id is refused by design
            RelyingParty rp;
            rp.rpId = u"example.org"_s;
            rp.origins = {u"https://example.org"_s};
            rp.allowCrossOrigin = vector.value("allowCrossOrigin"_L1).toBool();
            rp.topOrigins = {u"https://example.com"_s};
            const QJsonObject reg = vector.value("registration"_L1).toObject();
            RegistrationSeed registration{rp, {}};
            registration.input.expectedChallenge = hex(reg.value("challenge"_L1));
            registration.input.clientDataJson = hex(reg.value("clientDataJSON"_L1));
            registration.input.attestationObject = hex(reg.value("attestationObject"_L1));
            addRegistration(registration);
            auto registered = verifyRegistration(rp, registration.input);
            const QJsonObject auth = vector.value("authentication"_L1).toObject();
            AssertionSeed assertion{rp, {}, {}};
            assertion.input.expectedChallenge = hex(auth.value("challenge"_L1));
            assertion.input.clientDataJson = hex(auth.value("clientDataJSON"_L1));
            assertion.input.authenticatorData = hex(auth.value("authenticatorData"_L1));
            assertion.input.signature = hex(auth.value("signature"_L1));
            assertion.stored.cosePublicKey = registered->cosePublicKey;
            assertion.stored.backupEligible = registered->backupEligible;
            addAssertion(assertion);
        }

        // Generated formats the vectors lack: fido-u2f, apple, android-key, packed x5c with an
        // AAGUID extension and a two-certificate chain, plus extensions (ED) in authenticator data.
        RelyingParty rp;
        rp.rpId = u"gatehouse.test"_s;
        rp.origins = {u"https://gatehouse.test"_s};
        const Gen::Key credential(Gen::KeyType::P256);
        const Gen::Key attestation(Gen::KeyType::P256);
        const Gen::Key ca(Gen::KeyType::P256);
        const QByteArray credentialId(32, 'i');
        const QByteArray aaguid(16, 'g');
        const QByteArray challenge = Gen::sha256("fuzz");
        const QByteArray clientData =
            Gen::clientDataJson("webauthn.create", challenge, rp.origins.front());
        const QByteArray clientDataHash = Gen::sha256(clientData);
        const QByteArray extensions = QCborValue(QCborMap{{u"credProtect"_s, 2}}).toCbor();
        const QByteArray authData = Gen::authenticatorData(rp.rpId, 0xc5, 1, aaguid, credentialId,
                                                           credential.cose(), extensions);
        Gen::CertificateSpec caSpec;
        caSpec.ca = true;
        const QByteArray caDer = Gen::certificate(ca, caSpec);
        Gen::CertificateSpec leafSpec;
        leafSpec.aaguidExtension = aaguid;
        const QByteArray leafDer = Gen::certificate(attestation, leafSpec, &ca, 2);
        addRegistration({rp,
                         {clientData,
                          Gen::attestationObject(
                              u"packed"_s,
                              QCborMap{{u"alg"_s, -7},
                                       {u"sig"_s, attestation.sign(authData + clientDataHash)},
                                       {u"x5c"_s, QCborArray{leafDer, caDer}}},
                              authData),
                          challenge}});
        const QByteArray u2fAuthData = Gen::authenticatorData(rp.rpId, 0x41, 0, QByteArray(16, 0),
                                                              credentialId, credential.cose());
        const QCborMap cose = credential.coseMap();
        const QByteArray u2fData = QByteArray(1, '\0') + Gen::sha256(rp.rpId.toUtf8()) +
                                   clientDataHash + credentialId + '\x04' +
                                   cose.value(-2).toByteArray() + cose.value(-3).toByteArray();
        Gen::CertificateSpec u2fSpec;
        const QByteArray u2fCert = Gen::certificate(attestation, u2fSpec);
        addRegistration({rp,
                         {clientData,
                          Gen::attestationObject(u"fido-u2f"_s,
                                                 QCborMap{{u"sig"_s, attestation.sign(u2fData)},
                                                          {u"x5c"_s, QCborArray{u2fCert}}},
                                                 u2fAuthData),
                          challenge}});
        Gen::CertificateSpec appleSpec;
        appleSpec.appleNonce = Gen::sha256(authData + clientDataHash);
        const QByteArray appleLeaf = Gen::certificate(credential, appleSpec, &ca, 3);
        addRegistration(
            {rp,
             {clientData,
              Gen::attestationObject(u"apple"_s, QCborMap{{u"x5c"_s, QCborArray{appleLeaf, caDer}}},
                                     authData),
              challenge}});
        Gen::AndroidKeySpec android;
        android.challenge = clientDataHash;
        Gen::CertificateSpec androidSpec;
        androidSpec.androidKeyDescription = Gen::androidKeyDescription(android);
        const QByteArray androidLeaf = Gen::certificate(credential, androidSpec, &ca, 4);
        addRegistration({rp,
                         {clientData,
                          Gen::attestationObject(
                              u"android-key"_s,
                              QCborMap{{u"alg"_s, -7},
                                       {u"sig"_s, credential.sign(authData + clientDataHash)},
                                       {u"x5c"_s, QCborArray{androidLeaf, caDer}}},
                              authData),
                          challenge}});
        QVERIFY(m_registrations.size() >= 11);
        QVERIFY(m_assertions.size() >= 7);
    }

    void mutatedAndRandomInputs()
    {
        const quint64 seed = environmentNumber("GATEHOUSE_FUZZ_SEED", 0x6a7e4f5e11d0ULL);
        const quint64 iterations = environmentNumber("GATEHOUSE_FUZZ_ITERATIONS", 20000);
        Mutator mutator(seed);
        quint64 accepted = 0;
        quint64 refused = 0;
        QElapsedTimer timer;
        timer.start();
        for (quint64 i = 0; i < iterations; ++i) {
            const quint64 kind = mutator.below(10);
            if (kind < 4) {
                RegistrationSeed s =
                    m_registrations.at(qsizetype(mutator.below(quint64(m_registrations.size()))));
                if (mutator.chance(80))
                    s.input.attestationObject = mutator.mutate(s.input.attestationObject, m_pool);
                else
                    s.input.clientDataJson = mutator.mutate(s.input.clientDataJson, m_pool);
                auto result = verifyRegistration(s.rp, s.input);
                if (result.ok()) {
                    ++accepted;
                    checkAccepted(*result);
                } else {
                    ++refused;
                    QVERIFY(result.error().code.startsWith("WEBAUTHN_"_L1));
                }
            } else if (kind < 8) {
                AssertionSeed s =
                    m_assertions.at(qsizetype(mutator.below(quint64(m_assertions.size()))));
                switch (mutator.below(4)) {
                case 0:
                    s.input.authenticatorData = mutator.mutate(s.input.authenticatorData, m_pool);
                    break;
                case 1:
                    s.input.clientDataJson = mutator.mutate(s.input.clientDataJson, m_pool);
                    break;
                case 2:
                    s.input.signature = mutator.mutate(s.input.signature, m_pool);
                    break;
                default:
                    s.stored.cosePublicKey = mutator.mutate(s.stored.cosePublicKey, m_pool);
                    break;
                }
                auto result = verifyAssertion(s.rp, s.input, s.stored);
                // Everything in an assertion is signed: a changed byte can only pass when the
                // mutation was a no-op in effect (e.g. the same bit flipped twice).
                if (result.ok())
                    ++accepted;
                else
                    ++refused;
            } else if (kind == 8) {
                // Pure garbage must always be refused, by both ceremonies and the decoder.
                const QByteArray garbage = mutator.randomBytes(512);
                RegistrationSeed s = m_registrations.front();
                s.input.attestationObject = garbage;
                QVERIFY(!verifyRegistration(s.rp, s.input).ok());
                AssertionSeed a = m_assertions.front();
                a.input.authenticatorData = garbage;
                QVERIFY(!verifyAssertion(a.rp, a.input, a.stored).ok());
                a = m_assertions.front();
                a.input.clientDataJson = garbage;
                QVERIFY(!verifyAssertion(a.rp, a.input, a.stored).ok());
                refused += 3;
            } else {
                const QByteArray &base =
                    m_pool.at(qsizetype(mutator.below(quint64(m_pool.size()))));
                auto decoded = Cbor::decodeExact(mutator.mutate(base, m_pool));
                if (decoded.ok()) // round trip through Qt's encoder must decode again
                    QVERIFY(Cbor::decodeExact(decoded->toCbor()).ok());
            }
        }
        qInfo("seed %llu: %llu iterations in %lld ms, %llu accepted, %llu refused",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(iterations),
              static_cast<long long>(timer.elapsed()), static_cast<unsigned long long>(accepted),
              static_cast<unsigned long long>(refused));
        QVERIFY(refused > accepted);
    }
};

QTEST_GUILESS_MAIN(TestWebAuthnFuzz)
#include "TestWebAuthnFuzz.moc"
