#pragma once

#include "HttpExchange.h"

#include <QHttpServerRequest>
#include <QString>

#include <functional>
#include <vector>

using Handler = std::function<void(const ExchangePtr &)>;

// Method + path-pattern routing with `{name}` segments (e.g. /api/v1/auth/sessions/{id}).
// Unknown paths answer a JSON 404, known paths with another method a JSON 405 with Allow.
class Router
{
public:
    void add(QHttpServerRequest::Method method, const QString &pattern, Handler handler);
    void get(const QString &pattern, Handler handler);
    void post(const QString &pattern, Handler handler);
    void put(const QString &pattern, Handler handler);
    void patch(const QString &pattern, Handler handler);
    void del(const QString &pattern, Handler handler);

    void dispatch(const ExchangePtr &exchange) const;
    qsizetype size() const { return static_cast<qsizetype>(m_routes.size()); }

private:
    struct Route
    {
        QHttpServerRequest::Method method;
        QString pattern;
        QStringList segments;
        Handler handler;
    };
    static bool matches(const Route &route, const QStringList &segments,
                        QHash<QString, QString> *parameters);

    std::vector<Route> m_routes;
};
