#include "RedisClient.h"

#include "models/common/Log.h"
#include "server/metrics/ErrorCounters.h"

#include <QPointer>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

RedisClient::RedisClient(RedisEndpoint endpoint, QObject *parent)
    : RedisClient(std::move(endpoint), Options{}, parent)
{
}

RedisClient::RedisClient(RedisEndpoint endpoint, Options options, QObject *parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_options(options)
{
    RedisHiredis::ignoreSigpipeOnce();
    m_backoff.configure(m_options.reconnectMinMs, m_options.reconnectMaxMs);
    m_clock.start();
    m_connectTimer.setSingleShot(true);
    m_reconnectTimer.setSingleShot(true);
    m_timeoutTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        if (m_context && !m_connected)
            dropContext("connect timed out");
    });
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RedisClient::connectNow);
    connect(&m_timeoutTimer, &QTimer::timeout, this, &RedisClient::onTimeoutTick);
}

RedisClient::~RedisClient()
{
    m_destroying = true;
    if (m_context) {
        redisAsyncContext *context = m_context;
        m_context = nullptr;
        redisAsyncFree(context); // runs every pending callback with a null reply: they only free
    }
    for (Pending *pending : m_pending)
        delete pending;
    m_pending.clear();
}

void RedisClient::start()
{
    if (m_started)
        return;
    m_started = true;
    connectNow();
}

void RedisClient::connectNow()
{
    if (m_context || m_destroying)
        return;
    QString why;
    redisAsyncContext *context = RedisHiredis::openContext(m_endpoint, &why);
    if (!context) {
        scheduleReconnect(why);
        return;
    }
    m_context = context;
    m_context->data = this;
    m_events.attach(m_context);
    redisAsyncSetConnectCallback(m_context, &RedisClient::onConnect);
    redisAsyncSetDisconnectCallback(m_context, &RedisClient::onDisconnect);
    m_connectTimer.start(m_options.connectTimeoutMs);

    // AUTH and SELECT go first on every new connection; hiredis buffers them until connected.
    auto logFailure = [this](const char *what) {
        return [this, what](const RedisReply &reply) {
            if (reply.isError() && !reply.transportError)
                Log::error(QStringLiteral("redis.setup_failed"),
                           {{QStringLiteral("step"), QString::fromLatin1(what)},
                            {QStringLiteral("endpoint"), m_endpoint.describe()},
                            {QStringLiteral("error"), reply.errorText()}});
        };
    };
    if (!m_endpoint.password.isEmpty()) {
        QList<QByteArray> auth{QByteArrayLiteral("AUTH")};
        if (!m_endpoint.username.isEmpty())
            auth.append(m_endpoint.username.toUtf8());
        auth.append(m_endpoint.password.toUtf8());
        send(auth, new Pending{this, logFailure("AUTH"), 0});
    }
    if (m_endpoint.database != 0)
        send({QByteArrayLiteral("SELECT"), QByteArray::number(m_endpoint.database)},
             new Pending{this, logFailure("SELECT"), 0});
}

void RedisClient::command(const QList<QByteArray> &arguments, Callback callback)
{
    if (!m_context) {
        // Fail fast instead of queueing: callers (HTTP handlers) must answer now, and a queue
        // would grow without bound while Redis is down.
        ErrorCounters::countRedisError();
        QMetaObject::invokeMethod(
            this, [callback = std::move(callback)] { callback(RedisReply::failure("NOT_CONNECTED")); },
            Qt::QueuedConnection);
        return;
    }
    send(arguments, new Pending{this, std::move(callback),
                                m_clock.elapsed() + m_options.commandTimeoutMs});
}

void RedisClient::send(const QList<QByteArray> &arguments, Pending *pending)
{
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    argv.reserve(static_cast<size_t>(arguments.size()));
    lengths.reserve(static_cast<size_t>(arguments.size()));
    for (const QByteArray &argument : arguments) {
        argv.push_back(argument.constData());
        lengths.push_back(static_cast<size_t>(argument.size()));
    }
    const int status = redisAsyncCommandArgv(m_context, &RedisClient::onReply, pending,
                                             static_cast<int>(argv.size()), argv.data(),
                                             lengths.data());
    if (status != REDIS_OK) {
        Callback callback = std::move(pending->callback);
        delete pending;
        if (callback)
            QMetaObject::invokeMethod(
                this, [callback] { callback(RedisReply::failure("DISCONNECTED")); },
                Qt::QueuedConnection);
        return;
    }
    m_pending.push_back(pending);
    if (pending->deadlineMs > 0 && !m_timeoutTimer.isActive())
        armTimeoutTimer();
}

