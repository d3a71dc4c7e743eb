#include "server/crypto/PublicKey.h"

#include "server/crypto/Crypto.h"

#include <climits>
#include <cstring>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "OpenSslOwned.h"

namespace Crypto {
namespace {

const unsigned char *bytes(QByteArrayView view)
{
    return reinterpret_cast<const unsigned char *>(view.data());
}

Error invalid(const QString &why)
{
    // Errors queued by OpenSSL would only confuse the next caller on this thread.
    ERR_clear_error();
    return makeError(QString(PublicKey::kPublicKeyInvalid),
                     QStringLiteral("Invalid public key: ") + why);
}

// EVP_PKEY_fromdata with the parameters `build` adds; nullptr on failure.
template <typename Build> EVP_PKEY *fromParams(const char *keyType, Build build)
{
    Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
    if (!builder || !build(builder.get()))
        return nullptr;
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder.get()));
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, keyType, nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
        return nullptr;
    EVP_PKEY *key = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return nullptr;
    return key;
}

// SHA-256 fetched once: an explicit fetch avoids OpenSSL's per-call implicit fetch (and its
// lock); the EVP_MD is immutable and shared by all threads.
const EVP_MD *sha256Md()
{
    static EVP_MD *md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

} // namespace

Result<PublicKey> PublicKey::adopt(EVP_PKEY *key)
{
    PublicKey out;
    out.m_key.reset(key, [](EVP_PKEY *p) { EVP_PKEY_free(p); });
    if (EVP_PKEY_is_a(key, "ED25519")) {
        out.m_type = Type::Ed25519;
    } else if (EVP_PKEY_is_a(key, "RSA")) {
        out.m_type = Type::Rsa;
    } else if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = {};
        size_t length = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) == 1 &&
            std::strcmp(group, "prime256v1") == 0)
            out.m_type = Type::EcP256;
    }
    // No EVP_PKEY_public_check: for P-256 (cofactor 1) it only repeats the on-curve check
    // that decoding the point already did, at the cost of a scalar multiplication per key, and
    // for RSA it runs primality tests on the modulus (milliseconds per sign-in) that protect
    // nobody: a bad key only hurts the credential that carries it.
    ERR_clear_error();
    return out;
}

Result<PublicKey> PublicKey::ecP256(QByteArrayView x, QByteArrayView y)
{
    if (x.size() != 32 || y.size() != 32)
        return invalid(QStringLiteral("P-256 coordinates must be 32 bytes each"));
    QByteArray point;
    point.reserve(65);
    point.append('\x04').append(x.data(), 32).append(y.data(), 32);
    // EVP_PKEY_fromdata decodes the point with EC_POINT_oct2point, which refuses points that
    // are not on the curve (TestWebAuthnVectors has a row for it).
    EVP_PKEY *key = fromParams("EC", [&](OSSL_PARAM_BLD *b) {
        return OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
               OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point.constData(),
                                                static_cast<size_t>(point.size()));
    });
    if (!key)
        return invalid(QStringLiteral("the point is not on P-256"));
    return adopt(key);
}

Result<PublicKey> PublicKey::ed25519(QByteArrayView x)
{
    if (x.size() != 32)
        return invalid(QStringLiteral("an Ed25519 key must be 32 bytes"));
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(x), 32);
    if (!key)
        return invalid(QStringLiteral("not an Ed25519 public key"));
    return adopt(key);
}

