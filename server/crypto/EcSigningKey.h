#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QLatin1String>
#include <QString>
#include <memory>

struct evp_pkey_st; // OpenSSL's EVP_PKEY; only server/crypto/*.cpp include OpenSSL headers.

// An ECDSA P-256 key pair for ES256 (JWT access tokens).
//
// Stored as unencrypted PKCS#8 DER (PrivateKeyInfo): the secret store protects it at rest.
// kid is the full RFC 7638 JWK thumbprint: base64url(SHA-256 of the canonical public JWK
// {"crv":"P-256","kty":"EC","x":…,"y":…}), 43 characters. Anyone holding the JWKS can recompute
// it, it never collides in practice, and it changes whenever the key does.
//
// A key is immutable once made and safe to use from many threads at once (OpenSSL documents
// concurrent read-only use of an EVP_PKEY as safe); copies share the same OpenSSL key.
class EcSigningKey
{
public:
    static constexpr QLatin1String kKeyInvalid{"SIGNING_KEY_INVALID"};
    static constexpr QLatin1String kKeyGenerationFailed{"SIGNING_KEY_GENERATION_FAILED"};
    static constexpr int kCoordinateBytes = 32;
    static constexpr int kSignatureBytes = 64;

    // A fresh key from OpenSSL's CSPRNG.
    static Result<EcSigningKey> generate();
    // A key from PKCS#8 DER. Anything but a valid P-256 key pair with no trailing bytes
    // → SIGNING_KEY_INVALID (the message never contains key bytes).
    static Result<EcSigningKey> fromPkcs8Der(QByteArrayView der);

    // PKCS#8 DER of the private key, for the secret store. Key material: never log it.
    QByteArray toPkcs8Der() const;

    QString kid() const { return m_kid; }
    QByteArray x() const { return m_x; } // 32 bytes, big-endian
    QByteArray y() const { return m_y; }
    // {kty:"EC", crv:"P-256", x, y, kid, use:"sig", alg:"ES256"}
    QJsonObject publicJwk() const;

    // The 64-byte JOSE signature (r || s, each 32 bytes big-endian) of SHA-256(data). Empty only
    // when OpenSSL itself fails (not for any input); the failure is logged without key data.
    QByteArray signEs256(QByteArrayView data) const;

    // Verifies a JOSE ES256 signature against a public JWK (kty EC, crv P-256, x, y; alg and use
    // must be ES256 / sig when present). False for every kind of failure, including a point that
    // is not on the curve or a signature that is not exactly 64 bytes.
    static bool verifyEs256(const QJsonObject &jwk, QByteArrayView data, QByteArrayView signature);

    // RFC 7638 thumbprint of an EC public JWK: base64url(SHA-256 of {"crv","kty","x","y"} in
    // that order, no whitespace). Fails when a member is missing or not a string.
    static Result<QString> thumbprint(const QJsonObject &jwk);

private:
    EcSigningKey() = default;
    static Result<EcSigningKey> fromOpenSsl(evp_pkey_st *key); // takes ownership

    std::shared_ptr<evp_pkey_st> m_key;
    QByteArray m_x;
    QByteArray m_y;
    QString m_kid;
};