void RedisClient::armTimeoutTimer()
{
    for (const Pending *pending : m_pending) {
        if (pending->deadlineMs > 0) {
            m_timeoutTimer.start(static_cast<int>(
                qMax<qint64>(1, pending->deadlineMs - m_clock.elapsed() + 1)));
            return;
        }
    }
    m_timeoutTimer.stop();
}

void RedisClient::onTimeoutTick()
{
    // Replies come back in order, so the oldest pending command is the one that is late.
    for (const Pending *pending : m_pending) {
        if (pending->deadlineMs <= 0 || !pending->callback)
            continue;
        if (pending->deadlineMs <= m_clock.elapsed()) {
            Log::warning(QStringLiteral("redis.command_timeout"),
                         {{QStringLiteral("endpoint"), m_endpoint.describe()},
                          {QStringLiteral("pending"), static_cast<qint64>(m_pending.size())}});
            dropContext("TIMEOUT");
            return;
        }
        break;
    }
    armTimeoutTimer();
}

void RedisClient::failAllPending(const QByteArray &why)
{
    // Callbacks are detached first so a callback that sends a new command cannot see them.
    std::vector<Callback> callbacks;
    for (Pending *pending : m_pending) {
        if (pending->callback)
            callbacks.push_back(std::move(pending->callback));
        pending->callback = nullptr;
    }
    if (m_destroying)
        return;
    ErrorCounters::countRedisError(callbacks.size());
    const RedisReply failure = RedisReply::failure(why);
    for (const Callback &callback : callbacks)
        callback(failure);
}

void RedisClient::dropContext(const QByteArray &why)
{
    if (!m_context)
        return;
    failAllPending(why);
    redisAsyncContext *context = m_context;
    const bool wasConnected = m_connected;
    m_context = nullptr;
    m_connected = false;
    redisAsyncFree(context); // frees the Pending objects through onReply(null)
    if (!wasConnected)
        scheduleReconnect(QString::fromUtf8(why));
}

void RedisClient::scheduleReconnect(const QString &reason)
{
    m_connectTimer.stop();
    if (m_destroying)
        return;
    bool worthLogging = false;
    const int delayMs = m_backoff.next(reason, &worthLogging);
    if (worthLogging)
        Log::warning(QStringLiteral("redis.unavailable"),
                     {{QStringLiteral("endpoint"), m_endpoint.describe()},
                      {QStringLiteral("reason"), reason}});
    m_reconnectTimer.start(delayMs);
}

void RedisClient::onConnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisClient *>(context->data);
    if (!self)
        return;
    self->m_connectTimer.stop();
    if (status != REDIS_OK) {
        // hiredis frees the context right after this callback returns.
        const QString why = QString::fromUtf8(context->errstr);
        self->m_context = nullptr;
        self->failAllPending("DISCONNECTED");
        self->scheduleReconnect(why);
        return;
    }
    self->m_connected = true;
    self->m_backoff.resetDelay();
    self->m_backoff.clearError();
    Log::info(QStringLiteral("redis.connected"),
              {{QStringLiteral("endpoint"), self->m_endpoint.describe()}});
    emit self->connected();
}

void RedisClient::onDisconnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisClient *>(context->data);
    if (!self || self->m_destroying)
        return;
    const QString why = status == REDIS_OK ? QStringLiteral("closed")
                                           : QString::fromUtf8(context->errstr);
    self->m_context = nullptr;
    const bool wasConnected = self->m_connected;
    self->m_connected = false;
    self->failAllPending("DISCONNECTED");
    if (wasConnected)
        emit self->disconnected(why);
    self->scheduleReconnect(why);
}

void RedisClient::onReply(redisAsyncContext *context, void *reply, void *privdata)
{
    Q_UNUSED(context);
    auto *pending = static_cast<Pending *>(privdata);
    if (!pending)
        return;
    RedisClient *self = pending->client;
    auto &queue = self->m_pending;
    // Normally the front; search to stay correct whatever hiredis does on teardown.
    for (auto it = queue.begin(); it != queue.end(); ++it) {
        if (*it == pending) {
            queue.erase(it);
            break;
        }
    }
    Callback callback = std::move(pending->callback);
    delete pending;
    if (callback && !self->m_destroying) {
        if (reply)
            callback(RedisHiredis::convert(static_cast<redisReply *>(reply)));
        else
            callback(RedisReply::failure("DISCONNECTED"));
    }
    if (!self->m_destroying)
        self->armTimeoutTimer();
}

void RedisClient::publish(const QByteArray &channel, const QByteArray &payload, Callback callback)
{
    if (!callback)
        callback = [](const RedisReply &) {};
    command({QByteArrayLiteral("PUBLISH"), channel, payload}, std::move(callback));
}
