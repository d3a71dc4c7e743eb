#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

// The relying-party checks of W3C WebAuthn Level 3 (§7.1 registration, §7.2 authentication),
// over raw bytes: the routes decode the JSON (base64url) and keep challenges in Redis; this
// decides whether a response is valid. Pure functions, thread-safe, no I/O.
//
// Status (webauthn engineer, for the passkeys flows): implemented in WebAuthnVerifier.cpp and
// verified against the W3C Level 3 test vectors. Credential keys ES256 (P-256), EdDSA
// (Ed25519), RS256; attestation formats none, packed (self and x5c), fido-u2f, apple and
// android-key. The names below are stable. Inputs are bounded (attestationObject ≤ 64 KiB,
// authenticatorData ≤ 16 KiB, clientDataJSON ≤ 16 KiB, signature ≤ 1 KiB); larger ones are
// refused, never parsed. Attestation chains are checked for internal consistency only (no FIDO
// MDS trust anchors). WEBAUTHN_CBOR_INVALID also covers an attestationObject that is not
// exactly {fmt, attStmt, authData}; an assertion with AT set is refused.
//
// Error codes (the message says exactly which check failed): WEBAUTHN_CLIENT_DATA_INVALID,
// WEBAUTHN_TYPE_MISMATCH, WEBAUTHN_CHALLENGE_MISMATCH, WEBAUTHN_ORIGIN_NOT_ALLOWED,
// WEBAUTHN_CROSS_ORIGIN, WEBAUTHN_RP_ID_MISMATCH, WEBAUTHN_USER_NOT_PRESENT,
// WEBAUTHN_USER_NOT_VERIFIED, WEBAUTHN_FLAGS_INVALID, WEBAUTHN_CBOR_INVALID,
// WEBAUTHN_AUTHENTICATOR_DATA_INVALID, WEBAUTHN_ALGORITHM_UNSUPPORTED, WEBAUTHN_KEY_INVALID,
// WEBAUTHN_ATTESTATION_UNSUPPORTED, WEBAUTHN_ATTESTATION_INVALID, WEBAUTHN_CREDENTIAL_ID_TOO_LONG,
// WEBAUTHN_SIGNATURE_INVALID, WEBAUTHN_BACKUP_ELIGIBILITY_CHANGED.
namespace WebAuthn {

enum class UserVerification { Required, Preferred, Discouraged };

struct RelyingParty
{
    QString rpId;                    // e.g. "localhost", "id.example.org"
    QStringList origins;             // allowed clientData.origin values, exact match
    bool allowCrossOrigin = false;   // clientData.crossOrigin true (iframes) accepted
    QStringList topOrigins;          // allowed clientData.topOrigin when cross-origin
    UserVerification userVerification = UserVerification::Preferred; // Required → UV must be set
};

struct RegistrationInput
{
    QByteArray clientDataJson;       // the raw bytes the browser sent
    QByteArray attestationObject;
    QByteArray expectedChallenge;    // raw bytes, from passkey_registration:{userId}
};

struct RegisteredCredential
{
    QByteArray credentialId;         // at most 191 bytes (fits passkey_credentials.id as base64url)
    QByteArray cosePublicKey;        // the COSE_Key bytes exactly as the authenticator sent them
    int algorithm = 0;               // COSE alg: -7 ES256, -8 EdDSA, -257 RS256
    quint32 signCount = 0;
    bool userVerified = false;
    bool backupEligible = false;     // BE → device_type multiDevice
    bool backedUp = false;           // BS
    QByteArray aaguid;               // 16 bytes
    QString attestationFormat;       // none, packed, fido-u2f, tpm, android-key, apple
};

Result<RegisteredCredential> verifyRegistration(const RelyingParty &rp, const RegistrationInput &input);

struct AssertionInput
{
    QByteArray clientDataJson;
    QByteArray authenticatorData;
    QByteArray signature;
    QByteArray expectedChallenge;    // raw bytes, from passkey_auth:{loginToken}
};

struct StoredCredential
{
    QByteArray cosePublicKey;
    quint32 signCount = 0;
    bool backupEligible = false;
};

struct AssertionResult
{
    quint32 signCount = 0;
    bool userVerified = false;
    bool backedUp = false;
    // Either counter non-zero and the new one not greater than the stored one: the credential
    // may have been cloned. The caller decides (refuse by default) and records it.
    bool counterRegressed = false;
};

Result<AssertionResult> verifyAssertion(const RelyingParty &rp, const AssertionInput &input,
                                        const StoredCredential &stored);

} // namespace WebAuthn