Result<PublicKey> PublicKey::rsa(QByteArrayView modulus, QByteArrayView exponent)
{
    if (modulus.isEmpty() || modulus.front() == '\0' || exponent.isEmpty() ||
        exponent.front() == '\0')
        return invalid(QStringLiteral("RSA parameters must not have leading zero bytes"));
    if (modulus.size() < 256 || modulus.size() > 512)
        return invalid(QStringLiteral("the RSA modulus must have 2048 to 4096 bits"));
    if (exponent.size() > 4)
        return invalid(QStringLiteral("the RSA exponent is too large"));
    quint32 e = 0;
    for (char c : exponent)
        e = (e << 8) | static_cast<unsigned char>(c);
    if (e < 3 || (e & 1) == 0)
        return invalid(QStringLiteral("the RSA exponent must be odd and at least 3"));
    if ((static_cast<unsigned char>(modulus.back()) & 1) == 0)
        return invalid(QStringLiteral("the RSA modulus must be odd"));
    Owned<BIGNUM> n(BN_bin2bn(bytes(modulus), static_cast<int>(modulus.size()), nullptr));
    Owned<BIGNUM> eBn(BN_bin2bn(bytes(exponent), static_cast<int>(exponent.size()), nullptr));
    if (!n || !eBn)
        return invalid(QStringLiteral("out of memory"));
    EVP_PKEY *key = fromParams("RSA", [&](OSSL_PARAM_BLD *b) {
        return OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n.get()) &&
               OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, eBn.get());
    });
    if (!key)
        return invalid(QStringLiteral("not an RSA public key"));
    return adopt(key);
}

Result<PublicKey> PublicKey::fromSubjectPublicKeyInfo(QByteArrayView der)
{
    if (der.isEmpty() || der.size() > INT_MAX / 2)
        return invalid(QStringLiteral("empty SubjectPublicKeyInfo"));
    const unsigned char *cursor = bytes(der);
    EVP_PKEY *key = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size()));
    if (!key)
        return invalid(QStringLiteral("malformed SubjectPublicKeyInfo"));
    if (cursor != bytes(der) + der.size()) {
        EVP_PKEY_free(key);
        return invalid(QStringLiteral("bytes after the SubjectPublicKeyInfo"));
    }
    return adopt(key);
}

int PublicKey::bits() const
{
    return m_key ? EVP_PKEY_get_bits(m_key.get()) : 0;
}

bool PublicKey::verify(Scheme scheme, QByteArrayView data, QByteArrayView signature) const
{
    if (!m_key || signature.isEmpty() || signature.size() > 4096 || data.size() > INT_MAX / 2)
        return false;
    switch (scheme) {
    case Scheme::EcdsaSha256Der:
        if (m_type != Type::EcP256)
            return false;
        break;
    case Scheme::Ed25519:
        if (m_type != Type::Ed25519 || signature.size() != 64)
            return false;
        return verifyEd25519(data, signature);
    case Scheme::RsaPkcs1Sha256:
        if (m_type != Type::Rsa)
            return false;
        break;
    }
    // Hash once, then verify the digest with EVP_PKEY_verify: several times faster than
    // EVP_DigestVerify, which sets up (and fetches) a digest context on every call. The digest
    // type is still bound to the signature (set_signature_md), as DigestVerify would.
    const QByteArray digest = Crypto::sha256(data);
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, m_key.get(), nullptr));
    bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
              EVP_PKEY_CTX_set_signature_md(ctx.get(), sha256Md()) == 1;
    if (ok && scheme == Scheme::RsaPkcs1Sha256)
        ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1;
    // OpenSSL's ECDSA verify re-encodes the parsed signature and refuses it unless the DER was
    // canonical with nothing after it, so a signature has exactly one accepted encoding.
    ok = ok && EVP_PKEY_verify(ctx.get(), bytes(signature), static_cast<size_t>(signature.size()),
                               bytes(digest), static_cast<size_t>(digest.size())) == 1;
    ERR_clear_error();
    return ok;
}

bool PublicKey::verifyEd25519(QByteArrayView data, QByteArrayView signature) const
{
    // Pure EdDSA hashes internally: one-shot EVP_DigestVerify without a digest.
    Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    const bool ok =
        ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, m_key.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), bytes(signature), static_cast<size_t>(signature.size()),
                         bytes(data), static_cast<size_t>(data.size())) == 1;
    ERR_clear_error();
    return ok;
}

bool PublicKey::sameKeyAs(const PublicKey &other) const
{
    return m_key && other.m_key && EVP_PKEY_eq(m_key.get(), other.m_key.get()) == 1;
}

} // namespace Crypto
