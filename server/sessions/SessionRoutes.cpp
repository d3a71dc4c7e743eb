#include "SessionRoutes.h"

#include "AccessTokens.h"
#include "Authenticator.h"
#include "models/keys/PublicKeyRepository.h"
#include "server/crypto/JwtKeyRing.h"
#include "server/http/Router.h"
#include "server/http/WorkerContext.h"
#include "server/runtime/AppServices.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace {
QJsonObject checkAnswer(const SessionService::Checked &checked)
{
    // Built from the cache entry on a hit and from the row on a miss, so both answer alike.
    const CachedSession &data = checked.data;
    const auto time = [](const QDateTime &t) { return t.toUTC().toString(Qt::ISODateWithMs); };
    return {{QStringLiteral("session"),
             QJsonObject{{QStringLiteral("id"), checked.sessionId},
                         {QStringLiteral("status"), QStringLiteral("active")},
                         {QStringLiteral("expiresAt"), time(data.expiresAt)},
                         {QStringLiteral("lastActivityAt"), time(data.lastActivityAt)},
                         {QStringLiteral("current"), true}}},
            {QStringLiteral("user"),
             QJsonObject{{QStringLiteral("id"), data.userId},
                         {QStringLiteral("email"), data.email},
                         {QStringLiteral("role"), data.role},
                         {QStringLiteral("status"), data.status}}}};
}

