#pragma once

#include "RedisEndpoint.h"
#include "RedisQtAdapter.h"

#include <QByteArray>
#include <QObject>
#include <QSet>
#include <QTimer>

struct redisAsyncContext;

// The pub/sub side of Redis: its own hiredis async connection, because a subscribed
// connection takes nothing but (P)(UN)SUBSCRIBE (RedisClient stays free for commands and
// RedisClient::publish). Lives in one thread and is driven by its event loop, like RedisClient.
//
// It remembers the channels asked for and, after every reconnect (backoff from
// reconnectMinMs doubling to reconnectMaxMs), subscribes to all of them again. Messages
// published while the connection was down are lost: Redis pub/sub is fire-and-forget, so a
// listener that keeps a cache should treat connected() as "you may have missed something".
//
// Signals are emitted from inside hiredis callbacks: slots may subscribe or unsubscribe, but
// must not delete the subscriber directly (use deleteLater()).
class RedisSubscriber : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        int connectTimeoutMs = 2000;
        int reconnectMinMs = 50;
        int reconnectMaxMs = 5000;
    };

    explicit RedisSubscriber(RedisEndpoint endpoint, QObject *parent = nullptr);
    RedisSubscriber(RedisEndpoint endpoint, Options options, QObject *parent = nullptr);
    ~RedisSubscriber() override;

    void start(); // connect now; afterwards reconnects by itself
    void subscribe(const QByteArray &channel);
    void unsubscribe(const QByteArray &channel);

    bool isConnected() const { return m_connected; }
    // Confirmed by Redis on the current connection (not just asked for).
    bool isSubscribed(const QByteArray &channel) const { return m_confirmed.contains(channel); }
    QSet<QByteArray> channels() const { return m_channels; }
    const RedisEndpoint &endpoint() const { return m_endpoint; }
    QString lastError() const { return m_backoff.lastError(); }

signals:
    void connected();
    void disconnected(const QString &reason);
    void subscribed(const QByteArray &channel); // Redis confirmed it (again after a reconnect)
    void message(const QByteArray &channel, const QByteArray &payload);

private:
    void connectNow();
    void scheduleReconnect(const QString &reason);
    void dropContext(const QString &why);
    void sendSubscribe(const QList<QByteArray> &channels);
    void handlePush(const RedisReply &reply);

    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onPush(redisAsyncContext *context, void *reply, void *privdata);
    static void onAuth(redisAsyncContext *context, void *reply, void *privdata);

    RedisEndpoint m_endpoint;
    Options m_options;
    redisAsyncContext *m_context = nullptr;
    RedisQtAdapter m_events{this};
    QSet<QByteArray> m_channels;  // what the owner asked for
    QSet<QByteArray> m_confirmed; // what Redis confirmed on this connection
    QTimer m_connectTimer;
    QTimer m_reconnectTimer;
    RedisBackoff m_backoff;
    bool m_connected = false;
    bool m_started = false;
    bool m_destroying = false;
};
