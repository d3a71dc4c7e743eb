#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonObject>
#include <QPointer>
#include <QTcpSocket>
#include <QUrlQuery>

#include <atomic>
#include <memory>
#include <optional>

class HttpExchange;

// Told about every finished exchange (metrics). Called from the worker threads concurrently:
// implementations must be thread-safe.
class ExchangeObserver
{
public:
    virtual ~ExchangeObserver() = default;
    virtual void exchangeFinished(const HttpExchange &exchange, int status, qint64 bytes,
                                  qint64 nanoseconds) = 0;
};

// Shared by all workers of one HttpService; read by graceful shutdown, /metrics and the console.
struct ExchangeStats
{
    std::atomic<int> inFlight{0};
    std::atomic<quint64> total{0};
    std::atomic<int> openConnections{0};
    std::atomic<quint64> rateLimited{0}; // requests refused with 429
    ExchangeObserver *observer = nullptr; // set before the workers start, never changed after
    class Metrics *metrics = nullptr;     // served by GET /metrics; set like observer
};

using HeaderPairs = QList<QPair<QByteArray, QByteArray>>;

// One request and its one answer. It copies what it needs from the QHttpServerRequest (which
// lives only during dispatch) so a handler may answer later, from a Redis callback, say.
// Every answer goes through respond(): it adds X-Request-Id and the security headers, writes
// only if the socket is still connected (Qt 6.4 crashes when writing to a vanished client),
// and logs one access line. An exchange dropped unanswered answers 500 by itself.
class HttpExchange
{
public:
    HttpExchange(const QHttpServerRequest &request, QHttpServerResponder &&responder,
                 QTcpSocket *socket, ExchangeStats *stats);
    ~HttpExchange();
    HttpExchange(const HttpExchange &) = delete;
    HttpExchange &operator=(const HttpExchange &) = delete;

    QHttpServerRequest::Method method() const { return m_method; }
    QString methodName() const;
    const QString &path() const { return m_path; }
    const QUrlQuery &query() const { return m_query; }
    const QByteArray &body() const { return m_body; }
    QByteArray header(QByteArrayView name) const; // case-insensitive, first value
    const HeaderPairs &headers() const { return m_headers; }
    const QHostAddress &peerAddress() const { return m_peer; }
    // The client as far as we can tell: the peer, or the X-Forwarded-For entry a trusted proxy
    // vouches for (set by the request gate before the handler runs).
    const QHostAddress &clientAddress() const { return m_client; }
    void setClientAddress(const QHostAddress &address) { m_client = address; }
    const QByteArray &requestId() const { return m_requestId; }
    QString pathParameter(const QString &name) const { return m_pathParameters.value(name); }
    void setPathParameters(QHash<QString, QString> parameters) { m_pathParameters = std::move(parameters); }
    void setRouteName(QString name) { m_routeName = std::move(name); }
    const QString &routeName() const { return m_routeName; }

    // Answers. Each writes at most once; later calls are ignored.
    void respond(int status, const QByteArray &body, const QByteArray &contentType,
                 const HeaderPairs &extraHeaders = {});
    void respondJson(int status, const QJsonObject &body, const HeaderPairs &extraHeaders = {});
    void respondError(int status, const QString &code, const QString &message,
                      const HeaderPairs &extraHeaders = {});
    void respondEmpty(int status, const HeaderPairs &extraHeaders = {});

    bool answered() const { return m_answered; }
    bool clientConnected() const;
    qint64 elapsedMs() const { return m_timer.elapsed(); }

private:
    void logAccess(int status, qint64 bytes, bool delivered) const;

    QHttpServerRequest::Method m_method;
    QString m_path;
    QUrlQuery m_query;
    QByteArray m_body;
    HeaderPairs m_headers;
    QHostAddress m_peer;
    QHostAddress m_client;
    QByteArray m_requestId;
    QHash<QString, QString> m_pathParameters;
    QString m_routeName;
    std::optional<QHttpServerResponder> m_responder;
    QPointer<QTcpSocket> m_socket;
    ExchangeStats *m_stats;
    QElapsedTimer m_timer;
    bool m_answered = false;
};

using ExchangePtr = std::shared_ptr<HttpExchange>;
