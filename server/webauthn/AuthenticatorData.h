#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QCborMap>

// Authenticator data (WebAuthn §6.1): rpIdHash(32) flags(1) signCount(4, big-endian)
// [attestedCredentialData: aaguid(16) credentialIdLength(2) credentialId COSE_Key]
// [extensions: CBOR map]. Parsed strictly: every part the flags announce must be there, nothing
// they do not announce may follow. Errors: WEBAUTHN_AUTHENTICATOR_DATA_INVALID,
// WEBAUTHN_FLAGS_INVALID (BS without BE), WEBAUTHN_CREDENTIAL_ID_TOO_LONG,
// WEBAUTHN_CBOR_INVALID (the COSE key or extensions).
namespace WebAuthn {

struct AuthenticatorData
{
    enum Flag : quint8
    {
        UserPresent = 0x01,
        UserVerified = 0x04,
        BackupEligible = 0x08,
        BackedUp = 0x10,
        AttestedCredentialData = 0x40,
        ExtensionData = 0x80,
    };
    static constexpr int kMinimumSize = 37;
    // The spec allows 1023; longer than 191 bytes would not fit passkey_credentials.id (256
    // characters of base64url).
    static constexpr int kMaxCredentialIdBytes = 191;
    static constexpr int kSpecMaxCredentialIdBytes = 1023;

    QByteArray rpIdHash;
    quint8 flags = 0;
    quint32 signCount = 0;
    // Present when AT is set:
    QByteArray aaguid;
    QByteArray credentialId;
    QByteArray cosePublicKey; // the exact bytes
    QCborMap coseKeyMap;
    // Present when ED is set:
    QCborMap extensions;

    bool has(Flag flag) const { return (flags & flag) != 0; }

    static Result<AuthenticatorData> parse(QByteArrayView data);
};

} // namespace WebAuthn
