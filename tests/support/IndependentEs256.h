#pragma once

// An ES256 JWT check that a relying service could write with nothing but the served JWKS JSON
// and OpenSSL: it shares no code with Jwt::verify or EcSigningKey. The key is rebuilt from the
// JWK's x and y (SEC 1 uncompressed point via EVP_PKEY_fromdata), the JOSE r||s signature is
// turned into a DER ECDSA-Sig-Value here, and EVP_DigestVerify does the rest. Header-only, so
// only tests that include it need OpenSSL (target_link_libraries(... OpenSSL::Crypto)).

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <memory>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

namespace IndependentEs256 {

namespace detail {
struct Free
{
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(EVP_PKEY_CTX *p) const { EVP_PKEY_CTX_free(p); }
    void operator()(EVP_MD_CTX *p) const { EVP_MD_CTX_free(p); }
    void operator()(OSSL_PARAM_BLD *p) const { OSSL_PARAM_BLD_free(p); }
    void operator()(OSSL_PARAM *p) const { OSSL_PARAM_free(p); }
    void operator()(ECDSA_SIG *p) const { ECDSA_SIG_free(p); }
};
template <typename T> using Owned = std::unique_ptr<T, Free>;

// Plain Qt base64url decoding (not the project's strict decoder): independent on purpose.
inline QByteArray fromB64Url(const QString &text)
{
    return QByteArray::fromBase64(text.toLatin1(), QByteArray::Base64UrlEncoding);
}

inline Owned<EVP_PKEY> keyFromXY(const QByteArray &x, const QByteArray &y)
{
    if (x.size() != 32 || y.size() != 32)
        return nullptr;
    const QByteArray point = QByteArray(1, '\x04') + x + y;
    Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        !OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.constData(),
                                          static_cast<size_t>(point.size())))
        return nullptr;
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder.get()));
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY *key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return nullptr;
    return Owned<EVP_PKEY>(key);
}

// JOSE r||s (RFC 7518 §3.4) → DER ECDSA-Sig-Value, which EVP_DigestVerify expects.
inline QByteArray joseToDer(const QByteArray &jose)
{
    if (jose.size() != 64)
        return {};
    const auto *raw = reinterpret_cast<const unsigned char *>(jose.constData());
    Owned<ECDSA_SIG> sig(ECDSA_SIG_new());
    BIGNUM *r = BN_bin2bn(raw, 32, nullptr);
    BIGNUM *s = BN_bin2bn(raw + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return {};
    }
    QByteArray der(i2d_ECDSA_SIG(sig.get(), nullptr), '\0');
    auto *out = reinterpret_cast<unsigned char *>(der.data());
    i2d_ECDSA_SIG(sig.get(), &out);
    return der;
}
} // namespace detail

// True when `token` is a compact JWS with alg ES256 whose kid names a P-256 key of `jwksText`
// (the body of /.well-known/jwks.json) and whose signature that key verifies. No claim checks.
inline bool verify(const QString &token, const QByteArray &jwksText)
{
    using namespace detail;
    const QStringList parts = token.split(QLatin1Char('.'));
    if (parts.size() != 3)
        return false;
    const QJsonObject header = QJsonDocument::fromJson(fromB64Url(parts.at(0))).object();
    if (header.value(QLatin1String("alg")).toString() != QLatin1String("ES256"))
        return false;
    const QJsonArray keys =
        QJsonDocument::fromJson(jwksText).object().value(QLatin1String("keys")).toArray();
    for (const QJsonValue &value : keys) {
        const QJsonObject jwk = value.toObject();
        if (jwk.value(QLatin1String("kid")) != header.value(QLatin1String("kid")) ||
            jwk.value(QLatin1String("kty")).toString() != QLatin1String("EC") ||
            jwk.value(QLatin1String("crv")).toString() != QLatin1String("P-256"))
            continue;
        const Owned<EVP_PKEY> key = keyFromXY(fromB64Url(jwk.value(QLatin1String("x")).toString()),
                                              fromB64Url(jwk.value(QLatin1String("y")).toString()));
        const QByteArray der = joseToDer(fromB64Url(parts.at(2)));
        const QByteArray input = (parts.at(0) + QLatin1Char('.') + parts.at(1)).toLatin1();
        Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
        return key && !der.isEmpty() && ctx &&
               EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
               EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(der.constData()),
                                static_cast<size_t>(der.size()),
                                reinterpret_cast<const unsigned char *>(input.constData()),
                                static_cast<size_t>(input.size())) == 1;
    }
    return false;
}

// The decoded header and payload of a compact JWS (no verification).
inline QJsonObject part(const QString &token, int index)
{
    return QJsonDocument::fromJson(
               detail::fromB64Url(token.section(QLatin1Char('.'), index, index)))
        .object();
}

} // namespace IndependentEs256
