#pragma once

#include "SessionService.h"

#include <QDateTime>
#include <QString>

class JwtKeyRing;
struct AuthSettings;

// Short-lived ES256 access tokens (API.md: sub, sid, email, role, iss, aud, iat, exp, kid) for
// the organisation's other services, which verify them against /.well-known/jwks.json.
namespace AccessTokens {
struct Issued
{
    QString token;
    QDateTime expiresAt;
};
Result<Issued> issue(const JwtKeyRing &keys, const AuthSettings &settings,
                     const SessionService::Checked &session, const QDateTime &now);
} // namespace AccessTokens
