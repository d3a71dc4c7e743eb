#pragma once

#include <QTcpServer>

#include <atomic>

// The accepting side of one worker: adopts an already bound listening socket, turns Nagle off
// on every connection (small JSON answers must not wait 40 ms for an ACK) and closes new
// connections at once past the configured maximum, so a flood cannot exhaust descriptors.
class ConnectionListener : public QTcpServer
{
    Q_OBJECT
public:
    ConnectionListener(std::atomic<int> *openConnections, int maxConnections,
                       QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    std::atomic<int> *m_openConnections;
    int m_maxConnections;
};
