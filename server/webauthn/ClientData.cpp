#include "server/webauthn/ClientData.h"

#include "server/crypto/Crypto.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace WebAuthn::ClientData {
namespace {

Error invalid(const QString &why)
{
    return makeError(QStringLiteral("WEBAUTHN_CLIENT_DATA_INVALID"),
                     QStringLiteral("Invalid clientDataJSON: ") + why);
}

} // namespace

Result<QByteArray> verify(const RelyingParty &rp, QByteArrayView clientDataJson,
                          QLatin1String expectedType, QByteArrayView expectedChallenge)
{
    if (clientDataJson.isEmpty() || clientDataJson.size() > kMaxBytes)
        return invalid(QStringLiteral("empty or larger than %1 bytes").arg(kMaxBytes));
    QJsonParseError parseError{};
    // fromJson copies; the bytes are small (bounded above). Invalid UTF-8 is a parse error.
    const QJsonDocument document =
        QJsonDocument::fromJson(clientDataJson.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return invalid(QStringLiteral("not a JSON object"));
    const QJsonObject object = document.object();

    const QJsonValue type = object.value(QLatin1String("type"));
    if (!type.isString())
        return invalid(QStringLiteral("type missing or not a string"));
    if (type.toString() != expectedType)
        return makeError(QStringLiteral("WEBAUTHN_TYPE_MISMATCH"),
                         QStringLiteral("clientData.type is not %1").arg(expectedType));

    const QJsonValue challenge = object.value(QLatin1String("challenge"));
    if (!challenge.isString())
        return invalid(QStringLiteral("challenge missing or not a string"));
    auto challengeBytes = Crypto::base64UrlDecode(challenge.toString());
    // The expected challenge is the secret side: equalConstantTime's time depends only on it.
    if (!challengeBytes || expectedChallenge.isEmpty() ||
        !Crypto::equalConstantTime(expectedChallenge, *challengeBytes))
        return makeError(QStringLiteral("WEBAUTHN_CHALLENGE_MISMATCH"),
                         QStringLiteral("clientData.challenge is not the challenge issued"));

    const QJsonValue origin = object.value(QLatin1String("origin"));
    if (!origin.isString())
        return invalid(QStringLiteral("origin missing or not a string"));
    if (!rp.origins.contains(origin.toString()))
        return makeError(QStringLiteral("WEBAUTHN_ORIGIN_NOT_ALLOWED"),
                         QStringLiteral("clientData.origin is not an allowed origin"));

    const QJsonValue crossOrigin = object.value(QLatin1String("crossOrigin"));
    if (!crossOrigin.isUndefined() && !crossOrigin.isBool())
        return invalid(QStringLiteral("crossOrigin is not a boolean"));
    const QJsonValue topOrigin = object.value(QLatin1String("topOrigin"));
    if (!topOrigin.isUndefined() && !topOrigin.isString())
        return invalid(QStringLiteral("topOrigin is not a string"));
    if (crossOrigin.toBool(false) || !topOrigin.isUndefined()) {
        if (!rp.allowCrossOrigin)
            return makeError(QStringLiteral("WEBAUTHN_CROSS_ORIGIN"),
                             QStringLiteral("Cross-origin ceremonies (iframes) are not allowed"));
        if (!topOrigin.isUndefined() && !rp.topOrigins.contains(topOrigin.toString()))
            return makeError(QStringLiteral("WEBAUTHN_CROSS_ORIGIN"),
                             QStringLiteral("clientData.topOrigin is not an allowed top origin"));
    }
    return Crypto::sha256(clientDataJson);
}

} // namespace WebAuthn::ClientData
