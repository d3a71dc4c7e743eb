#include "ConnectionListener.h"

#include <QTcpSocket>

#include <unistd.h>

ConnectionListener::ConnectionListener(std::atomic<int> *openConnections, int maxConnections,
                                       QObject *parent)
    : QTcpServer(parent), m_openConnections(openConnections), m_maxConnections(maxConnections)
{
}

void ConnectionListener::incomingConnection(qintptr descriptor)
{
    if (m_openConnections->load() >= m_maxConnections) {
        ::close(static_cast<int>(descriptor));
        return;
    }
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        ::close(static_cast<int>(descriptor));
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    ++*m_openConnections;
    std::atomic<int> *counter = m_openConnections;
    connect(socket, &QObject::destroyed, socket, [counter] { --*counter; });
    addPendingConnection(socket);
}
