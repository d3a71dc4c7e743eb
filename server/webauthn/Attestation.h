#pragma once

#include "models/common/Result.h"
#include "server/webauthn/AuthenticatorData.h"
#include "server/webauthn/CoseKey.h"

#include <QByteArrayView>
#include <QCborMap>
#include <QString>

// Attestation statement verification (WebAuthn §8) for the formats Gatehouse accepts:
//   none        attStmt must be empty
//   packed      self attestation (alg = the credential's, signed with the credential key) or
//               x5c (§8.2.1 certificate requirements, signed with the leaf's key)
//   fido-u2f    P-256 only, signature over 0x00||rpIdHash||clientDataHash||credId||0x04||x||y
//   apple       nonce extension = SHA-256(authData||clientDataHash), leaf key = credential key
//   android-key signed by the leaf, leaf key = credential key, KeyDescription challenge =
//               clientDataHash, no allApplications, origin GENERATED, purpose SIGN
// The certificates in an x5c must each be signed by the next one, but the chain is not
// anchored: Gatehouse does not load FIDO Metadata Service roots, so an attestation proves that
// the statement is internally consistent, not which vendor made the authenticator.
// Errors: WEBAUTHN_ATTESTATION_UNSUPPORTED (unknown format, ECDAA), WEBAUTHN_ATTESTATION_INVALID.
namespace WebAuthn::Attestation {

struct Input
{
    QString format;
    QCborMap statement;
    QByteArrayView authenticatorData; // raw bytes
    const AuthenticatorData *parsed = nullptr;
    const CoseKey *credentialKey = nullptr;
    QByteArrayView clientDataHash;
};

Status verify(const Input &input);

} // namespace WebAuthn::Attestation
