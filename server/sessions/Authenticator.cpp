#include "Authenticator.h"

namespace {
bool isUnsafe(QHttpServerRequest::Method method)
{
    return method == QHttpServerRequest::Method::Post || method == QHttpServerRequest::Method::Put ||
           method == QHttpServerRequest::Method::Patch || method == QHttpServerRequest::Method::Delete;
}

QString cookieValue(const QByteArray &header, QByteArrayView name)
{
    for (const QByteArray &part : header.split(';')) {
        const QByteArray item = part.trimmed();
        const qsizetype equals = item.indexOf('=');
        if (equals > 0 && QByteArrayView(item.constData(), equals) == name)
            return QString::fromLatin1(item.mid(equals + 1));
    }
    return {};
}
} // namespace

namespace Authenticator {

std::optional<Caller> credentials(const HttpExchange &exchange)
{
    const QByteArray authorization = exchange.header("Authorization");
    // The auth scheme is case-insensitive (RFC 9110 §11.1): Bearer, bearer, BEARER, ...
    if (authorization.size() >= 7 && qstrnicmp(authorization.constData(), "bearer ", 7) == 0) {
        Caller caller;
        caller.token = QString::fromLatin1(authorization.mid(7).trimmed());
        return caller;
    }
    const QString cookie = cookieValue(exchange.header("Cookie"), "gh_session");
    if (!cookie.isEmpty()) {
        Caller caller;
        caller.token = cookie;
        caller.viaCookie = true;
        return caller;
    }
    return std::nullopt;
}

void authenticate(const ExchangePtr &exchange, SessionService &sessions, const AuthSettings &settings,
                  std::function<void(const Caller &)> then)
{
    std::optional<Caller> caller = credentials(*exchange);
    if (!caller) {
        exchange->respondError(401, QStringLiteral("UNAUTHENTICATED"),
                               QStringLiteral("sign in first: send the session token as a Bearer "
                                              "token or the gh_session cookie"),
                               {{QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer")}});
        return;
    }
    if (caller->viaCookie && isUnsafe(exchange->method())) {
        const QString origin = QString::fromLatin1(exchange->header("Origin"));
        if (!settings.origins.contains(origin)) {
            exchange->respondError(403, QStringLiteral("ORIGIN_NOT_ALLOWED"),
                                   origin.isEmpty()
                                       ? QStringLiteral("a cookie-authenticated request must carry an Origin header")
                                       : QStringLiteral("origin %1 is not allowed").arg(origin));
            return;
        }
    }
    sessions.check(caller->token, [exchange, caller = *caller, then = std::move(then)](
                                      Result<SessionService::Checked> checked) mutable {
        if (!checked) {
            if (checked.error().code == QLatin1String("SESSION_INVALID"))
                exchange->respondError(401, QStringLiteral("UNAUTHENTICATED"), checked.error().message,
                                       {{QByteArrayLiteral("WWW-Authenticate"),
                                         QByteArrayLiteral("Bearer error=\"invalid_token\"")}});
            else
                exchange->respondError(503, QStringLiteral("SERVICE_UNAVAILABLE"),
                                       QStringLiteral("sessions cannot be checked right now; retry"));
            return;
        }
        caller.session = std::move(*checked);
        then(caller);
    });
}

QByteArray sessionCookie(const QString &token, int maxAgeSeconds, bool secure)
{
    QByteArray cookie = QByteArrayLiteral("gh_session=") + token.toLatin1() +
                        QByteArrayLiteral("; Path=/; HttpOnly; SameSite=Lax; Max-Age=") +
                        QByteArray::number(maxAgeSeconds);
    if (secure)
        cookie += QByteArrayLiteral("; Secure");
    return cookie;
}

QByteArray clearedSessionCookie(bool secure)
{
    QByteArray cookie = QByteArrayLiteral("gh_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    if (secure)
        cookie += QByteArrayLiteral("; Secure");
    return cookie;
}

} // namespace Authenticator
