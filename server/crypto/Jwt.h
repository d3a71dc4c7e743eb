#pragma once

#include "models/common/Result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLatin1String>
#include <QString>
#include <functional>

class EcSigningKey;

// JWT access tokens (RFC 7519) in JWS compact form, ES256 only (RFC 7518 §3.4).
//
// verify() accepts exactly one algorithm. The header's "alg" is checked against ES256 before a
// key is looked at, so "none", HS256 (the classic public-key-as-HMAC-secret confusion) and RS256
// are refused whatever the JWKS holds. Thread-safe: no shared state.
namespace Jwt {

// Error codes, checked in this order; the payload is parsed only once the signature holds, so
// a bad payload or time claim (TOKEN_MALFORMED) is reported after TOKEN_SIGNATURE_INVALID.
inline constexpr QLatin1String kMalformed{"TOKEN_MALFORMED"};
inline constexpr QLatin1String kAlgorithmUnsupported{"TOKEN_ALGORITHM_UNSUPPORTED"};
inline constexpr QLatin1String kKeyUnknown{"TOKEN_KEY_UNKNOWN"};
inline constexpr QLatin1String kSignatureInvalid{"TOKEN_SIGNATURE_INVALID"};
inline constexpr QLatin1String kExpired{"TOKEN_EXPIRED"};
inline constexpr QLatin1String kNotYetValid{"TOKEN_NOT_YET_VALID"};
inline constexpr QLatin1String kIssuerInvalid{"TOKEN_ISSUER_INVALID"};
inline constexpr QLatin1String kAudienceInvalid{"TOKEN_AUDIENCE_INVALID"};

// Longer tokens are refused as malformed before any decoding (ours are well under 1 KiB).
inline constexpr qsizetype kMaxTokenLength = 8 * 1024;

struct VerifyOptions
{
    // Seconds since the Unix epoch. Empty: the system clock.
    std::function<qint64()> nowSeconds;
    // Allowed clock difference for exp, nbf and iat.
    qint64 leewaySeconds = 30;
    // When not empty, "iss" must equal it.
    QString issuer;
    // When not empty, "aud" (a string, or an array of strings) must contain it.
    QString audience;
    // An access token without "exp" never expires; refuse it unless told otherwise.
    bool requireExpiry = true;
    // Also accept RS256 (RsaPublicKey), for the ID tokens of social sign-in providers; the
    // key must then be an RSA JWK. Gatehouse's own access tokens stay ES256 only.
    bool acceptRs256 = false;
};

// header {"alg":"ES256","kid":<key.kid()>,"typ":"JWT"}, claims as given; compact JSON, base64url
// parts. Empty only when OpenSSL fails to sign (logged, never for any input).
QString signEs256(const QJsonObject &claims, const EcSigningKey &key);

// The claims of a valid token. `jwks` is the "keys" array of a JWK Set; the key is chosen by
// the header's "kid" (required). Time rules (now = options.nowSeconds()):
//   exp: now < exp + leeway        else TOKEN_EXPIRED
//   nbf: now >= nbf - leeway       else TOKEN_NOT_YET_VALID
//   iat: iat <= now + leeway       else TOKEN_NOT_YET_VALID (issued in the future)
// exp/nbf/iat that are not numbers, a header or payload that is not a JSON object, a "crit"
// header, or a part that is not strict base64url → TOKEN_MALFORMED.
Result<QJsonObject> verify(const QString &token, const QJsonArray &jwks,
                           const VerifyOptions &options = {});

} // namespace Jwt
