#pragma once

#include "models/common/Result.h"
#include "server/webauthn/WebAuthnVerifier.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1String>

// CollectedClientData (WebAuthn §5.8.1) checks shared by registration and authentication:
// parsed as JSON (never by string matching), type, challenge (base64url-decoded, compared in
// constant time), origin in the allowed list, crossOrigin/topOrigin only when configured.
// Returns SHA-256 of the raw bytes (the clientDataHash authenticators sign).
namespace WebAuthn::ClientData {

inline constexpr qsizetype kMaxBytes = 16 * 1024;

Result<QByteArray> verify(const RelyingParty &rp, QByteArrayView clientDataJson,
                          QLatin1String expectedType, QByteArrayView expectedChallenge);

} // namespace WebAuthn::ClientData
