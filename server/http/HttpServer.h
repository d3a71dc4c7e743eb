#pragma once

#include "HttpExchange.h"
#include "Router.h"

#include <QAbstractHttpServer>

// Our QHttpServer: every request, routed or not, goes through one place (handleRequest), so the
// request id, security headers, error envelope and access log apply everywhere. Qt 6.4's
// QHttpServer::afterRequest skips responder handlers and the missing handler; this does not.
class HttpServer : public QAbstractHttpServer
{
    Q_OBJECT
public:
    HttpServer(Router router, ExchangeStats *stats, QObject *parent = nullptr);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    Router m_router;
    ExchangeStats *m_stats;
};
