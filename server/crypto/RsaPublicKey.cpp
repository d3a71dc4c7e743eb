#include "server/crypto/RsaPublicKey.h"

#include "server/crypto/Crypto.h"
#include "server/crypto/PublicKey.h"

namespace {
QString member(const QJsonObject &jwk, const char *name)
{
    return jwk.value(QLatin1String(name)).toString();
}
} // namespace

namespace RsaPublicKey {

bool verifyRs256(const QJsonObject &jwk, QByteArrayView data, QByteArrayView signature)
{
    if (member(jwk, "kty") != QLatin1String("RSA"))
        return false;
    if (jwk.contains(QLatin1String("alg")) && member(jwk, "alg") != QLatin1String("RS256"))
        return false;
    if (jwk.contains(QLatin1String("use")) && member(jwk, "use") != QLatin1String("sig"))
        return false;
    const auto n = Crypto::base64UrlDecode(QStringView(member(jwk, "n")));
    const auto e = Crypto::base64UrlDecode(QStringView(member(jwk, "e")));
    if (!n || !e)
        return false;
    // The same key checks as WebAuthn's RS256 credentials (2048–4096 bits, sane exponent).
    const auto key = Crypto::PublicKey::rsa(*n, *e);
    if (!key || key->bits() < kMinimumModulusBits)
        return false;
    return key->verify(Crypto::PublicKey::Scheme::RsaPkcs1Sha256, data, signature);
}

} // namespace RsaPublicKey
