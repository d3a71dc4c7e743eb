#include "RedisSubscriber.h"

#include "models/common/Log.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <vector>

RedisSubscriber::RedisSubscriber(RedisEndpoint endpoint, QObject *parent)
    : RedisSubscriber(std::move(endpoint), Options{}, parent)
{
}

RedisSubscriber::RedisSubscriber(RedisEndpoint endpoint, Options options, QObject *parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_options(options)
{
    RedisHiredis::ignoreSigpipeOnce();
    m_backoff.configure(m_options.reconnectMinMs, m_options.reconnectMaxMs);
    m_connectTimer.setSingleShot(true);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        if (m_context && !m_connected)
            dropContext(QStringLiteral("connect timed out"));
    });
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RedisSubscriber::connectNow);
}

RedisSubscriber::~RedisSubscriber()
{
    m_destroying = true;
    if (m_context) {
        redisAsyncContext *context = m_context;
        m_context = nullptr;
        redisAsyncFree(context); // runs the subscription callbacks with a null reply: ignored
    }
}

void RedisSubscriber::start()
{
    if (m_started)
        return;
    m_started = true;
    connectNow();
}

void RedisSubscriber::subscribe(const QByteArray &channel)
{
    if (channel.isEmpty() || m_channels.contains(channel))
        return;
    m_channels.insert(channel);
    if (m_connected)
        sendSubscribe({channel});
    // Otherwise onConnect subscribes to every channel in m_channels.
}

void RedisSubscriber::unsubscribe(const QByteArray &channel)
{
    if (!m_channels.remove(channel))
        return;
    m_confirmed.remove(channel);
    if (!m_connected)
        return;
    const char *argv[] = {"UNSUBSCRIBE", channel.constData()};
    const size_t lengths[] = {11, static_cast<size_t>(channel.size())};
    // hiredis 0.14 refuses UNSUBSCRIBE on a context it does not consider subscribed; then
    // there is nothing to undo anyway. The reply goes to the channel's subscribe callback.
    (void)redisAsyncCommandArgv(m_context, nullptr, nullptr, 2, argv, lengths);
}

void RedisSubscriber::connectNow()
{
    if (m_context || m_destroying)
        return;
    QString why;
    redisAsyncContext *context = RedisHiredis::openContext(m_endpoint, &why);
    if (!context) {
        scheduleReconnect(why);
        return;
    }
    // A subscriber is silent for long stretches: let TCP notice a peer that vanished.
    if (!m_endpoint.isUnix())
        (void)redisEnableKeepAlive(&context->c);
    m_context = context;
    m_context->data = this;
    m_events.attach(m_context);
    redisAsyncSetConnectCallback(m_context, &RedisSubscriber::onConnect);
    redisAsyncSetDisconnectCallback(m_context, &RedisSubscriber::onDisconnect);
    m_connectTimer.start(m_options.connectTimeoutMs);

    // AUTH goes first; hiredis buffers it until connected. SELECT is not needed: channels
    // are shared by every database.
    if (!m_endpoint.password.isEmpty()) {
        QList<QByteArray> auth{QByteArrayLiteral("AUTH")};
        if (!m_endpoint.username.isEmpty())
            auth.append(m_endpoint.username.toUtf8());
        auth.append(m_endpoint.password.toUtf8());
        std::vector<const char *> argv;
        std::vector<size_t> lengths;
        for (const QByteArray &argument : std::as_const(auth)) {
            argv.push_back(argument.constData());
            lengths.push_back(static_cast<size_t>(argument.size()));
        }
        (void)redisAsyncCommandArgv(m_context, &RedisSubscriber::onAuth, this,
                                    static_cast<int>(argv.size()), argv.data(), lengths.data());
    }
}

void RedisSubscriber::sendSubscribe(const QList<QByteArray> &channels)
{
    if (!m_context || channels.isEmpty())
        return;
    std::vector<const char *> argv{"SUBSCRIBE"};
    std::vector<size_t> lengths{9};
    for (const QByteArray &channel : channels) {
        argv.push_back(channel.constData());
        lengths.push_back(static_cast<size_t>(channel.size()));
    }
    // hiredis keeps this callback per channel and calls it for every message on it.
    if (redisAsyncCommandArgv(m_context, &RedisSubscriber::onPush, this,
                              static_cast<int>(argv.size()), argv.data(),
                              lengths.data()) != REDIS_OK)
        Log::warning(QStringLiteral("redis.subscribe_failed"),
                     {{QStringLiteral("endpoint"), m_endpoint.describe()}});
}

