#pragma once

#include <QByteArrayList>
#include <QHostAddress>
#include <QList>
#include <QPair>

// Who the client is, for rate limiting and logs. Pure functions.
namespace ClientAddress {

using Subnets = QList<QPair<QHostAddress, int>>;

// IPv4-mapped IPv6 (::ffff:1.2.3.4, as a dual-stack socket reports IPv4 peers) becomes plain
// IPv4, and an IPv6 scope id (fe80::1%eth0) is dropped, so one client has one spelling.
QHostAddress normalise(const QHostAddress &address);

// One X-Forwarded-For entry: a dotted-quad IPv4 (no inet_aton shorthands such as "127.1" or
// "0x7f.0.0.1"), an IPv6 address, optionally "[v6]", "[v6]:port" or "v4:port" as some proxies
// write them. Anything else (hostnames, "unknown", empty) is a null address.
QHostAddress parseForwardedEntry(QByteArrayView entry);

bool isTrusted(const QHostAddress &address, const Subnets &trustedProxies);

// The peer, unless the peer is a trusted proxy: then X-Forwarded-For (every header of that
// name, in order, as one comma-separated list) is walked from the right, skipping trusted
// proxies, and the first untrusted address is the client (the rightmost-untrusted rule: only
// what our own proxies appended can be believed; anything further left the client may have
// made up). A malformed entry met on the way, or no header at all, gives the peer; a chain of
// nothing but trusted proxies gives its leftmost entry.
QHostAddress resolve(const QHostAddress &peer, const QByteArrayList &forwardedFor,
                     const Subnets &trustedProxies);

} // namespace ClientAddress
