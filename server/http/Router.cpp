#include "Router.h"

#include <QUrl>

namespace {
QStringList splitPath(const QString &path)
{
    return path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
}

QString methodToken(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get: return QStringLiteral("GET");
    case QHttpServerRequest::Method::Post: return QStringLiteral("POST");
    case QHttpServerRequest::Method::Put: return QStringLiteral("PUT");
    case QHttpServerRequest::Method::Patch: return QStringLiteral("PATCH");
    case QHttpServerRequest::Method::Delete: return QStringLiteral("DELETE");
    case QHttpServerRequest::Method::Head: return QStringLiteral("HEAD");
    case QHttpServerRequest::Method::Options: return QStringLiteral("OPTIONS");
    default: return QStringLiteral("OTHER");
    }
}
} // namespace

void Router::add(QHttpServerRequest::Method method, const QString &pattern, Handler handler,
                 RouteClass routeClass)
{
    m_routes.push_back(Route{method, pattern, splitPath(pattern), std::move(handler), routeClass});
}

void Router::get(const QString &pattern, Handler handler, RouteClass routeClass)
{
    add(QHttpServerRequest::Method::Get, pattern, std::move(handler), routeClass);
}
void Router::post(const QString &pattern, Handler handler, RouteClass routeClass)
{
    add(QHttpServerRequest::Method::Post, pattern, std::move(handler), routeClass);
}
void Router::put(const QString &pattern, Handler handler, RouteClass routeClass)
{
    add(QHttpServerRequest::Method::Put, pattern, std::move(handler), routeClass);
}
void Router::patch(const QString &pattern, Handler handler, RouteClass routeClass)
{
    add(QHttpServerRequest::Method::Patch, pattern, std::move(handler), routeClass);
}
void Router::del(const QString &pattern, Handler handler, RouteClass routeClass)
{
    add(QHttpServerRequest::Method::Delete, pattern, std::move(handler), routeClass);
}

bool Router::matches(const Route &route, const QStringList &segments,
                     QHash<QString, QString> *parameters)
{
    if (route.segments.size() != segments.size())
        return false;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const QString &expected = route.segments.at(i);
        if (expected.startsWith(QLatin1Char('{')) && expected.endsWith(QLatin1Char('}'))) {
            if (parameters)
                parameters->insert(expected.mid(1, expected.size() - 2),
                                   QUrl::fromPercentEncoding(segments.at(i).toUtf8()));
        } else if (expected != segments.at(i)) {
            return false;
        }
    }
    return true;
}

void Router::dispatch(const ExchangePtr &exchange) const
{
    const QStringList segments = splitPath(exchange->path());
    // HEAD is routed to the GET handler, so monitors that probe with HEAD work.
    const auto method = exchange->method() == QHttpServerRequest::Method::Head
                            ? QHttpServerRequest::Method::Get
                            : exchange->method();
    QStringList allowed;
    for (const Route &route : m_routes) {
        QHash<QString, QString> parameters;
        if (!matches(route, segments, &parameters))
            continue;
        if (route.method != method) {
            allowed.append(methodToken(route.method));
            continue;
        }
        exchange->setPathParameters(std::move(parameters));
        exchange->setRouteName(route.pattern);
        if (!m_gate) {
            route.handler(exchange);
            return;
        }
        const Handler &handler = route.handler; // routes live as long as the router
        m_gate(exchange, route.routeClass, [&handler, exchange] { handler(exchange); });
        return;
    }
    if (!allowed.isEmpty()) {
        allowed.removeDuplicates();
        exchange->respondError(405, QStringLiteral("METHOD_NOT_ALLOWED"),
                               QStringLiteral("%1 is not allowed here; use %2")
                                   .arg(exchange->methodName(), allowed.join(QStringLiteral(", "))),
                               {{QByteArrayLiteral("Allow"), allowed.join(QStringLiteral(", ")).toLatin1()}});
        return;
    }
    exchange->respondError(404, QStringLiteral("NOT_FOUND"),
                           QStringLiteral("no such endpoint: %1").arg(exchange->path()));
}
