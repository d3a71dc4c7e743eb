#include "server/webauthn/Attestation.h"

#include "server/crypto/Crypto.h"
#include "server/crypto/X509Certificate.h"
#include "server/webauthn/AndroidKeyDescription.h"
#include "server/webauthn/Der.h"

#include <QCborArray>
#include <QList>

namespace WebAuthn::Attestation {
namespace {

using Crypto::X509Certificate;

constexpr char kOidCommonName[] = "2.5.4.3";
constexpr char kOidCountry[] = "2.5.4.6";
constexpr char kOidOrganization[] = "2.5.4.10";
constexpr char kOidOrganizationalUnit[] = "2.5.4.11";
constexpr char kOidFidoAaguid[] = "1.3.6.1.4.1.45724.1.1.4"; // id-fido-gen-ce-aaguid
constexpr char kOidAppleNonce[] = "1.2.840.113635.100.8.2";
constexpr int kMaxCertificates = 5;

Error invalid(const QString &format, const QString &why)
{
    return makeError(QStringLiteral("WEBAUTHN_ATTESTATION_INVALID"),
                     QStringLiteral("Invalid %1 attestation: %2").arg(format, why));
}

// attStmt must hold exactly these keys (all text).
bool hasExactKeys(const QCborMap &map, std::initializer_list<const char *> keys)
{
    if (map.size() != qsizetype(keys.size()))
        return false;
    for (const char *key : keys) {
        if (!map.contains(QLatin1String(key)))
            return false;
    }
    return true;
}

QByteArray signedData(const Input &input)
{
    return input.authenticatorData.toByteArray() + input.clientDataHash.toByteArray();
}

// x5c: a non-empty array of DER certificates, each signed by the next one.
Result<QList<X509Certificate>> certificateChain(const QString &format, const QCborValue &x5c)
{
    if (!x5c.isArray() || x5c.toArray().isEmpty() || x5c.toArray().size() > kMaxCertificates)
        return invalid(format,
                       QStringLiteral("x5c must hold 1 to %1 certificates").arg(kMaxCertificates));
    QList<X509Certificate> chain;
    for (const QCborValue &der : x5c.toArray()) {
        if (!der.isByteArray())
            return invalid(format, QStringLiteral("x5c entries must be byte strings"));
        auto certificate = X509Certificate::fromDer(der.toByteArray());
        if (!certificate)
            return invalid(format, certificate.error().message);
        chain.append(*certificate);
    }
    for (qsizetype i = 0; i + 1 < chain.size(); ++i) {
        if (!chain[i].isSignedBy(chain[i + 1]))
            return invalid(format,
                           QStringLiteral("x5c[%1] is not signed by x5c[%2]").arg(i).arg(i + 1));
    }
    return chain;
}

// The x5c of a statement signed with the leaf certificate's key ({alg, sig, x5c}): the chain,
// once that signature over authData || clientDataHash verifies.
Result<QList<X509Certificate>> leafSignedChain(const Input &input, const QCborValue &alg,
                                               const QCborValue &sig)
{
    auto chain = certificateChain(input.format, input.statement.value(QLatin1String("x5c")));
    if (!chain)
        return chain.error();
    Crypto::PublicKey::Scheme scheme{};
    if (!schemeForAlgorithm(alg.toInteger(), &scheme))
        return makeError(QStringLiteral("WEBAUTHN_ALGORITHM_UNSUPPORTED"),
                         QStringLiteral("%1 attestation algorithm %2 is not supported")
                             .arg(input.format)
                             .arg(alg.toInteger()));
    if (!chain->front().publicKey().verify(scheme, signedData(input), sig.toByteArray()))
        return invalid(input.format, QStringLiteral("the signature does not verify with the "
                                                    "attestation certificate's key"));
    return chain;
}

Status verifyNone(const Input &input)
{
    if (!input.statement.isEmpty())
        return invalid(input.format, QStringLiteral("attStmt must be empty"));
    return {};
}

// §8.2.1 Packed Attestation Statement Certificate Requirements.
Status checkPackedCertificate(const X509Certificate &leaf, const QByteArray &aaguid)
{
    const QString format = QStringLiteral("packed");
    if (leaf.version() != 3)
        return invalid(format, QStringLiteral("the attestation certificate must be X.509 v3"));
    const QStringList country = leaf.subjectValues(kOidCountry);
    const QStringList organization = leaf.subjectValues(kOidOrganization);
    const QStringList unit = leaf.subjectValues(kOidOrganizationalUnit);
    const QStringList commonName = leaf.subjectValues(kOidCommonName);
    if (country.size() != 1 || country.front().size() != 2)
        return invalid(format, QStringLiteral("subject C must be one ISO 3166 country code"));
    if (organization.size() != 1 || organization.front().isEmpty())
        return invalid(format, QStringLiteral("subject O must name the vendor"));
    if (unit.size() != 1 || unit.front() != QLatin1String("Authenticator Attestation"))
        return invalid(format, QStringLiteral("subject OU must be \"Authenticator Attestation\""));
    if (commonName.size() != 1 || commonName.front().isEmpty())
        return invalid(format, QStringLiteral("subject CN must be set"));
    // An absent extension means cA FALSE (RFC 5280 default); present, it must say so.
    auto ca = leaf.basicConstraintsCa();
    if (!ca)
        return invalid(format, ca.error().message);
    if (ca->value_or(false))
        return invalid(format, QStringLiteral("the attestation certificate must not be a CA"));
    auto extension = leaf.extensionValue(kOidFidoAaguid);
    if (!extension)
        return invalid(format, extension.error().message);
    if (extension->has_value()) {
        const auto value = Der::unwrap(**extension, Der::kOctetString);
        if (!value || !Crypto::equalConstantTime(aaguid, *value))
            return invalid(format, QStringLiteral("the certificate's AAGUID extension does not "
                                                  "match the authenticator data"));
    }
    return {};
}

Status verifyPacked(const Input &input)
{
    const QString format = input.format;
    const QCborMap &statement = input.statement;
    const QCborValue alg = statement.value(QLatin1String("alg"));
    const QCborValue sig = statement.value(QLatin1String("sig"));
    if (statement.contains(QLatin1String("ecdaaKeyId")))
        return makeError(QStringLiteral("WEBAUTHN_ATTESTATION_UNSUPPORTED"),
                         QStringLiteral("ECDAA attestation is not supported"));
    const bool hasX5c = statement.contains(QLatin1String("x5c"));
    if (!(hasX5c ? hasExactKeys(statement, {"alg", "sig", "x5c"})
                 : hasExactKeys(statement, {"alg", "sig"})) ||
        !alg.isInteger() || !sig.isByteArray())
        return invalid(format, QStringLiteral("attStmt must be {alg, sig[, x5c]}"));
    if (!hasX5c) {
        // Self attestation: signed by the credential key itself, with its own algorithm.
        if (alg.toInteger() != input.credentialKey->algorithm())
            return invalid(format, QStringLiteral("alg does not match the credential key"));
        if (!input.credentialKey->verify(signedData(input), sig.toByteArray()))
            return invalid(format, QStringLiteral("the self-attestation signature is invalid"));
        return {};
    }
    auto chain = leafSignedChain(input, alg, sig);
    if (!chain)
        return chain.error();
    return checkPackedCertificate(chain->front(), input.parsed->aaguid);
}

Status verifyFidoU2f(const Input &input)
{
    const QString format = input.format;
    const QCborMap &statement = input.statement;
    const QCborValue sig = statement.value(QLatin1String("sig"));
    const QCborValue x5c = statement.value(QLatin1String("x5c"));
    if (!hasExactKeys(statement, {"sig", "x5c"}) || !sig.isByteArray() || !x5c.isArray() ||
        x5c.toArray().size() != 1)
        return invalid(format, QStringLiteral("attStmt must be {sig, x5c: [one certificate]}"));
    auto chain = certificateChain(format, x5c);
    if (!chain)
        return chain.error();
    const Crypto::PublicKey certificateKey = chain->front().publicKey();
    if (certificateKey.type() != Crypto::PublicKey::Type::EcP256)
        return invalid(format, QStringLiteral("the certificate key must be P-256"));
    if (input.credentialKey->algorithm() != CoseKey::kEs256)
        return invalid(format, QStringLiteral("the credential key must be ES256 (P-256)"));
    QByteArray data;
    data.reserve(1 + 32 + 32 + input.parsed->credentialId.size() + 65);
    data.append('\0')
        .append(input.parsed->rpIdHash)
        .append(input.clientDataHash.toByteArray())
        .append(input.parsed->credentialId)
        .append('\x04')
        .append(input.credentialKey->x())
        .append(input.credentialKey->y());
    if (!certificateKey.verify(Crypto::PublicKey::Scheme::EcdsaSha256Der, data, sig.toByteArray()))
        return invalid(format, QStringLiteral("the signature does not verify with the "
                                              "attestation certificate's key"));
    return {};
}

// SEQUENCE { [1] EXPLICIT OCTET STRING nonce }
std::optional<QByteArrayView> appleNonce(QByteArrayView extension)
{
    const auto sequence = Der::unwrap(extension, Der::kSequence, true);
    if (!sequence)
        return std::nullopt;
    Der::Reader reader(*sequence);
    const auto tagged = reader.next();
    if (!tagged || !reader.atEnd() || tagged->tagClass != Der::TagClass::Context ||
        tagged->tagNumber != 1 || !tagged->constructed)
        return std::nullopt;
    return Der::unwrap(tagged->content, Der::kOctetString);
}

Status verifyApple(const Input &input)
{
    const QString format = input.format;
    const QCborMap &statement = input.statement;
    if (!hasExactKeys(statement, {"x5c"}))
        return invalid(format, QStringLiteral("attStmt must be {x5c}"));
    auto chain = certificateChain(format, statement.value(QLatin1String("x5c")));
    if (!chain)
        return chain.error();
    const X509Certificate &leaf = chain->front();
    auto extension = leaf.extensionValue(kOidAppleNonce);
    if (!extension)
        return invalid(format, extension.error().message);
    if (!extension->has_value())
        return invalid(format, QStringLiteral("the nonce extension is missing"));
    const std::optional<QByteArrayView> nonce = appleNonce(**extension);
    const QByteArray expected = Crypto::sha256(signedData(input));
    if (!nonce || !Crypto::equalConstantTime(expected, *nonce))
        return invalid(format, QStringLiteral("the certificate nonce does not match "
                                              "SHA-256(authData || clientDataHash)"));
    if (!leaf.publicKey().sameKeyAs(input.credentialKey->publicKey()))
        return invalid(format, QStringLiteral("the certificate key is not the credential key"));
    return {};
}

// §8.4. Authorization lists are read as their union (softwareEnforced and teeEnforced): keys
// from software keystores are accepted like TEE/StrongBox ones, as none of the other formats
// tells them apart either.
Status verifyAndroidKey(const Input &input)
{
    const QString format = input.format;
    const QCborMap &statement = input.statement;
    const QCborValue alg = statement.value(QLatin1String("alg"));
    const QCborValue sig = statement.value(QLatin1String("sig"));
    if (!hasExactKeys(statement, {"alg", "sig", "x5c"}) || !alg.isInteger() || !sig.isByteArray())
        return invalid(format, QStringLiteral("attStmt must be {alg, sig, x5c}"));
    auto chain = leafSignedChain(input, alg, sig);
    if (!chain)
        return chain.error();
    const X509Certificate &leaf = chain->front();
    if (!leaf.publicKey().sameKeyAs(input.credentialKey->publicKey()))
        return invalid(format, QStringLiteral("the certificate key is not the credential key"));
    auto extension = leaf.extensionValue(AndroidKeyDescription::kOid);
    if (!extension)
        return invalid(format, extension.error().message);
    if (!extension->has_value())
        return invalid(format, QStringLiteral("the key description extension is missing"));
    const auto description = AndroidKeyDescription::parse(**extension);
    if (!description)
        return invalid(format, QStringLiteral("the key description extension is malformed"));
    if (!Crypto::equalConstantTime(input.clientDataHash, description->attestationChallenge))
        return invalid(format, QStringLiteral("attestationChallenge is not the clientDataHash"));
    if (description->allApplications)
        return invalid(format, QStringLiteral("the key is usable by all applications"));
    if (description->origins.isEmpty() ||
        description->origins.count(AndroidKeyDescription::kOriginGenerated) !=
            description->origins.size())
        return invalid(format, QStringLiteral("the key was not generated in the keystore"));
    if (!description->purposes.contains(AndroidKeyDescription::kPurposeSign))
        return invalid(format, QStringLiteral("the key's purposes do not include signing"));
    return {};
}

} // namespace

Status verify(const Input &input)
{
    if (input.format == QLatin1String("none"))
        return verifyNone(input);
    if (input.format == QLatin1String("packed"))
        return verifyPacked(input);
    if (input.format == QLatin1String("fido-u2f"))
        return verifyFidoU2f(input);
    if (input.format == QLatin1String("apple"))
        return verifyApple(input);
    if (input.format == QLatin1String("android-key"))
        return verifyAndroidKey(input);
    return makeError(
        QStringLiteral("WEBAUTHN_ATTESTATION_UNSUPPORTED"),
        QStringLiteral("Attestation format \"%1\" is not supported").arg(input.format.left(32)));
}

} // namespace WebAuthn::Attestation
