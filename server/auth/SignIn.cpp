#include "SignIn.h"

#include "server/http/ServiceErrors.h"
#include "server/http/WorkerContext.h"
#include "server/runtime/AppServices.h"
#include "server/sessions/AccessTokens.h"
#include "server/sessions/Authenticator.h"

namespace SignIn {

void begin(WorkerContext &context, const User &user, const HttpExchange &exchange,
           std::function<void(Result<SignedIn>)> done)
{
    if (!user.isActive()) {
        done(makeError(QStringLiteral("USER_DISABLED"), QStringLiteral("this account is disabled")));
        return;
    }
    WorkerContext *ctx = &context;
    const QString userAgent = QString::fromUtf8(exchange.header("User-Agent"));
    context.sessions().create(user, userAgent, exchange.clientAddress(),
                              [ctx, user, done = std::move(done)](Result<SessionService::Created> created) {
        if (!created) {
            done(created.error());
            return;
        }
        SignedIn signedIn;
        signedIn.sessionToken = created->token;
        signedIn.session = created->session;
        signedIn.user = user;
        signedIn.user.lastLoginAt = created->session.createdAt; // written with the session
        const AppServices &services = ctx->services();
        if (services.jwtKeys) {
            SessionService::Checked checked;
            checked.sessionId = created->session.id;
            checked.data.userId = user.id;
            checked.data.role = user.role;
            checked.data.status = user.status;
            checked.data.email = user.email;
            checked.data.expiresAt = created->session.expiresAt;
            checked.data.lastActivityAt = created->session.lastActivityAt;
            auto issued = AccessTokens::issue(*services.jwtKeys, services.auth, checked, services.clock());
            if (issued) {
                signedIn.accessToken = issued->token;
                signedIn.accessTokenExpiresAt = issued->expiresAt;
            }
            // Without a token the sign-in still stands: POST /auth/token can issue one later.
        }
        done(std::move(signedIn));
    });
}

QJsonObject answerJson(const SignedIn &signedIn)
{
    QJsonObject answer{{QStringLiteral("sessionToken"), signedIn.sessionToken},
                       {QStringLiteral("session"), signedIn.session.toJson(true)},
                       {QStringLiteral("user"), signedIn.user.toJson()}};
    answer.insert(QStringLiteral("accessToken"),
                  signedIn.accessToken.isEmpty() ? QJsonValue() : QJsonValue(signedIn.accessToken));
    answer.insert(QStringLiteral("accessTokenExpiresAt"),
                  signedIn.accessTokenExpiresAt.isValid()
                      ? QJsonValue(signedIn.accessTokenExpiresAt.toUTC().toString(Qt::ISODateWithMs))
                      : QJsonValue());
    return answer;
}

QPair<QByteArray, QByteArray> cookieHeader(const WorkerContext &context, const SignedIn &signedIn)
{
    const AppServices &services = context.services();
    return {QByteArrayLiteral("Set-Cookie"),
            Authenticator::sessionCookie(signedIn.sessionToken, services.sessions.lifetimeSeconds,
                                         services.auth.secureCookies)};
}

void respond(WorkerContext &context, const ExchangePtr &exchange, const User &user)
{
    WorkerContext *ctx = &context;
    begin(context, user, *exchange, [ctx, exchange](Result<SignedIn> signedIn) {
        if (!signedIn) {
            if (signedIn.error().code == QLatin1String("USER_DISABLED"))
                exchange->respondError(403, signedIn.error().code, signedIn.error().message);
            else
                ServiceErrors::respond(exchange, signedIn.error());
            return;
        }
        exchange->respondJson(200, answerJson(*signedIn), {cookieHeader(*ctx, *signedIn)});
    });
}

} // namespace SignIn
