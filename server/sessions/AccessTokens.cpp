#include "AccessTokens.h"

#include "Authenticator.h"
#include "server/crypto/EcSigningKey.h"
#include "server/crypto/Jwt.h"
#include "server/crypto/JwtKeyRing.h"

#include <QJsonObject>

namespace AccessTokens {

Result<Issued> issue(const JwtKeyRing &keys, const AuthSettings &settings,
                     const SessionService::Checked &session, const QDateTime &now)
{
    const auto key = keys.current();
    if (!key)
        return makeError(QStringLiteral("JWT_KEYS_NOT_OPEN"), QStringLiteral("no signing key is loaded"));
    const qint64 issuedAt = now.toSecsSinceEpoch();
    const qint64 expires = issuedAt + settings.accessTokenLifetimeSeconds;
    const QJsonObject claims{{QStringLiteral("sub"), session.data.userId},
                             {QStringLiteral("sid"), session.sessionId},
                             {QStringLiteral("email"), session.data.email},
                             {QStringLiteral("role"), session.data.role},
                             {QStringLiteral("iss"), settings.issuer},
                             {QStringLiteral("aud"), settings.audience},
                             {QStringLiteral("iat"), issuedAt},
                             {QStringLiteral("exp"), expires}};
    return Issued{Jwt::signEs256(claims, *key), QDateTime::fromSecsSinceEpoch(expires, Qt::UTC)};
}

} // namespace AccessTokens
