#include "HttpExchange.h"

#include "models/common/Log.h"

#include <QJsonDocument>
#include <QRandomGenerator>

namespace {
// A client may pass its own request id (to correlate through a proxy); accept only ids that are
// safe to echo and log.
bool isSafeRequestId(const QByteArray &id)
{
    if (id.isEmpty() || id.size() > 64)
        return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

QByteArray newRequestId()
{
    quint32 words[3];
    QRandomGenerator::global()->fillRange(words);
    return QByteArray(reinterpret_cast<const char *>(words), sizeof(words))
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace

HttpExchange::HttpExchange(const QHttpServerRequest &request, QHttpServerResponder &&responder,
                           QTcpSocket *socket, ExchangeStats *stats)
    : m_method(request.method()),
      m_path(request.url().path()),
      m_query(request.query()),
      m_body(request.body()),
      m_headers(request.headers()),
      m_peer(request.remoteAddress()),
      m_client(m_peer),
      m_responder(std::move(responder)),
      m_socket(socket),
      m_stats(stats)
{
    m_timer.start();
    const QByteArray offered = header("X-Request-Id");
    m_requestId = isSafeRequestId(offered) ? offered : newRequestId();
    if (m_stats) {
        ++m_stats->inFlight;
        ++m_stats->total;
    }
}

HttpExchange::~HttpExchange()
{
    if (!m_answered)
        respondError(500, QStringLiteral("INTERNAL"),
                     QStringLiteral("the server dropped this request without an answer"));
    if (m_stats)
        --m_stats->inFlight;
}

QString HttpExchange::methodName() const
{
    switch (m_method) {
    case QHttpServerRequest::Method::Get: return QStringLiteral("GET");
    case QHttpServerRequest::Method::Put: return QStringLiteral("PUT");
    case QHttpServerRequest::Method::Delete: return QStringLiteral("DELETE");
    case QHttpServerRequest::Method::Post: return QStringLiteral("POST");
    case QHttpServerRequest::Method::Head: return QStringLiteral("HEAD");
    case QHttpServerRequest::Method::Options: return QStringLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch: return QStringLiteral("PATCH");
    case QHttpServerRequest::Method::Connect: return QStringLiteral("CONNECT");
    case QHttpServerRequest::Method::Trace: return QStringLiteral("TRACE");
    default: return QStringLiteral("UNKNOWN");
    }
}

QByteArray HttpExchange::header(QByteArrayView name) const
{
    for (const auto &[key, value] : m_headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool HttpExchange::clientConnected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void HttpExchange::respond(int status, const QByteArray &body, const QByteArray &contentType,
                           const HeaderPairs &extraHeaders)
{
    if (m_answered)
        return;
    m_answered = true;
    const bool delivered = clientConnected() && m_responder.has_value();
    if (delivered) {
        QHttpServerResponder &r = *m_responder;
        r.writeStatusLine(static_cast<QHttpServerResponder::StatusCode>(status));
        if (!contentType.isEmpty())
            r.writeHeader(QByteArrayLiteral("Content-Type"), contentType);
        r.writeHeader(QByteArrayLiteral("Content-Length"), QByteArray::number(body.size()));
        r.writeHeader(QByteArrayLiteral("X-Request-Id"), m_requestId);
        r.writeHeader(QByteArrayLiteral("X-Content-Type-Options"), QByteArrayLiteral("nosniff"));
        r.writeHeader(QByteArrayLiteral("Referrer-Policy"), QByteArrayLiteral("no-referrer"));
        r.writeHeader(QByteArrayLiteral("X-Frame-Options"), QByteArrayLiteral("DENY"));
        if (contentType.startsWith("text/html"))
            r.writeHeader(QByteArrayLiteral("Content-Security-Policy"),
                          QByteArrayLiteral("default-src 'self'; frame-ancestors 'none'; "
                                            "base-uri 'none'; form-action 'self'"));
        bool hasCacheControl = false;
        for (const auto &[key, value] : extraHeaders) {
            hasCacheControl |= key.compare("Cache-Control", Qt::CaseInsensitive) == 0;
            r.writeHeader(key, value);
        }
        if (!hasCacheControl)
            r.writeHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
        r.writeBody(body);
    }
    m_responder.reset();
    logAccess(status, body.size(), delivered);
    if (m_stats && m_stats->observer)
        m_stats->observer->exchangeFinished(*this, status, body.size(), m_timer.nsecsElapsed());
}

void HttpExchange::respondJson(int status, const QJsonObject &body, const HeaderPairs &extraHeaders)
{
    respond(status, QJsonDocument(body).toJson(QJsonDocument::Compact),
            QByteArrayLiteral("application/json"), extraHeaders);
}

void HttpExchange::respondError(int status, const QString &code, const QString &message,
                                const HeaderPairs &extraHeaders)
{
    respondJson(status,
                QJsonObject{{QStringLiteral("error"),
                             QJsonObject{{QStringLiteral("code"), code},
                                         {QStringLiteral("message"), message}}}},
                extraHeaders);
}

void HttpExchange::respondEmpty(int status, const HeaderPairs &extraHeaders)
{
    respond(status, QByteArray(), QByteArray(), extraHeaders);
}

void HttpExchange::logAccess(int status, qint64 bytes, bool delivered) const
{
    // The path only: query strings can carry codes and OAuth parameters.
    QJsonObject fields{{QStringLiteral("method"), methodName()},
                       {QStringLiteral("path"), m_path},
                       {QStringLiteral("status"), status},
                       {QStringLiteral("bytes"), bytes},
                       {QStringLiteral("ms"), static_cast<double>(m_timer.nsecsElapsed() / 10000) / 100.0},
                       {QStringLiteral("requestId"), QString::fromLatin1(m_requestId)},
                       {QStringLiteral("peer"), m_peer.toString()}};
    if (m_client != m_peer)
        fields.insert(QStringLiteral("client"), m_client.toString());
    if (!m_routeName.isEmpty())
        fields.insert(QStringLiteral("route"), m_routeName);
    if (!delivered)
        fields.insert(QStringLiteral("clientGone"), true);
    Log::info(QStringLiteral("http.request"), fields);
}
