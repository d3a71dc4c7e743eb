#pragma once

#include "RedisEndpoint.h"
#include "RedisQtAdapter.h"
#include "RedisReply.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>

struct redisAsyncContext;

// One asynchronous Redis connection driven by the Qt event loop of the thread it lives in
// (hiredis's own adapters/qt.h needs moc and frees twice on teardown, so this is our own).
// Commands are pipelined: each is written at once and its callback runs when its reply
// arrives, in order. A command that gets no answer within the command timeout means the
// connection is wedged: every pending command fails with TIMEOUT and the connection is
// rebuilt. Reconnects with exponential backoff, re-sending AUTH/SELECT from the endpoint.
// Not thread-safe: use it only from its own thread. Never blocks.
class RedisClient : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        int connectTimeoutMs = 2000;
        int commandTimeoutMs = 2000;
        int reconnectMinMs = 50;
        int reconnectMaxMs = 5000;
    };
    using Callback = std::function<void(const RedisReply &)>;

    explicit RedisClient(RedisEndpoint endpoint, QObject *parent = nullptr);
    RedisClient(RedisEndpoint endpoint, Options options, QObject *parent = nullptr);
    ~RedisClient() override;

    void start();                  // connect now; afterwards reconnects by itself
    bool isConnected() const { return m_connected; }
    const RedisEndpoint &endpoint() const { return m_endpoint; }
    QString lastError() const { return m_backoff.lastError(); }

    // Sends one command. The callback always runs exactly once (never synchronously inside
    // this call): with the reply, or with a transport failure (NOT_CONNECTED, TIMEOUT,
    // DISCONNECTED). It is dropped silently when the client is destroyed first.
    void command(const QList<QByteArray> &arguments, Callback callback);
    // PUBLISH; the callback (optional) gets the number of subscribers that received it.
    void publish(const QByteArray &channel, const QByteArray &payload, Callback callback = {});

signals:
    void connected();
    void disconnected(const QString &reason);

private:
    struct Pending
    {
        RedisClient *client;
        Callback callback;
        qint64 deadlineMs;
    };

    void connectNow();
    void scheduleReconnect(const QString &reason);
    void failAllPending(const QByteArray &why);
    void dropContext(const QByteArray &why);
    void armTimeoutTimer();
    void onTimeoutTick();
    void send(const QList<QByteArray> &arguments, Pending *pending);

    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onReply(redisAsyncContext *context, void *reply, void *privdata);

    RedisEndpoint m_endpoint;
    Options m_options;
    redisAsyncContext *m_context = nullptr;
    RedisQtAdapter m_events{this}; // hooks m_context to this thread's event loop
    std::deque<Pending *> m_pending;
    QElapsedTimer m_clock;
    QTimer m_connectTimer;
    QTimer m_reconnectTimer;
    QTimer m_timeoutTimer;
    RedisBackoff m_backoff;
    bool m_connected = false;
    bool m_started = false;
    bool m_destroying = false;
};
