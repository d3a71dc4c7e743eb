#include "ListenSockets.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {
struct SocketAddress
{
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
};

SocketAddress toSockaddr(const QHostAddress &address, quint16 port)
{
    SocketAddress out;
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&out.storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        const Q_IPV6ADDR bytes = address.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &bytes, sizeof(bytes));
        out.length = sizeof(sockaddr_in6);
        out.family = AF_INET6;
    } else {
        auto *in4 = reinterpret_cast<sockaddr_in *>(&out.storage);
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        in4->sin_addr.s_addr = htonl(address.toIPv4Address());
        out.length = sizeof(sockaddr_in);
    }
    return out;
}

QString where(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                             : address.toString();
    return host + QLatin1Char(':') + QString::number(port);
}

Error socketError(const QHostAddress &address, quint16 port, int error)
{
    if (error == EADDRINUSE)
        return makeError(QStringLiteral("LISTEN_ADDRESS_IN_USE"),
                         QStringLiteral("cannot listen on %1: the address is already in use by "
                                        "another program (choose another with --listen)")
                             .arg(where(address, port)));
    if (error == EACCES)
        return makeError(QStringLiteral("LISTEN_PERMISSION_DENIED"),
                         QStringLiteral("cannot listen on %1: permission denied (ports below "
                                        "1024 need privileges)")
                             .arg(where(address, port)));
    return makeError(QStringLiteral("LISTEN_FAILED"),
                     QStringLiteral("cannot listen on %1: %2")
                         .arg(where(address, port), QString::fromLocal8Bit(std::strerror(error))));
}

Result<int> bindSocket(const QHostAddress &address, quint16 port, bool reusePort, bool listenNow)
{
    const SocketAddress target = toSockaddr(address, port);
    const int fd = ::socket(target.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return socketError(address, port, errno);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (reusePort)
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (target.family == AF_INET6)
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&target.storage), target.length) != 0 ||
        (listenNow && ::listen(fd, 1024) != 0)) {
        const int error = errno;
        ::close(fd);
        return socketError(address, port, error);
    }
    return fd;
}

quint16 boundPort(int fd)
{
    sockaddr_storage storage{};
    socklen_t length = sizeof(storage);
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&storage), &length);
    if (storage.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<sockaddr_in6 *>(&storage)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in *>(&storage)->sin_port);
}
} // namespace

Result<ListenSockets> ListenSockets::open(const QHostAddress &address, quint16 port, int count)
{
    // The probe: a plain bind fails if anyone (even with SO_REUSEPORT) holds the port.
    auto probe = bindSocket(address, port, false, false);
    if (!probe)
        return probe.error();
    const quint16 realPort = boundPort(*probe);
    ::close(*probe);

    ListenSockets sockets;
    sockets.port = realPort;
    for (int i = 0; i < count; ++i) {
        auto fd = bindSocket(address, realPort, true, true);
        if (!fd) {
            for (int open : std::as_const(sockets.descriptors))
                ::close(open);
            return fd.error();
        }
        sockets.descriptors.append(*fd);
    }
    return sockets;
}
