#include "server/webauthn/CoseKey.h"

#include "server/webauthn/Cbor.h"

namespace WebAuthn {
namespace {

// COSE labels and values (RFC 9052 §7.1, RFC 9053 §7).
constexpr qint64 kLabelKty = 1;
constexpr qint64 kLabelAlg = 3;
constexpr qint64 kLabelCrvOrN = -1;
constexpr qint64 kLabelXOrE = -2;
constexpr qint64 kLabelY = -3;
constexpr qint64 kKtyOkp = 1;
constexpr qint64 kKtyEc2 = 2;
constexpr qint64 kKtyRsa = 3;
constexpr qint64 kCrvP256 = 1;
constexpr qint64 kCrvEd25519 = 6;

Error invalid(const QString &why)
{
    return makeError(QStringLiteral("WEBAUTHN_KEY_INVALID"),
                     QStringLiteral("Invalid COSE key: ") + why);
}

Error unsupported(const QString &why)
{
    return makeError(QStringLiteral("WEBAUTHN_ALGORITHM_UNSUPPORTED"), why);
}

// The labels must be exactly `expected`.
bool hasExactLabels(const QCborMap &map, std::initializer_list<qint64> expected)
{
    if (map.size() != qsizetype(expected.size()))
        return false;
    for (qint64 label : expected) {
        if (!map.contains(label))
            return false;
    }
    return true;
}

Result<Crypto::PublicKey> keyOrInvalid(Result<Crypto::PublicKey> key)
{
    if (!key)
        return invalid(key.error().message);
    return key;
}

} // namespace

bool schemeForAlgorithm(qint64 algorithm, Crypto::PublicKey::Scheme *scheme)
{
    switch (algorithm) {
    case CoseKey::kEs256:
        *scheme = Crypto::PublicKey::Scheme::EcdsaSha256Der;
        return true;
    case CoseKey::kEdDsa:
        *scheme = Crypto::PublicKey::Scheme::Ed25519;
        return true;
    case CoseKey::kRs256:
        *scheme = Crypto::PublicKey::Scheme::RsaPkcs1Sha256;
        return true;
    default:
        return false;
    }
}

Result<CoseKey> CoseKey::fromMap(const QCborMap &map)
{
    for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
        if (!it.key().isInteger())
            return invalid(QStringLiteral("labels must be integers"));
    }
    const QCborValue kty = map.value(kLabelKty);
    const QCborValue alg = map.value(kLabelAlg);
    if (!kty.isInteger())
        return invalid(QStringLiteral("kty (1) missing or not an integer"));
    if (!alg.isInteger())
        return invalid(QStringLiteral("alg (3) missing or not an integer"));
    const qint64 algorithm = alg.toInteger();
    const QCborValue crvOrN = map.value(kLabelCrvOrN);
    const QCborValue xOrE = map.value(kLabelXOrE);

    switch (algorithm) {
    case kEs256: {
        if (kty.toInteger() != kKtyEc2)
            return invalid(QStringLiteral("ES256 needs kty EC2 (2)"));
        if (!hasExactLabels(map, {kLabelKty, kLabelAlg, kLabelCrvOrN, kLabelXOrE, kLabelY}))
            return invalid(QStringLiteral("an EC2 key has exactly kty, alg, crv, x and y"));
        if (!crvOrN.isInteger() || crvOrN.toInteger() != kCrvP256)
            return unsupported(QStringLiteral("Only the P-256 curve (1) is supported for ES256"));
        const QCborValue y = map.value(kLabelY);
        if (!xOrE.isByteArray() || !y.isByteArray())
            return invalid(QStringLiteral("x and y must be byte strings"));
        auto key = keyOrInvalid(Crypto::PublicKey::ecP256(xOrE.toByteArray(), y.toByteArray()));
        if (!key)
            return key.error();
        CoseKey out(kEs256, *key);
        out.m_x = xOrE.toByteArray();
        out.m_y = y.toByteArray();
        return out;
    }
    case kEdDsa: {
        if (kty.toInteger() != kKtyOkp)
            return invalid(QStringLiteral("EdDSA needs kty OKP (1)"));
        if (!hasExactLabels(map, {kLabelKty, kLabelAlg, kLabelCrvOrN, kLabelXOrE}))
            return invalid(QStringLiteral("an OKP key has exactly kty, alg, crv and x"));
        if (!crvOrN.isInteger() || crvOrN.toInteger() != kCrvEd25519)
            return unsupported(QStringLiteral("Only the Ed25519 curve (6) is supported for EdDSA"));
        if (!xOrE.isByteArray())
            return invalid(QStringLiteral("x must be a byte string"));
        auto key = keyOrInvalid(Crypto::PublicKey::ed25519(xOrE.toByteArray()));
        if (!key)
            return key.error();
        return CoseKey(kEdDsa, *key);
    }
    case kRs256: {
        if (kty.toInteger() != kKtyRsa)
            return invalid(QStringLiteral("RS256 needs kty RSA (3)"));
        if (!hasExactLabels(map, {kLabelKty, kLabelAlg, kLabelCrvOrN, kLabelXOrE}))
            return invalid(QStringLiteral("an RSA key has exactly kty, alg, n and e"));
        if (!crvOrN.isByteArray() || !xOrE.isByteArray())
            return invalid(QStringLiteral("n and e must be byte strings"));
        auto key = keyOrInvalid(Crypto::PublicKey::rsa(crvOrN.toByteArray(), xOrE.toByteArray()));
        if (!key)
            return key.error();
        return CoseKey(kRs256, *key);
    }
    default:
        return unsupported(QStringLiteral("COSE algorithm %1 is not supported (ES256, EdDSA and "
                                          "RS256 are)")
                               .arg(algorithm));
    }
}

Result<CoseKey> CoseKey::fromBytes(QByteArrayView cbor)
{
    auto value = Cbor::decodeExact(cbor);
    if (!value)
        return value.error();
    if (!value->isMap())
        return invalid(QStringLiteral("not a CBOR map"));
    return fromMap(value->toMap());
}

bool CoseKey::verify(QByteArrayView data, QByteArrayView signature) const
{
    Crypto::PublicKey::Scheme scheme{};
    return schemeForAlgorithm(m_algorithm, &scheme) && m_key.verify(scheme, data, signature);
}

} // namespace WebAuthn
