#pragma once

#include "HttpExchange.h"

#include <QHttpServerRequest>
#include <QString>

#include <functional>
#include <vector>

using Handler = std::function<void(const ExchangePtr &)>;

// How strictly a route is rate limited: Auth for sign-in, registration and one-time codes,
// Session for the session check and forward-auth (proxies call them per request), Exempt for
// health and metrics probes.
enum class RouteClass { Default, Auth, Session, Exempt };

// Runs before every matched handler (rate limiting, client address). It calls `proceed` to
// run the handler, now or later from a Redis callback, or answers the exchange itself.
using RequestGate =
    std::function<void(const ExchangePtr &, RouteClass, const std::function<void()> &proceed)>;

// Method + path-pattern routing with `{name}` segments (e.g. /api/v1/auth/sessions/{id}).
// Unknown paths answer a JSON 404, known paths with another method a JSON 405 with Allow.
class Router
{
public:
    void add(QHttpServerRequest::Method method, const QString &pattern, Handler handler,
             RouteClass routeClass = RouteClass::Default);
    void get(const QString &pattern, Handler handler, RouteClass routeClass = RouteClass::Default);
    void post(const QString &pattern, Handler handler, RouteClass routeClass = RouteClass::Default);
    void put(const QString &pattern, Handler handler, RouteClass routeClass = RouteClass::Default);
    void patch(const QString &pattern, Handler handler, RouteClass routeClass = RouteClass::Default);
    void del(const QString &pattern, Handler handler, RouteClass routeClass = RouteClass::Default);
    void setGate(RequestGate gate) { m_gate = std::move(gate); }

    void dispatch(const ExchangePtr &exchange) const;
    qsizetype size() const { return static_cast<qsizetype>(m_routes.size()); }

private:
    struct Route
    {
        QHttpServerRequest::Method method;
        QString pattern;
        QStringList segments;
        Handler handler;
        RouteClass routeClass;
    };
    static bool matches(const Route &route, const QStringList &segments,
                        QHash<QString, QString> *parameters);

    std::vector<Route> m_routes;
    RequestGate m_gate;
};