void RedisSubscriber::dropContext(const QString &why)
{
    if (!m_context)
        return;
    redisAsyncContext *context = m_context;
    const bool wasConnected = m_connected;
    m_context = nullptr;
    m_connected = false;
    m_confirmed.clear();
    redisAsyncFree(context); // calls onDisconnect only when it was connected
    if (!wasConnected)
        scheduleReconnect(why);
}

void RedisSubscriber::scheduleReconnect(const QString &reason)
{
    m_connectTimer.stop();
    if (m_destroying)
        return;
    bool worthLogging = false;
    const int delayMs = m_backoff.next(reason, &worthLogging);
    if (worthLogging)
        Log::warning(QStringLiteral("redis.subscriber_unavailable"),
                     {{QStringLiteral("endpoint"), m_endpoint.describe()},
                      {QStringLiteral("reason"), reason}});
    m_reconnectTimer.start(delayMs);
}

void RedisSubscriber::onConnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisSubscriber *>(context->data);
    if (!self)
        return;
    self->m_connectTimer.stop();
    if (status != REDIS_OK) {
        // hiredis frees the context right after this callback returns.
        const QString why = QString::fromUtf8(context->errstr);
        self->m_context = nullptr;
        self->scheduleReconnect(why);
        return;
    }
    self->m_connected = true;
    self->m_backoff.clearError();
    Log::info(QStringLiteral("redis.subscriber_connected"),
              {{QStringLiteral("endpoint"), self->m_endpoint.describe()},
               {QStringLiteral("channels"), static_cast<qint64>(self->m_channels.size())}});
    // The backoff is reset only once Redis has confirmed a subscription (or when there is
    // nothing to subscribe to), so a server that accepts and then drops us is not hammered.
    if (self->m_channels.isEmpty())
        self->m_backoff.resetDelay();
    else
        self->sendSubscribe(self->m_channels.values());
    emit self->connected();
}

void RedisSubscriber::onDisconnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisSubscriber *>(context->data);
    if (!self || self->m_destroying)
        return;
    const QString why =
        status == REDIS_OK ? QStringLiteral("closed") : QString::fromUtf8(context->errstr);
    self->m_context = nullptr;
    const bool wasConnected = self->m_connected;
    self->m_connected = false;
    self->m_confirmed.clear();
    if (wasConnected)
        emit self->disconnected(why);
    self->scheduleReconnect(why);
}

void RedisSubscriber::onAuth(redisAsyncContext *context, void *reply, void *privdata)
{
    Q_UNUSED(context);
    auto *self = static_cast<RedisSubscriber *>(privdata);
    if (!reply || !self || self->m_destroying)
        return;
    const RedisReply converted = RedisHiredis::convert(static_cast<redisReply *>(reply));
    // The following SUBSCRIBE then fails with NOAUTH and hiredis drops the connection.
    if (converted.isError())
        Log::error(QStringLiteral("redis.setup_failed"),
                   {{QStringLiteral("step"), QStringLiteral("AUTH")},
                    {QStringLiteral("endpoint"), self->m_endpoint.describe()},
                    {QStringLiteral("error"), converted.errorText()}});
}

void RedisSubscriber::onPush(redisAsyncContext *context, void *reply, void *privdata)
{
    Q_UNUSED(context);
    auto *self = static_cast<RedisSubscriber *>(privdata);
    // A null reply: hiredis is freeing the context (it calls every subscription callback).
    if (!reply || !self || self->m_destroying)
        return;
    self->handlePush(RedisHiredis::convert(static_cast<redisReply *>(reply)));
}

void RedisSubscriber::handlePush(const RedisReply &reply)
{
    if (reply.type != RedisReply::Type::Array || reply.elements.size() < 3)
        return;
    const QByteArray kind = reply.elements.at(0).string.toLower();
    const QByteArray channel = reply.elements.at(1).string;
    if (kind == "message") {
        // Filtered: a message can still arrive between our UNSUBSCRIBE and its reply.
        if (m_channels.contains(channel))
            emit message(channel, reply.elements.at(2).string);
    } else if (kind == "subscribe") {
        if (!m_channels.contains(channel))
            return;
        m_confirmed.insert(channel);
        m_backoff.resetDelay();
        emit subscribed(channel);
    } else if (kind == "unsubscribe") {
        m_confirmed.remove(channel);
        // Unsubscribed and subscribed again before this reply arrived: hiredis 0.14 has just
        // forgotten the channel's callback, so ask again.
        if (m_channels.contains(channel) && m_connected)
            sendSubscribe({channel});
    }
}
