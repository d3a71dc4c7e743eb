#include "server/crypto/Jwt.h"

#include "server/crypto/Crypto.h"
#include "server/crypto/EcSigningKey.h"
#include "server/crypto/RsaPublicKey.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonValue>
#include <cmath>
#include <optional>

namespace {

Error fail(QLatin1String code, const QString &message)
{
    return makeError(QString(code), message);
}

QByteArray encodeJson(const QJsonObject &object)
{
    return Crypto::base64UrlEncode(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// A base64url part holding a JSON object.
std::optional<QJsonObject> decodeJsonPart(QStringView part)
{
    if (part.isEmpty())
        return std::nullopt;
    const auto raw = Crypto::base64UrlDecode(part);
    if (!raw)
        return std::nullopt;
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(*raw, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

// A NumericDate claim: absent (nullopt, ok), a finite number, or malformed.
struct TimeClaim
{
    bool malformed = false;
    std::optional<double> value;
};

TimeClaim timeClaim(const QJsonObject &claims, QLatin1String name)
{
    if (!claims.contains(name))
        return {};
    const QJsonValue value = claims.value(name);
    if (!value.isDouble() || !std::isfinite(value.toDouble()))
        return {true, std::nullopt};
    return {false, value.toDouble()};
}

bool audienceMatches(const QJsonValue &aud, const QString &expected)
{
    if (aud.isString())
        return aud.toString() == expected;
    if (!aud.isArray())
        return false;
    const QJsonArray values = aud.toArray();
    for (const QJsonValue &value : values) {
        if (value.isString() && value.toString() == expected)
            return true;
    }
    return false;
}

} // namespace

namespace Jwt {

QString signEs256(const QJsonObject &claims, const EcSigningKey &key)
{
    const QJsonObject header{{QStringLiteral("alg"), QStringLiteral("ES256")},
                             {QStringLiteral("typ"), QStringLiteral("JWT")},
                             {QStringLiteral("kid"), key.kid()}};
    const QByteArray signingInput = encodeJson(header) + '.' + encodeJson(claims);
    const QByteArray signature = key.signEs256(signingInput);
    if (signature.isEmpty())
        return {};
    return QString::fromLatin1(signingInput + '.' + Crypto::base64UrlEncode(signature));
}

Result<QJsonObject> verify(const QString &token, const QJsonArray &jwks,
                           const VerifyOptions &options)
{
    // --- structure ---------------------------------------------------------------------------
    if (token.isEmpty() || token.size() > kMaxTokenLength)
        return fail(kMalformed, QStringLiteral("The token is empty or too long"));
    // Compact JWS is printable ASCII; anything else cannot be ours (and would not survive the
    // Latin-1 conversion of the signing input below unchanged).
    for (const QChar c : token) {
        if (c.unicode() < 0x21 || c.unicode() > 0x7e)
            return fail(kMalformed, QStringLiteral("The token contains characters outside ASCII"));
    }
    const qsizetype firstDot = token.indexOf(u'.');
    const qsizetype secondDot = firstDot < 0 ? -1 : token.indexOf(u'.', firstDot + 1);
    if (secondDot < 0 || token.indexOf(u'.', secondDot + 1) >= 0)
        return fail(kMalformed, QStringLiteral("A JWT has exactly three dot-separated parts"));
    const QStringView view(token);
    const QStringView headerPart = view.first(firstDot);
    const QStringView payloadPart = view.sliced(firstDot + 1, secondDot - firstDot - 1);
    const QStringView signaturePart = view.sliced(secondDot + 1);

    const std::optional<QJsonObject> header = decodeJsonPart(headerPart);
    if (!header)
        return fail(kMalformed, QStringLiteral("The JWT header is not base64url JSON object"));

    // --- algorithm: decided by us, never by the token ------------------------------------------
    const QJsonValue alg = header->value(QLatin1String("alg"));
    if (!alg.isString())
        return fail(kMalformed, QStringLiteral("The JWT header has no \"alg\""));
    const bool rs256 = options.acceptRs256 && alg.toString() == QLatin1String("RS256");
    if (alg.toString() != QLatin1String("ES256") && !rs256)
        return fail(kAlgorithmUnsupported,
                    QStringLiteral("Only ES256 tokens are accepted (got \"%1\")")
                        .arg(alg.toString().left(16)));
    // RFC 7515 §4.1.11: extensions we do not understand must be refused; we understand none.
    if (header->contains(QLatin1String("crit")))
        return fail(kMalformed,
                    QStringLiteral("The JWT header has unsupported critical extensions"));

    // --- key ----------------------------------------------------------------------------------
    const QJsonValue kid = header->value(QLatin1String("kid"));
    if (!kid.isString() || kid.toString().isEmpty())
        return fail(kKeyUnknown, QStringLiteral("The JWT header names no key (\"kid\")"));
    std::optional<QJsonObject> jwk;
    for (const QJsonValue &entry : jwks) {
        if (entry.isObject() && entry.toObject().value(QLatin1String("kid")) == kid) {
            jwk = entry.toObject();
            break;
        }
    }
    if (!jwk)
        return fail(kKeyUnknown,
                    QStringLiteral("The token was signed with a key that is not in the JWKS"));

    // --- signature ----------------------------------------------------------------------------
    const auto signature = Crypto::base64UrlDecode(signaturePart);
    if (!signature)
        return fail(kMalformed, QStringLiteral("The JWT signature is not base64url"));
    // The signing input is the ASCII of the first two parts exactly as received.
    const QByteArray signingInput = view.first(secondDot).toLatin1();
    if (!(rs256 ? RsaPublicKey::verifyRs256(*jwk, signingInput, *signature)
                : EcSigningKey::verifyEs256(*jwk, signingInput, *signature)))
        return fail(kSignatureInvalid, QStringLiteral("The token signature does not verify"));

    // --- claims (only parsed once the signature holds) ---------------------------------------
    const std::optional<QJsonObject> claims = decodeJsonPart(payloadPart);
    if (!claims)
        return fail(kMalformed, QStringLiteral("The JWT payload is not a base64url JSON object"));

    const TimeClaim exp = timeClaim(*claims, QLatin1String("exp"));
    const TimeClaim nbf = timeClaim(*claims, QLatin1String("nbf"));
    const TimeClaim iat = timeClaim(*claims, QLatin1String("iat"));
    if (exp.malformed || nbf.malformed || iat.malformed)
        return fail(kMalformed, QStringLiteral("exp, nbf and iat must be numbers (seconds)"));
    if (!exp.value && options.requireExpiry)
        return fail(kMalformed, QStringLiteral("The token has no \"exp\""));

    const double now = static_cast<double>(options.nowSeconds ? options.nowSeconds()
                                                              : QDateTime::currentSecsSinceEpoch());
    const double leeway = static_cast<double>(options.leewaySeconds);
    if (exp.value && !(now < *exp.value + leeway))
        return fail(kExpired, QStringLiteral("The token has expired"));
    if (nbf.value && now < *nbf.value - leeway)
        return fail(kNotYetValid, QStringLiteral("The token is not valid yet (nbf)"));
    if (iat.value && *iat.value > now + leeway)
        return fail(kNotYetValid, QStringLiteral("The token was issued in the future (iat)"));

    if (!options.issuer.isEmpty()) {
        const QJsonValue iss = claims->value(QLatin1String("iss"));
        if (!iss.isString() || iss.toString() != options.issuer)
            return fail(kIssuerInvalid, QStringLiteral("The token was issued by someone else"));
    }
    if (!options.audience.isEmpty() &&
        !audienceMatches(claims->value(QLatin1String("aud")), options.audience))
        return fail(kAudienceInvalid, QStringLiteral("The token is meant for another audience"));
    return *claims;
}

} // namespace Jwt
