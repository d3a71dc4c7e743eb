#pragma once

#include "SessionService.h"
#include "server/http/HttpExchange.h"

#include <QStringList>

// Who is calling: the session token from `Authorization: Bearer …` or the `gh_session` cookie
// (API.md), checked by SessionService. A cookie-authenticated unsafe method (POST, PUT, PATCH,
// DELETE) must carry an Origin from the configured list — the CSRF rule of API.md; bearer
// tokens are not sent by browsers on their own, so they need none.
struct AuthSettings
{
    QStringList origins;          // e.g. http://127.0.0.1:8600, https://id.example.org
    bool secureCookies = false;   // Secure attribute on gh_session (public URL is https)
    int accessTokenLifetimeSeconds = 300;
    QString issuer;               // JWT iss
    QString audience = QStringLiteral("gatehouse");
};

struct Caller
{
    QString token;
    bool viaCookie = false;
    SessionService::Checked session;
};

namespace Authenticator {
// The token the request carries, if any (Bearer wins over the cookie).
std::optional<Caller> credentials(const HttpExchange &exchange);
// Checks the caller; on failure answers the exchange itself (401 UNAUTHENTICATED, 403
// ORIGIN_NOT_ALLOWED, 503 SERVICE_UNAVAILABLE) and does not call `then`.
void authenticate(const ExchangePtr &exchange, SessionService &sessions, const AuthSettings &settings,
                  std::function<void(const Caller &)> then);
// Set-Cookie values for signing in and out.
QByteArray sessionCookie(const QString &token, int maxAgeSeconds, bool secure);
QByteArray clearedSessionCookie(bool secure);
} // namespace Authenticator
