#include "ClientAddress.h"

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isHexDigit(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isPort(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 5)
        return false;
    for (char c : text) {
        if (!isDigit(c))
            return false;
    }
    return text.toInt() <= 65535;
}

// Strict dotted quad: four decimal parts 0..255, no leading zeros (octal in some parsers).
bool isDottedQuad(QByteArrayView text)
{
    int parts = 0;
    qsizetype start = 0;
    while (start <= text.size()) {
        qsizetype end = text.indexOf('.', start);
        if (end < 0)
            end = text.size();
        const QByteArrayView part = text.sliced(start, end - start);
        if (part.isEmpty() || part.size() > 3 || (part.size() > 1 && part.front() == '0'))
            return false;
        for (char c : part) {
            if (!isDigit(c))
                return false;
        }
        if (part.toInt() > 255)
            return false;
        ++parts;
        start = end + 1;
    }
    return parts == 4;
}

QHostAddress parseIpv6(QByteArrayView text)
{
    // Hex groups and colons, possibly an embedded dotted quad; no scope ids.
    if (text.size() < 2 || text.size() > 45 || !text.contains(':'))
        return {};
    for (char c : text) {
        if (!isHexDigit(c) && c != ':' && c != '.')
            return {};
    }
    QHostAddress address;
    if (!address.setAddress(QString::fromLatin1(text)) ||
        address.protocol() != QAbstractSocket::IPv6Protocol)
        return {};
    return address;
}

QHostAddress parseIpv4(QByteArrayView text)
{
    if (!isDottedQuad(text))
        return {};
    return QHostAddress(QString::fromLatin1(text));
}

} // namespace

namespace ClientAddress {

QHostAddress normalise(const QHostAddress &address)
{
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return address;
    bool mapped = false;
    const quint32 ipv4 = address.toIPv4Address(&mapped);
    if (mapped)
        return QHostAddress(ipv4);
    if (address.scopeId().isEmpty())
        return address;
    QHostAddress unscoped = address;
    unscoped.setScopeId(QString());
    return unscoped;
}

QHostAddress parseForwardedEntry(QByteArrayView entry)
{
    const QByteArrayView text = entry.trimmed();
    if (text.isEmpty())
        return {};
    if (text.front() == '[') {
        const qsizetype close = text.indexOf(']');
        if (close < 0)
            return {};
        const QByteArrayView rest = text.sliced(close + 1);
        if (!rest.isEmpty() && !(rest.front() == ':' && isPort(rest.sliced(1))))
            return {};
        return parseIpv6(text.sliced(1, close - 1));
    }
    const qsizetype colons = text.count(':');
    if (colons == 0)
        return parseIpv4(text);
    if (colons == 1) { // v4:port
        const qsizetype colon = text.indexOf(':');
        if (!isPort(text.sliced(colon + 1)))
            return {};
        return parseIpv4(text.first(colon));
    }
    return parseIpv6(text);
}

bool isTrusted(const QHostAddress &address, const Subnets &trustedProxies)
{
    const QHostAddress normalised = normalise(address);
    for (const auto &subnet : trustedProxies) {
        if (normalised.isInSubnet(subnet))
            return true;
        // A subnet written as IPv4-mapped IPv6 (::ffff:10.0.0.0/104) covers IPv4 addresses.
        bool mapped = false;
        const quint32 ipv4 = subnet.first.toIPv4Address(&mapped);
        if (mapped && subnet.first.protocol() == QAbstractSocket::IPv6Protocol &&
            subnet.second >= 96 && normalised.isInSubnet(QHostAddress(ipv4), subnet.second - 96))
            return true;
    }
    return false;
}

QHostAddress resolve(const QHostAddress &peer, const QByteArrayList &forwardedFor,
                     const Subnets &trustedProxies)
{
    const QHostAddress client = normalise(peer);
    if (forwardedFor.isEmpty() || !isTrusted(client, trustedProxies))
        return client;
    QHostAddress leftmost;
    for (qsizetype h = forwardedFor.size() - 1; h >= 0; --h) {
        const QByteArrayList entries = forwardedFor.at(h).split(',');
        for (qsizetype i = entries.size() - 1; i >= 0; --i) {
            const QHostAddress hop = normalise(parseForwardedEntry(entries.at(i)));
            if (hop.isNull())
                return client; // garbage: believe nothing in this header
            if (!isTrusted(hop, trustedProxies))
                return hop;
            leftmost = hop;
        }
    }
    return leftmost.isNull() ? client : leftmost;
}

} // namespace ClientAddress
