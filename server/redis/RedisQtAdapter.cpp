#include "RedisQtAdapter.h"

#include <QSocketNotifier>
#include <csignal>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <mutex>

void RedisQtAdapter::attach(redisAsyncContext *context)
{
    m_context = context;
    const qintptr fd = context->c.fd;
    m_readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, m_owner);
    m_writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, m_owner);
    m_readNotifier->setEnabled(false);
    m_writeNotifier->setEnabled(false);
    // The context pointer is re-read on every event: it may have been freed meanwhile.
    QObject::connect(m_readNotifier, &QSocketNotifier::activated, m_readNotifier, [this] {
        if (m_context)
            redisAsyncHandleRead(m_context);
    });
    QObject::connect(m_writeNotifier, &QSocketNotifier::activated, m_writeNotifier, [this] {
        if (m_context)
            redisAsyncHandleWrite(m_context);
    });
    context->ev.data = this;
    context->ev.addRead = &RedisQtAdapter::addRead;
    context->ev.delRead = &RedisQtAdapter::delRead;
    context->ev.addWrite = &RedisQtAdapter::addWrite;
    context->ev.delWrite = &RedisQtAdapter::delWrite;
    context->ev.cleanup = &RedisQtAdapter::cleanup;
}

void RedisQtAdapter::addRead(void *data)
{
    if (auto *n = static_cast<RedisQtAdapter *>(data)->m_readNotifier)
        n->setEnabled(true);
}

void RedisQtAdapter::delRead(void *data)
{
    if (auto *n = static_cast<RedisQtAdapter *>(data)->m_readNotifier)
        n->setEnabled(false);
}

void RedisQtAdapter::addWrite(void *data)
{
    if (auto *n = static_cast<RedisQtAdapter *>(data)->m_writeNotifier)
        n->setEnabled(true);
}

void RedisQtAdapter::delWrite(void *data)
{
    if (auto *n = static_cast<RedisQtAdapter *>(data)->m_writeNotifier)
        n->setEnabled(false);
}

void RedisQtAdapter::cleanup(void *data)
{
    // Called by hiredis while it frees the context, possibly from inside a notifier's own
    // activated() signal: disable now, delete later.
    auto *self = static_cast<RedisQtAdapter *>(data);
    self->m_context = nullptr;
    for (QSocketNotifier **notifier : {&self->m_readNotifier, &self->m_writeNotifier}) {
        if (*notifier) {
            (*notifier)->setEnabled(false);
            (*notifier)->deleteLater();
            *notifier = nullptr;
        }
    }
}

int RedisBackoff::next(const QString &reason, bool *worthLogging)
{
    const bool firstFailure = m_delayMs == 0;
    *worthLogging = firstFailure || reason != m_lastError;
    m_lastError = reason;
    m_delayMs = firstFailure ? m_minMs : qMin(m_delayMs * 2, m_maxMs);
    return m_delayMs;
}

namespace RedisHiredis {

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

void ignoreSigpipeOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

redisAsyncContext *openContext(const RedisEndpoint &endpoint, QString *why)
{
    const QByteArray host = endpoint.host.toUtf8();
    const QByteArray path = endpoint.socketPath.toUtf8();
    redisAsyncContext *context = endpoint.isUnix()
                                     ? redisAsyncConnectUnix(path.constData())
                                     : redisAsyncConnect(host.constData(), endpoint.port);
    if (!context) {
        *why = QStringLiteral("out of memory");
        return nullptr;
    }
    if (context->err) {
        *why = QString::fromUtf8(context->errstr);
        redisAsyncFree(context);
        return nullptr;
    }
    return context;
}

} // namespace RedisHiredis
