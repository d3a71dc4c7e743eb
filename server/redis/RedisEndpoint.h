#pragma once

#include "models/common/Result.h"

#include <QString>

// Where and how to reach a Redis server, parsed from a URL:
//   redis://[user:password@]host[:port][/db]      TCP (default port 6379, db 0)
//   unix:///path/to/redis.sock[?db=N&password=…]  unix socket (also redis+unix://)
// rediss:// is refused: Debian 12's hiredis 0.14 has no TLS support.
struct RedisEndpoint
{
    QString host;          // empty for unix sockets
    quint16 port = 6379;
    QString socketPath;    // set for unix sockets
    QString username;      // Redis 6 ACL user, optional
    QString password;
    int database = 0;

    bool isUnix() const { return !socketPath.isEmpty(); }
    QString describe() const; // for logs and errors: never contains the password

    static Result<RedisEndpoint> fromUrl(const QString &url);
};
