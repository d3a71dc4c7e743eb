#pragma once

#include "models/common/Result.h"
#include "server/crypto/PublicKey.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QCborMap>

// A credential public key in COSE_Key form (RFC 9052/9053, WebAuthn §5.8.5), limited to what
// Gatehouse offers in pubKeyCredParams:
//   EC2 P-256 / ES256 (-7):   {1:2, 3:-7, -1:1, -2:x(32), -3:y(32)}, point on the curve
//   OKP Ed25519 / EdDSA (-8): {1:1, 3:-8, -1:6, -2:x(32)}
//   RSA / RS256 (-257):       {1:3, 3:-257, -1:n(2048..4096 bits), -2:e}
// alg is required (WebAuthn §5.8.5); any other label (kid, key_ops, a private key part…) is
// refused. Errors: WEBAUTHN_ALGORITHM_UNSUPPORTED (alg or kty Gatehouse does not offer),
// WEBAUTHN_KEY_INVALID (anything else), WEBAUTHN_CBOR_INVALID (bytes that are not one map).
namespace WebAuthn {

class CoseKey
{
public:
    static constexpr int kEs256 = -7;
    static constexpr int kEdDsa = -8;
    static constexpr int kRs256 = -257;

    static Result<CoseKey> fromMap(const QCborMap &map);
    static Result<CoseKey> fromBytes(QByteArrayView cbor); // strict, exactly one map

    int algorithm() const { return m_algorithm; }
    const Crypto::PublicKey &publicKey() const { return m_key; }
    // EC2 only: the coordinates, for fido-u2f's 0x04 || x || y.
    QByteArray x() const { return m_x; }
    QByteArray y() const { return m_y; }

    // A signature made by this credential with its own algorithm.
    bool verify(QByteArrayView data, QByteArrayView signature) const;

private:
    CoseKey(int algorithm, Crypto::PublicKey key) : m_algorithm(algorithm), m_key(std::move(key)) {}

    int m_algorithm = 0;
    Crypto::PublicKey m_key;
    QByteArray m_x;
    QByteArray m_y;
};

// The signature scheme of a COSE algorithm WebAuthn attestation statements may use, or false.
bool schemeForAlgorithm(qint64 algorithm, Crypto::PublicKey::Scheme *scheme);

} // namespace WebAuthn
