#include "server/crypto/EcSigningKey.h"

#include "models/common/Log.h"
#include "server/crypto/Crypto.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "OpenSslOwned.h"

namespace {

using Crypto::Owned;

// OpenSSL's short name for P-256.
constexpr char kGroupName[] = "prime256v1";

const unsigned char *bytes(QByteArrayView view)
{
    return reinterpret_cast<const unsigned char *>(view.data());
}

Error invalidKey(const QString &why)
{
    // Errors queued by OpenSSL would only confuse the next caller on this thread.
    ERR_clear_error();
    return makeError(QString(EcSigningKey::kKeyInvalid),
                     QStringLiteral("Invalid P-256 key: ") + why);
}

bool isP256(EVP_PKEY *key)
{
    char group[64] = {};
    size_t length = 0;
    return EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_group_name(key, group, sizeof group, &length) == 1 &&
           std::strcmp(group, kGroupName) == 0;
}

QByteArray coordinate(EVP_PKEY *key, const char *name)
{
    BIGNUM *raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &raw) != 1)
        return {};
    Owned<BIGNUM> value(raw);
    QByteArray out(EcSigningKey::kCoordinateBytes, Qt::Uninitialized);
    if (BN_bn2binpad(value.get(), reinterpret_cast<unsigned char *>(out.data()),
                     EcSigningKey::kCoordinateBytes) != EcSigningKey::kCoordinateBytes)
        return {};
    return out;
}

QString stringMember(const QJsonObject &object, const char *name)
{
    const QJsonValue value = object.value(QLatin1String(name));
    return value.isString() ? value.toString() : QString();
}

// A public P-256 key from its affine coordinates; OpenSSL refuses points not on the curve.
Owned<EVP_PKEY> publicKeyFromCoordinates(const QByteArray &x, const QByteArray &y)
{
    QByteArray point;
    point.reserve(65);
    point.append('\x04').append(x).append(y); // SEC 1 uncompressed point
    char group[sizeof kGroupName];
    std::memcpy(group, kGroupName, sizeof kGroupName);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                           OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                                             static_cast<size_t>(point.size())),
                           OSSL_PARAM_construct_end()};
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY *raw = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1)
        return nullptr;
    Owned<EVP_PKEY> key(raw);
    Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1)
        return nullptr;
    return key;
}

// JOSE r||s → DER ECDSA-Sig-Value, the form EVP_DigestVerify expects.
QByteArray joseToDer(QByteArrayView signature)
{
    Owned<ECDSA_SIG> sig(ECDSA_SIG_new());
    BIGNUM *r = BN_bin2bn(bytes(signature), EcSigningKey::kCoordinateBytes, nullptr);
    BIGNUM *s = BN_bin2bn(bytes(signature) + EcSigningKey::kCoordinateBytes,
                          EcSigningKey::kCoordinateBytes, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return {};
    }
    const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (length <= 0)
        return {};
    QByteArray der(length, Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &out) != length)
        return {};
    return der;
}

// DER ECDSA-Sig-Value → JOSE r||s (each left-padded to 32 bytes).
QByteArray derToJose(const QByteArray &der)
{
    const unsigned char *in = bytes(der);
    Owned<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size())));
    if (!sig)
        return {};
    const BIGNUM *r = nullptr;
    const BIGNUM *s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    QByteArray out(EcSigningKey::kSignatureBytes, Qt::Uninitialized);
    auto *p = reinterpret_cast<unsigned char *>(out.data());
    if (BN_bn2binpad(r, p, EcSigningKey::kCoordinateBytes) != EcSigningKey::kCoordinateBytes ||
        BN_bn2binpad(s, p + EcSigningKey::kCoordinateBytes, EcSigningKey::kCoordinateBytes) !=
            EcSigningKey::kCoordinateBytes)
        return {};
    return out;
}

bool isBase64UrlText(const QString &text)
{
    return !text.isEmpty() && Crypto::base64UrlDecode(QStringView(text)).ok();
}

} // namespace

Result<EcSigningKey> EcSigningKey::fromOpenSsl(evp_pkey_st *rawKey)
{
    Owned<EVP_PKEY> key(rawKey);
    if (!key || !isP256(key.get()))
        return invalidKey(QStringLiteral("not an EC key on P-256"));
    Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_pairwise_check(check.get()) != 1)
        return invalidKey(QStringLiteral("the private and public halves do not match"));

    EcSigningKey result;
    result.m_x = coordinate(key.get(), OSSL_PKEY_PARAM_EC_PUB_X);
    result.m_y = coordinate(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
    if (result.m_x.isEmpty() || result.m_y.isEmpty())
        return invalidKey(QStringLiteral("cannot read the public point"));
    result.m_key =
        std::shared_ptr<evp_pkey_st>(key.release(), [](EVP_PKEY *p) { EVP_PKEY_free(p); });
    QJsonObject jwk{
        {QStringLiteral("kty"), QStringLiteral("EC")},
        {QStringLiteral("crv"), QStringLiteral("P-256")},
        {QStringLiteral("x"), QString::fromLatin1(Crypto::base64UrlEncode(result.m_x))},
        {QStringLiteral("y"), QString::fromLatin1(Crypto::base64UrlEncode(result.m_y))}};
    auto kid = thumbprint(jwk);
    if (!kid)
        return kid.error();
    result.m_kid = *kid;
    return result;
}

Result<EcSigningKey> EcSigningKey::generate()
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (!key) {
        ERR_clear_error();
        return makeError(QString(kKeyGenerationFailed),
                         QStringLiteral("OpenSSL could not generate a P-256 key"));
    }
    return fromOpenSsl(key);
}

