#include "RedisClient.h"

#include "models/common/Log.h"

#include <QPointer>
#include <QSocketNotifier>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <csignal>
#include <mutex>

namespace {
// hiredis writes with write(2), which raises SIGPIPE on a peer that went away; the default
// action would kill the whole server. Qt's own sockets already avoid it with MSG_NOSIGNAL.
void ignoreSigpipeOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

RedisReply convert(const redisReply *reply)
{
    RedisReply out;
    switch (reply->type) {
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::String;
        out.string = QByteArray(reply->str, static_cast<qsizetype>(reply->len));
        break;
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::Simple;
        out.string = QByteArray(reply->str, static_cast<qsizetype>(reply->len));
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::Error;
        out.string = QByteArray(reply->str, static_cast<qsizetype>(reply->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = reply->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        out.elements.reserve(static_cast<qsizetype>(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i)
            out.elements.append(convert(reply->element[i]));
        break;
    default:
        out.type = RedisReply::Type::Nil;
        break;
    }
    return out;
}
} // namespace

RedisClient::RedisClient(RedisEndpoint endpoint, QObject *parent)
    : RedisClient(std::move(endpoint), Options{}, parent)
{
}

RedisClient::RedisClient(RedisEndpoint endpoint, Options options, QObject *parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_options(options)
{
    ignoreSigpipeOnce();
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
    const QByteArray host = m_endpoint.host.toUtf8();
    const QByteArray path = m_endpoint.socketPath.toUtf8();
    redisAsyncContext *context = m_endpoint.isUnix()
                                     ? redisAsyncConnectUnix(path.constData())
                                     : redisAsyncConnect(host.constData(), m_endpoint.port);
    if (!context) {
        scheduleReconnect(QStringLiteral("out of memory"));
        return;
    }
    if (context->err) {
        const QString why = QString::fromUtf8(context->errstr);
        redisAsyncFree(context);
        scheduleReconnect(why);
        return;
    }
    m_context = context;
    m_context->data = this;
    attachEventHooks();
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
    const bool firstFailure = m_backoffMs == 0;
    if (reason != m_lastError || firstFailure)
        Log::warning(QStringLiteral("redis.unavailable"),
                     {{QStringLiteral("endpoint"), m_endpoint.describe()},
                      {QStringLiteral("reason"), reason}});
    m_lastError = reason;
    m_backoffMs = firstFailure ? m_options.reconnectMinMs
                               : qMin(m_backoffMs * 2, m_options.reconnectMaxMs);
    m_reconnectTimer.start(m_backoffMs);
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
    self->m_backoffMs = 0;
    self->m_lastError.clear();
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
            callback(convert(static_cast<redisReply *>(reply)));
        else
            callback(RedisReply::failure("DISCONNECTED"));
    }
    if (!self->m_destroying)
        self->armTimeoutTimer();
}

// --- event hooks: hiredis asks for read/write readiness; QSocketNotifier delivers it ---------

void RedisClient::attachEventHooks()
{
    const qintptr fd = m_context->c.fd;
    m_readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    m_writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    m_readNotifier->setEnabled(false);
    m_writeNotifier->setEnabled(false);
    // The context pointer is re-read on every event: it may have been freed meanwhile.
    connect(m_readNotifier, &QSocketNotifier::activated, this, [this] {
        if (m_context)
            redisAsyncHandleRead(m_context);
    });
    connect(m_writeNotifier, &QSocketNotifier::activated, this, [this] {
        if (m_context)
            redisAsyncHandleWrite(m_context);
    });
    m_context->ev.data = this;
    m_context->ev.addRead = &RedisClient::addRead;
    m_context->ev.delRead = &RedisClient::delRead;
    m_context->ev.addWrite = &RedisClient::addWrite;
    m_context->ev.delWrite = &RedisClient::delWrite;
    m_context->ev.cleanup = &RedisClient::cleanup;
}

void RedisClient::addRead(void *data)
{
    if (auto *n = static_cast<RedisClient *>(data)->m_readNotifier)
        n->setEnabled(true);
}

void RedisClient::delRead(void *data)
{
    if (auto *n = static_cast<RedisClient *>(data)->m_readNotifier)
        n->setEnabled(false);
}

void RedisClient::addWrite(void *data)
{
    if (auto *n = static_cast<RedisClient *>(data)->m_writeNotifier)
        n->setEnabled(true);
}

void RedisClient::delWrite(void *data)
{
    if (auto *n = static_cast<RedisClient *>(data)->m_writeNotifier)
        n->setEnabled(false);
}

void RedisClient::cleanup(void *data)
{
    // Called by hiredis while it frees the context, possibly from inside a notifier's own
    // activated() signal: disable now, delete later.
    auto *self = static_cast<RedisClient *>(data);
    for (QSocketNotifier **notifier : {&self->m_readNotifier, &self->m_writeNotifier}) {
        if (*notifier) {
            (*notifier)->setEnabled(false);
            (*notifier)->deleteLater();
            *notifier = nullptr;
        }
    }
}
