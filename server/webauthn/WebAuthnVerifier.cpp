#include "server/webauthn/WebAuthnVerifier.h"

#include "server/crypto/Crypto.h"
#include "server/webauthn/Attestation.h"
#include "server/webauthn/AuthenticatorData.h"
#include "server/webauthn/Cbor.h"
#include "server/webauthn/ClientData.h"
#include "server/webauthn/CoseKey.h"

#include <QCborMap>

namespace WebAuthn {
namespace {

// Far above anything a real authenticator sends (a TPM attestation with its chain is ~4 KiB),
// small enough that a hostile request costs little.
constexpr qsizetype kMaxAttestationObjectBytes = 64 * 1024;
constexpr qsizetype kMaxAuthenticatorDataBytes = 16 * 1024;
constexpr qsizetype kMaxSignatureBytes = 1024;

// rpIdHash, UP and UV: the same for both ceremonies (§7.1 steps 13-15, §7.2 steps 15-17).
Status checkCommon(const RelyingParty &rp, const AuthenticatorData &data)
{
    const QByteArray expected = Crypto::sha256(rp.rpId.toUtf8());
    if (!Crypto::equalConstantTime(expected, data.rpIdHash))
        return makeError(QStringLiteral("WEBAUTHN_RP_ID_MISMATCH"),
                         QStringLiteral("rpIdHash is not SHA-256 of the relying party id"));
    if (!data.has(AuthenticatorData::UserPresent))
        return makeError(QStringLiteral("WEBAUTHN_USER_NOT_PRESENT"),
                         QStringLiteral("The user-present (UP) flag is not set"));
    if (rp.userVerification == UserVerification::Required &&
        !data.has(AuthenticatorData::UserVerified))
        return makeError(QStringLiteral("WEBAUTHN_USER_NOT_VERIFIED"),
                         QStringLiteral("User verification is required but UV is not set"));
    return {};
}

struct AttestationObject
{
    QString format;
    QCborMap statement;
    QByteArray authenticatorData;
};

Result<AttestationObject> parseAttestationObject(QByteArrayView bytes)
{
    if (bytes.size() > kMaxAttestationObjectBytes)
        return makeError(QStringLiteral("WEBAUTHN_CBOR_INVALID"),
                         QStringLiteral("attestationObject is larger than %1 bytes")
                             .arg(kMaxAttestationObjectBytes));
    auto value = Cbor::decodeExact(bytes);
    if (!value)
        return value.error();
    const QCborMap map = value->toMap();
    const QCborValue fmt = map.value(QLatin1String("fmt"));
    const QCborValue attStmt = map.value(QLatin1String("attStmt"));
    const QCborValue authData = map.value(QLatin1String("authData"));
    if (!value->isMap() || map.size() != 3 || !fmt.isString() || !attStmt.isMap() ||
        !authData.isByteArray())
        return makeError(QStringLiteral("WEBAUTHN_CBOR_INVALID"),
                         QStringLiteral("attestationObject must be a map of fmt (text), attStmt "
                                        "(map) and authData (bytes)"));
    return AttestationObject{fmt.toString(), attStmt.toMap(), authData.toByteArray()};
}

} // namespace

Result<RegisteredCredential> verifyRegistration(const RelyingParty &rp,
                                                const RegistrationInput &input)
{
    auto clientDataHash = ClientData::verify(
        rp, input.clientDataJson, QLatin1String("webauthn.create"), input.expectedChallenge);
    if (!clientDataHash)
        return clientDataHash.error();
    auto object = parseAttestationObject(input.attestationObject);
    if (!object)
        return object.error();
    auto data = AuthenticatorData::parse(object->authenticatorData);
    if (!data)
        return data.error();
    if (auto common = checkCommon(rp, *data); !common)
        return common.error();
    if (!data->has(AuthenticatorData::AttestedCredentialData))
        return makeError(QStringLiteral("WEBAUTHN_FLAGS_INVALID"),
                         QStringLiteral("A registration must carry attested credential data "
                                        "(AT)"));
    auto key = CoseKey::fromMap(data->coseKeyMap);
    if (!key)
        return key.error();

    Attestation::Input attestation;
    attestation.format = object->format;
    attestation.statement = object->statement;
    attestation.authenticatorData = object->authenticatorData;
    attestation.parsed = &*data;
    attestation.credentialKey = &*key;
    attestation.clientDataHash = *clientDataHash;
    if (auto verified = Attestation::verify(attestation); !verified)
        return verified.error();

    RegisteredCredential out;
    out.credentialId = data->credentialId;
    out.cosePublicKey = data->cosePublicKey;
    out.algorithm = key->algorithm();
    out.signCount = data->signCount;
    out.userVerified = data->has(AuthenticatorData::UserVerified);
    out.backupEligible = data->has(AuthenticatorData::BackupEligible);
    out.backedUp = data->has(AuthenticatorData::BackedUp);
    out.aaguid = data->aaguid;
    out.attestationFormat = object->format;
    return out;
}

Result<AssertionResult> verifyAssertion(const RelyingParty &rp, const AssertionInput &input,
                                        const StoredCredential &stored)
{
    auto clientDataHash = ClientData::verify(
        rp, input.clientDataJson, QLatin1String("webauthn.get"), input.expectedChallenge);
    if (!clientDataHash)
        return clientDataHash.error();
    if (input.authenticatorData.size() > kMaxAuthenticatorDataBytes)
        return makeError(QStringLiteral("WEBAUTHN_AUTHENTICATOR_DATA_INVALID"),
                         QStringLiteral("Authenticator data larger than %1 bytes")
                             .arg(kMaxAuthenticatorDataBytes));
    auto data = AuthenticatorData::parse(input.authenticatorData);
    if (!data)
        return data.error();
    if (auto common = checkCommon(rp, *data); !common)
        return common.error();
    if (data->has(AuthenticatorData::AttestedCredentialData))
        return makeError(QStringLiteral("WEBAUTHN_FLAGS_INVALID"),
                         QStringLiteral("An assertion must not carry attested credential data "
                                        "(AT)"));
    if (data->has(AuthenticatorData::BackupEligible) != stored.backupEligible)
        return makeError(QStringLiteral("WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED"),
                         QStringLiteral("The backup eligibility (BE) of the credential changed "
                                        "since registration"));
    auto key = CoseKey::fromBytes(stored.cosePublicKey);
    if (!key)
        return makeError(QStringLiteral("WEBAUTHN_KEY_INVALID"),
                         QStringLiteral("The stored credential key is unusable: ") +
                             key.error().message);
    if (input.signature.isEmpty() || input.signature.size() > kMaxSignatureBytes ||
        !key->verify(input.authenticatorData + *clientDataHash, input.signature))
        return makeError(QStringLiteral("WEBAUTHN_SIGNATURE_INVALID"),
                         QStringLiteral("The assertion signature does not verify with the "
                                        "stored credential key"));

    AssertionResult out;
    out.signCount = data->signCount;
    out.userVerified = data->has(AuthenticatorData::UserVerified);
    out.backedUp = data->has(AuthenticatorData::BackedUp);
    // §7.2 step 22: only meaningful when either side uses a counter.
    out.counterRegressed =
        (data->signCount != 0 || stored.signCount != 0) && data->signCount <= stored.signCount;
    return out;
}

} // namespace WebAuthn
