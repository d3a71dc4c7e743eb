#pragma once

#include <QByteArrayView>
#include <QJsonObject>

// RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3) signature checks against a public RSA
// JWK, for the ID tokens of social sign-in providers (Google, Microsoft and most OIDC providers
// sign with RS256; Gatehouse itself only signs ES256). Only server/crypto includes OpenSSL.
namespace RsaPublicKey {
// Keys below this many bits are refused (RFC 7518 §3.3 requires 2048 or more).
inline constexpr int kMinimumModulusBits = 2048;
// True when `signature` is a valid RS256 signature of `data` under the JWK (kty "RSA", n, e
// base64url; alg and use, when present, must be RS256 / sig). False for every kind of failure,
// including a short modulus or a malformed key.
bool verifyRs256(const QJsonObject &jwk, QByteArrayView data, QByteArrayView signature);
} // namespace RsaPublicKey
