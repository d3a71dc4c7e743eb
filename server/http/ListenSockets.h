#pragma once

#include "models/common/Result.h"

#include <QHostAddress>
#include <QList>

// Opens `count` listening sockets on one address with SO_REUSEPORT, one per worker, so the
// kernel spreads connections over the workers. SO_REUSEPORT would also let a second Gatehouse
// silently share the port, so the port is first probed with a plain bind: a port in use gives
// a clear LISTEN_ADDRESS_IN_USE error instead.
struct ListenSockets
{
    QList<int> descriptors;
    quint16 port = 0;          // the real port (useful when 0 was asked for)

    static Result<ListenSockets> open(const QHostAddress &address, quint16 port, int count);
};