Result<EcSigningKey> EcSigningKey::fromPkcs8Der(QByteArrayView der)
{
    if (der.isEmpty())
        return invalidKey(QStringLiteral("no data"));
    // d2i_PKCS8_PRIV_KEY_INFO accepts only PrivateKeyInfo; OpenSSL 3.0's OSSL_DECODER would
    // also take a SEC 1 ECPrivateKey despite being asked for "PrivateKeyInfo".
    const unsigned char *data = bytes(der);
    Owned<PKCS8_PRIV_KEY_INFO> info(
        d2i_PKCS8_PRIV_KEY_INFO(nullptr, &data, static_cast<long>(der.size())));
    if (!info)
        return invalidKey(QStringLiteral("not PKCS#8 DER (PrivateKeyInfo)"));
    if (data != bytes(der) + der.size())
        return invalidKey(QStringLiteral("trailing bytes after the PKCS#8 structure"));
    EVP_PKEY *key = EVP_PKCS82PKEY_ex(info.get(), nullptr, nullptr);
    if (!key)
        return invalidKey(QStringLiteral("the PKCS#8 structure holds no usable private key"));
    return fromOpenSsl(key);
}

QByteArray EcSigningKey::toPkcs8Der() const
{
    Owned<OSSL_ENCODER_CTX> encoder(OSSL_ENCODER_CTX_new_for_pkey(
        m_key.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr));
    unsigned char *data = nullptr;
    size_t length = 0;
    if (!encoder || OSSL_ENCODER_to_data(encoder.get(), &data, &length) != 1 || !data) {
        ERR_clear_error();
        Log::error(QStringLiteral("crypto.key_encode_failed"), {{QStringLiteral("kid"), m_kid}});
        return {};
    }
    QByteArray der(reinterpret_cast<const char *>(data), static_cast<qsizetype>(length));
    OPENSSL_clear_free(data, length);
    return der;
}

QJsonObject EcSigningKey::publicJwk() const
{
    return QJsonObject{{QStringLiteral("kty"), QStringLiteral("EC")},
                       {QStringLiteral("crv"), QStringLiteral("P-256")},
                       {QStringLiteral("x"), QString::fromLatin1(Crypto::base64UrlEncode(m_x))},
                       {QStringLiteral("y"), QString::fromLatin1(Crypto::base64UrlEncode(m_y))},
                       {QStringLiteral("kid"), m_kid},
                       {QStringLiteral("use"), QStringLiteral("sig")},
                       {QStringLiteral("alg"), QStringLiteral("ES256")}};
}

QByteArray EcSigningKey::signEs256(QByteArrayView data) const
{
    auto failed = [this] {
        ERR_clear_error();
        Log::error(QStringLiteral("crypto.sign_failed"), {{QStringLiteral("kid"), m_kid}});
        return QByteArray();
    };
    Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    size_t length = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, m_key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length, bytes(data),
                       static_cast<size_t>(data.size())) != 1)
        return failed();
    QByteArray der(static_cast<qsizetype>(length), Qt::Uninitialized);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(der.data()), &length,
                       bytes(data), static_cast<size_t>(data.size())) != 1)
        return failed();
    der.resize(static_cast<qsizetype>(length));
    const QByteArray jose = derToJose(der);
    return jose.isEmpty() ? failed() : jose;
}

bool EcSigningKey::verifyEs256(const QJsonObject &jwk, QByteArrayView data,
                               QByteArrayView signature)
{
    if (signature.size() != kSignatureBytes || stringMember(jwk, "kty") != QLatin1String("EC") ||
        stringMember(jwk, "crv") != QLatin1String("P-256"))
        return false;
    if (jwk.contains(QLatin1String("alg")) && stringMember(jwk, "alg") != QLatin1String("ES256"))
        return false;
    if (jwk.contains(QLatin1String("use")) && stringMember(jwk, "use") != QLatin1String("sig"))
        return false;
    const auto x = Crypto::base64UrlDecode(QStringView(stringMember(jwk, "x")));
    const auto y = Crypto::base64UrlDecode(QStringView(stringMember(jwk, "y")));
    if (!x || !y || x->size() != kCoordinateBytes || y->size() != kCoordinateBytes)
        return false;

    bool verified = false;
    const Owned<EVP_PKEY> key = publicKeyFromCoordinates(*x, *y);
    const QByteArray der = key ? joseToDer(signature) : QByteArray();
    if (!der.isEmpty()) {
        Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
        verified =
            ctx &&
            EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), bytes(der), static_cast<size_t>(der.size()), bytes(data),
                             static_cast<size_t>(data.size())) == 1;
    }
    ERR_clear_error();
    return verified;
}

Result<QString> EcSigningKey::thumbprint(const QJsonObject &jwk)
{
    const QString crv = stringMember(jwk, "crv");
    const QString x = stringMember(jwk, "x");
    const QString y = stringMember(jwk, "y");
    // The members are placed verbatim into the canonical JSON, so allow only values that need no
    // JSON escaping: base64url coordinates and a plain curve name.
    const bool crvPlain = !crv.isEmpty() && std::all_of(crv.begin(), crv.end(), [](QChar c) {
        return (c.unicode() < 0x80 && c.isLetterOrNumber()) || c == u'-';
    });
    if (stringMember(jwk, "kty") != QLatin1String("EC") || !crvPlain || !isBase64UrlText(x) ||
        !isBase64UrlText(y))
        return makeError(QString(kKeyInvalid),
                         QStringLiteral("An EC JWK needs string members crv, kty (\"EC\"), x, y"));
    const QString canonical =
        QStringLiteral("{\"crv\":\"%1\",\"kty\":\"EC\",\"x\":\"%2\",\"y\":\"%3\"}").arg(crv, x, y);
    return QString::fromLatin1(Crypto::base64UrlEncode(Crypto::sha256(canonical.toUtf8())));
}
