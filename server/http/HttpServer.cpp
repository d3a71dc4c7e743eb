#include "HttpServer.h"

HttpServer::HttpServer(Router router, ExchangeStats *stats, QObject *parent)
    : QAbstractHttpServer(parent), m_router(std::move(router)), m_stats(stats)
{
}

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    auto exchange = std::make_shared<HttpExchange>(request, makeResponder(request, socket),
                                                   socket, m_stats);
    m_router.dispatch(exchange);
    return true; // the router answers unknown paths itself (JSON 404/405)
}

void HttpServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // Not reached (handleRequest always handles); kept correct in case Qt calls it anyway.
    HttpExchange exchange(request, makeResponder(request, socket), socket, m_stats);
    exchange.respondError(404, QStringLiteral("NOT_FOUND"), QStringLiteral("no such endpoint"));
}
