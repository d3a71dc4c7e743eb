#include "server/webauthn/AuthenticatorData.h"

#include "server/webauthn/Cbor.h"

namespace WebAuthn {
namespace {

Error invalid(const QString &why)
{
    return makeError(QStringLiteral("WEBAUTHN_AUTHENTICATOR_DATA_INVALID"),
                     QStringLiteral("Invalid authenticator data: ") + why);
}

quint32 bigEndian(QByteArrayView bytes)
{
    quint32 value = 0;
    for (char c : bytes)
        value = (value << 8) | static_cast<unsigned char>(c);
    return value;
}

} // namespace

Result<AuthenticatorData> AuthenticatorData::parse(QByteArrayView data)
{
    if (data.size() < kMinimumSize)
        return invalid(QStringLiteral("%1 bytes, at least 37 expected").arg(data.size()));
    AuthenticatorData out;
    out.rpIdHash = data.first(32).toByteArray();
    out.flags = static_cast<quint8>(data[32]);
    out.signCount = bigEndian(data.sliced(33, 4));
    // Bits 1 (RFU1) and 5 (RFU2) are reserved for future use: ignored, not refused, so a
    // future authenticator that uses them still works.
    if (out.has(BackedUp) && !out.has(BackupEligible))
        return makeError(QStringLiteral("WEBAUTHN_FLAGS_INVALID"),
                         QStringLiteral("Backup state (BS) set without backup eligibility (BE)"));

    qsizetype offset = kMinimumSize;
    if (out.has(AttestedCredentialData)) {
        if (data.size() < offset + 18)
            return invalid(QStringLiteral("attested credential data truncated"));
        out.aaguid = data.sliced(offset, 16).toByteArray();
        const int idLength = static_cast<int>(bigEndian(data.sliced(offset + 16, 2)));
        offset += 18;
        if (idLength == 0)
            return invalid(QStringLiteral("empty credential id"));
        if (idLength > kSpecMaxCredentialIdBytes)
            return invalid(QStringLiteral("credential id longer than 1023 bytes"));
        if (data.size() < offset + idLength)
            return invalid(QStringLiteral("credential id truncated"));
        if (idLength > kMaxCredentialIdBytes)
            return makeError(QStringLiteral("WEBAUTHN_CREDENTIAL_ID_TOO_LONG"),
                             QStringLiteral("Credential ids longer than %1 bytes are not "
                                            "supported (this one has %2)")
                                 .arg(kMaxCredentialIdBytes)
                                 .arg(idLength));
        out.credentialId = data.sliced(offset, idLength).toByteArray();
        offset += idLength;
        qsizetype consumed = 0;
        auto key = Cbor::decodePrefix(data.sliced(offset), &consumed);
        if (!key)
            return key.error();
        if (!key->isMap())
            return invalid(QStringLiteral("the credential public key is not a CBOR map"));
        out.cosePublicKey = data.sliced(offset, consumed).toByteArray();
        out.coseKeyMap = key->toMap();
        offset += consumed;
    }
    if (out.has(ExtensionData)) {
        if (offset >= data.size())
            return invalid(QStringLiteral("ED is set but there are no extensions"));
        auto extensions = Cbor::decodeExact(data.sliced(offset));
        if (!extensions)
            return extensions.error();
        if (!extensions->isMap())
            return invalid(QStringLiteral("the extensions are not a CBOR map"));
        out.extensions = extensions->toMap();
        offset = data.size();
    }
    if (offset != data.size())
        return invalid(QStringLiteral("%1 unexpected bytes at the end").arg(data.size() - offset));
    return out;
}

} // namespace WebAuthn
