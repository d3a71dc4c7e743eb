#pragma once

#include "RedisEndpoint.h"
#include "RedisReply.h"

class QObject;
class QSocketNotifier;
struct redisAsyncContext;
struct redisReply;

// Internal to server/redis. Drives one hiredis async context at a time from the Qt event loop
// of `owner`'s thread: hiredis asks for read/write readiness through its ev hooks and a
// QSocketNotifier delivers it. Shared by RedisClient and RedisSubscriber (hiredis's own
// adapters/qt.h needs moc and frees twice on teardown).
//
// The adapter must outlive every context attached to it: hiredis calls the cleanup hook
// while it frees a context, and that hook touches the adapter.
class RedisQtAdapter
{
public:
    explicit RedisQtAdapter(QObject *owner) : m_owner(owner) {}
    RedisQtAdapter(const RedisQtAdapter &) = delete;
    RedisQtAdapter &operator=(const RedisQtAdapter &) = delete;

    // Hooks a freshly created context up. Call it before redisAsyncSetConnectCallback, which
    // asks for the first write event to detect the finished connect.
    void attach(redisAsyncContext *context);

private:
    static void addRead(void *data);
    static void delRead(void *data);
    static void addWrite(void *data);
    static void delWrite(void *data);
    static void cleanup(void *data);

    QObject *m_owner;
    redisAsyncContext *m_context = nullptr; // cleared by cleanup(), i.e. when hiredis frees it
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
};

// Exponential reconnect backoff shared by the command and subscriber connections, with the
// rule for logging: the first failure of a streak or a new reason, not every retry.
class RedisBackoff
{
public:
    void configure(int minMs, int maxMs) { m_minMs = minMs; m_maxMs = maxMs; }
    // The delay before the next attempt; *worthLogging says whether to log this failure.
    int next(const QString &reason, bool *worthLogging);
    void resetDelay() { m_delayMs = 0; }
    void clearError() { m_lastError.clear(); }
    const QString &lastError() const { return m_lastError; }

private:
    int m_minMs = 50;
    int m_maxMs = 5000;
    int m_delayMs = 0;
    QString m_lastError;
};

namespace RedisHiredis {
// An owned copy of a hiredis reply.
RedisReply convert(const redisReply *reply);
// hiredis writes with write(2), which raises SIGPIPE on a peer that went away; the default
// action would kill the whole server. Qt's own sockets already avoid it with MSG_NOSIGNAL.
void ignoreSigpipeOnce();
// Starts a non-blocking connection to the endpoint (unix socket or TCP). Null with `why` set
// when hiredis failed at once; the caller then schedules its reconnect.
redisAsyncContext *openContext(const RedisEndpoint &endpoint, QString *why);
} // namespace RedisHiredis
