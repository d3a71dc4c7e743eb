#pragma once

#include "HttpLimits.h"
#include "models/common/Result.h"

#include <QSslConfiguration>
#include <QTcpServer>

#include <atomic>
#include <optional>

// The accepting side of one worker: adopts an already bound listening socket, closes new
// connections at once past the configured maximum (so a flood cannot exhaust descriptors),
// turns Nagle off (small JSON answers must not wait 40 ms for an ACK), wraps the connection in
// TLS when configured, and puts a ConnectionGuard in front of QHttpServer on every connection
// (limits, timeouts, 100-continue: see ConnectionGuard).
class ConnectionListener : public QTcpServer
{
    Q_OBJECT
public:
    // tls: the server configuration from loadTls(), or none for plain HTTP.
    ConnectionListener(std::atomic<int> *openConnections, HttpLimits limits,
                       std::optional<QSslConfiguration> tls, QObject *parent = nullptr);

    // Reads limits.tlsCertificateFile (PEM chain) and limits.tlsKeyFile (unencrypted PEM RSA or
    // EC key) into a TLS 1.2+ server configuration. TLS_CONFIG_INVALID names the file at fault.
    static Result<QSslConfiguration> loadTls(const HttpLimits &limits);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    std::atomic<int> *m_openConnections;
    HttpLimits m_limits;
    std::optional<QSslConfiguration> m_tls;
};
