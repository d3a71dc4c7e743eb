#pragma once

#include "models/common/Result.h"
#include "models/domain/Session.h"
#include "models/domain/User.h"
#include "server/http/HttpExchange.h"

#include <QDateTime>
#include <QJsonObject>

#include <functional>

class WorkerContext;

// The end of every sign-in flow (TOTP, passkey, social): a new session for the user, an access
// token, and the answer of API.md with the gh_session cookie. Flows verify who the user is;
// this decides nothing but whether the account may sign in at all (status active).
namespace SignIn {

struct SignedIn
{
    QString sessionToken; // given to the client once, never logged
    Session session;
    User user;
    QString accessToken;  // empty when access tokens are not configured
    QDateTime accessTokenExpiresAt;
};

// Error codes: USER_DISABLED (→ 403), and SessionService's DATABASE_UNAVAILABLE,
// DATABASE_ERROR, CACHE_UNAVAILABLE.
void begin(WorkerContext &context, const User &user, const HttpExchange &exchange,
           std::function<void(Result<SignedIn>)> done);

// {sessionToken, session, accessToken, accessTokenExpiresAt, user}
QJsonObject answerJson(const SignedIn &signedIn);
// Set-Cookie: gh_session=…; lives as long as the session.
QPair<QByteArray, QByteArray> cookieHeader(const WorkerContext &context, const SignedIn &signedIn);

// begin(), then 200 with the answer and the cookie; or the failure as a JSON error.
void respond(WorkerContext &context, const ExchangePtr &exchange, const User &user);

} // namespace SignIn
