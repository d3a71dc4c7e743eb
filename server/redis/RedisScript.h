#pragma once

#include "RedisClient.h"

#include <QByteArray>
#include <QList>

// A Lua script run by its SHA-1 (EVALSHA), so the source crosses the wire only when Redis does
// not know it yet: after a restart, a SCRIPT FLUSH or on a fresh server. Then Redis answers
// NOSCRIPT and run() sends EVAL, which runs the script and caches it, once, transparently.
// Immutable after construction, so one instance may be shared by every worker thread.
class RedisScript
{
public:
    explicit RedisScript(QByteArray source);

    const QByteArray &source() const { return m_source; }
    const QByteArray &sha1() const { return m_sha1; } // lowercase hex, as SCRIPT LOAD answers

    // The callback runs exactly once, like RedisClient::command's (never synchronously).
    void run(RedisClient &client, const QList<QByteArray> &keys, const QList<QByteArray> &arguments,
             RedisClient::Callback callback) const;

private:
    QByteArray m_source;
    QByteArray m_sha1;
};