void databaseFailure(const ExchangePtr &exchange, const Error &error)
{
    if (error.code == QLatin1String("DATABASE_UNAVAILABLE"))
        exchange->respondError(503, QStringLiteral("SERVICE_UNAVAILABLE"),
                               QStringLiteral("the database is unavailable; retry"),
                               {{QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1")}});
    else if (error.code == QLatin1String("CACHE_UNAVAILABLE"))
        exchange->respondError(503, QStringLiteral("SERVICE_UNAVAILABLE"), error.message,
                               {{QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1")}});
    else
        exchange->respondError(500, QStringLiteral("INTERNAL"), QStringLiteral("the request failed"));
}

bool isSessionId(const QString &id)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    return hex.match(id).hasMatch();
}
} // namespace

namespace SessionRoutes {

void install(Router &router, WorkerContext &context)
{
    WorkerContext *ctx = &context;
    const AppServices &services = context.services();
    const AuthSettings *auth = &services.auth;

    router.get(QStringLiteral("/api/v1/auth/session"), [ctx, auth](const ExchangePtr &exchange) {
        Authenticator::authenticate(exchange, ctx->sessions(), *auth, [exchange](const Caller &caller) {
            exchange->respondJson(200, checkAnswer(caller.session));
        });
    }, RouteClass::Session);

    // Forward-auth (nginx auth_request, Traefik forwardAuth): headers only, no body.
    router.get(QStringLiteral("/api/v1/auth/verify"), [ctx, auth](const ExchangePtr &exchange) {
        Authenticator::authenticate(exchange, ctx->sessions(), *auth, [exchange](const Caller &caller) {
            const CachedSession &data = caller.session.data;
            exchange->respondEmpty(200, {{QByteArrayLiteral("X-Auth-User-Id"), data.userId.toUtf8()},
                                         {QByteArrayLiteral("X-Auth-Email"), data.email.toUtf8()},
                                         {QByteArrayLiteral("X-Auth-Role"), data.role.toUtf8()},
                                         {QByteArrayLiteral("X-Auth-Session-Id"), caller.session.sessionId.toLatin1()}});
        });
    }, RouteClass::Session);

    router.post(QStringLiteral("/api/v1/auth/token"), [ctx, auth](const ExchangePtr &exchange) {
        Authenticator::authenticate(exchange, ctx->sessions(), *auth, [ctx, auth, exchange](const Caller &caller) {
            const AppServices &s = ctx->services();
            if (!s.jwtKeys) {
                exchange->respondError(503, QStringLiteral("TOKENS_UNAVAILABLE"),
                                       QStringLiteral("access tokens are not configured"));
                return;
            }
            auto issued = AccessTokens::issue(*s.jwtKeys, *auth, caller.session, s.clock());
            if (!issued) {
                exchange->respondError(500, QStringLiteral("INTERNAL"), issued.error().message);
                return;
            }
            exchange->respondJson(200, {{QStringLiteral("accessToken"), issued->token},
                                        {QStringLiteral("accessTokenExpiresAt"),
                                         issued->expiresAt.toString(Qt::ISODateWithMs)}});
        });
    });

    router.post(QStringLiteral("/api/v1/auth/logout"), [ctx, auth](const ExchangePtr &exchange) {
        Authenticator::authenticate(exchange, ctx->sessions(), *auth, [ctx, auth, exchange](const Caller &caller) {
            ctx->sessions().revoke(caller.session.sessionId, QStringLiteral("logout"), caller.session.data.userId,
                                   caller.session.data.userId, [exchange, auth](Result<bool> revoked) {
                                       if (!revoked) {
                                           databaseFailure(exchange, revoked.error());
                                           return;
                                       }
                                       exchange->respondEmpty(
                                           204, {{QByteArrayLiteral("Set-Cookie"),
                                                  Authenticator::clearedSessionCookie(auth->secureCookies)}});
                                   });
        });
    });

    router.get(QStringLiteral("/api/v1/auth/sessions"), [ctx, auth](const ExchangePtr &exchange) {
        Authenticator::authenticate(exchange, ctx->sessions(), *auth, [ctx, exchange](const Caller &caller) {
            auto sessions = ctx->sessions().listForUser(caller.session.data.userId);
            if (!sessions) {
                databaseFailure(exchange, sessions.error());
                return;
            }
            QJsonArray list;
            for (const Session &session : *sessions)
                list.append(session.toJson(session.id == caller.session.sessionId));
            exchange->respondJson(200, {{QStringLiteral("sessions"), list}});
        });
    });

    router.del(QStringLiteral("/api/v1/auth/sessions/{id}"), [ctx, auth](const ExchangePtr &exchange) {
        Authenticator::authenticate(exchange, ctx->sessions(), *auth, [ctx, exchange](const Caller &caller) {
            const QString id = exchange->pathParameter(QStringLiteral("id"));
            if (!isSessionId(id)) {
                exchange->respondError(404, QStringLiteral("SESSION_NOT_FOUND"), QStringLiteral("no such session"));
                return;
            }
            const QString userId = caller.session.data.userId;
            ctx->sessions().revoke(id, QStringLiteral("user"), userId, userId, [exchange](Result<bool> revoked) {
                if (!revoked)
                    databaseFailure(exchange, revoked.error());
                else if (!*revoked)
                    exchange->respondError(404, QStringLiteral("SESSION_NOT_FOUND"),
                                           QStringLiteral("no such active session of yours"));
                else
                    exchange->respondEmpty(204);
            });
        });
    });

    router.del(QStringLiteral("/api/v1/auth/sessions"), [ctx, auth](const ExchangePtr &exchange) {
        const QString scope = exchange->query().queryItemValue(QStringLiteral("scope"));
        if (scope != QLatin1String("others") && scope != QLatin1String("all")) {
            exchange->respondJson(400, {{QStringLiteral("error"),
                                         QJsonObject{{QStringLiteral("code"), QStringLiteral("INVALID_FIELD")},
                                                     {QStringLiteral("message"),
                                                      QStringLiteral("scope must be \"others\" or \"all\"")},
                                                     {QStringLiteral("field"), QStringLiteral("scope")}}}});
            return;
        }
        Authenticator::authenticate(exchange, ctx->sessions(), *auth, [ctx, auth, exchange, scope](const Caller &caller) {
            const QString userId = caller.session.data.userId;
            const QString except = scope == QLatin1String("others") ? caller.session.sessionId : QString();
            ctx->sessions().revokeAllForUser(userId, except, QStringLiteral("user"), userId,
                                             [exchange, auth, scope](Result<int> count) {
                                                 if (!count) {
                                                     databaseFailure(exchange, count.error());
                                                     return;
                                                 }
                                                 HeaderPairs headers;
                                                 if (scope == QLatin1String("all"))
                                                     headers.append({QByteArrayLiteral("Set-Cookie"),
                                                                     Authenticator::clearedSessionCookie(auth->secureCookies)});
                                                 exchange->respondJson(200, {{QStringLiteral("revoked"), *count}}, headers);
                                             });
        });
    });

    router.get(QStringLiteral("/.well-known/jwks.json"), [ctx](const ExchangePtr &exchange) {
        const AppServices &s = ctx->services();
        auto statements = ctx->statements();
        if (!statements) {
            databaseFailure(exchange, statements.error());
            return;
        }
        const qint64 retain = s.jwtKeys ? s.jwtKeys->retainSeconds() : s.auth.accessTokenLifetimeSeconds + 60;
        auto keys = PublicKeyRepository(**statements).valid(s.clock(), retain);
        if (!keys) {
            databaseFailure(exchange, keys.error());
            return;
        }
        exchange->respondJson(200, {{QStringLiteral("keys"), *keys}},
                              {{QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("public, max-age=300")}});
    }, RouteClass::Session);
}

} // namespace SessionRoutes
