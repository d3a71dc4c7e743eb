#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1String>
#include <memory>

struct evp_pkey_st; // OpenSSL's EVP_PKEY; only server/crypto/*.cpp include OpenSSL headers.

// A public key that verifies signatures: the three WebAuthn credential key types (P-256,
// Ed25519, RSA) built from their raw parameters, or any key OpenSSL reads from a
// SubjectPublicKeyInfo (attestation certificates). Immutable, cheap to copy (copies share the
// OpenSSL key) and safe to use from many threads at once.
namespace Crypto {

class PublicKey
{
public:
    static constexpr QLatin1String kPublicKeyInvalid{"PUBLIC_KEY_INVALID"};

    enum class Type
    {
        EcP256,
        Ed25519,
        Rsa,
        Other
    };
    enum class Scheme
    {
        EcdsaSha256Der, // ES256 as WebAuthn sends it: ASN.1 DER Ecdsa-Sig-Value
        Ed25519,        // EdDSA (pure Ed25519, RFC 8032), 64-byte signature
        RsaPkcs1Sha256, // RS256: RSASSA-PKCS1-v1_5 with SHA-256
    };

    // x and y: 32 bytes each, big-endian. The point must lie on the curve.
    static Result<PublicKey> ecP256(QByteArrayView x, QByteArrayView y);
    // The 32-byte RFC 8032 encoding.
    static Result<PublicKey> ed25519(QByteArrayView x);
    // Modulus and exponent big-endian, no leading zero byte. 2048 to 4096 bits, odd exponent
    // between 3 and 2^32-1 (larger ones only exist to slow verifiers down).
    static Result<PublicKey> rsa(QByteArrayView modulus, QByteArrayView exponent);
    // DER SubjectPublicKeyInfo, exactly one structure and nothing after it.
    static Result<PublicKey> fromSubjectPublicKeyInfo(QByteArrayView der);

    Type type() const { return m_type; }
    int bits() const;

    // True only for a valid signature of `data` under this key with that scheme. False for
    // every failure (wrong scheme for the key type, malformed or non-canonical DER, …).
    bool verify(Scheme scheme, QByteArrayView data, QByteArrayView signature) const;

    // Same key material (EVP_PKEY_eq on the public parts).
    bool sameKeyAs(const PublicKey &other) const;

private:
    PublicKey() = default;
    static Result<PublicKey> adopt(evp_pkey_st *key); // takes ownership
    bool verifyEd25519(QByteArrayView data, QByteArrayView signature) const;
    friend class X509Certificate;

    std::shared_ptr<evp_pkey_st> m_key;
    Type m_type = Type::Other;
};

} // namespace Crypto
