#include "ConnectionGuard.h"

#include "models/common/Log.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSslSocket>
#include <QTcpSocket>

#include <sys/socket.h>

namespace {
// After our final answer the write side is shut and input is drained this long before the
// socket is dropped: closing with unread input makes the kernel send RST, which can destroy the
// answer before the client reads it (a client still uploading a refused body, say).
constexpr int kLingerMs = 2000;

const QByteArray kContinue = QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n");

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 400: return QByteArrayLiteral("Bad Request");
    case 408: return QByteArrayLiteral("Request Timeout");
    case 411: return QByteArrayLiteral("Length Required");
    case 413: return QByteArrayLiteral("Payload Too Large");
    case 414: return QByteArrayLiteral("URI Too Long");
    case 431: return QByteArrayLiteral("Request Header Fields Too Large");
    default: return QByteArrayLiteral("Error");
    }
}

QByteArray newRequestId()
{
    quint32 words[3];
    QRandomGenerator::global()->fillRange(words);
    return QByteArray(reinterpret_cast<const char *>(words), sizeof(words))
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}
} // namespace

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, const HttpLimits &limits, bool tls)
    : QObject(socket), m_socket(socket), m_limits(limits), m_tls(tls), m_tracker(limits)
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &ConnectionGuard::timerFired);
    // Connected before QHttpServer gets the socket, so this runs before Qt's own handler.
    connect(socket, &QIODevice::readyRead, this, &ConnectionGuard::beforeServerReads);
    connect(socket, &QIODevice::bytesWritten, this, &ConnectionGuard::bytesWritten);
    if (tls) {
        auto *ssl = static_cast<QSslSocket *>(socket);
        connect(ssl, &QSslSocket::encrypted, this, &ConnectionGuard::settle);
        // A failed handshake (plain HTTP on the TLS port, say) has nothing to answer in: drop.
        connect(ssl, &QAbstractSocket::errorOccurred, this, [this, ssl] {
            if (!ssl->isEncrypted())
                ssl->abort();
        });
        arm(Mode::Handshake, m_limits.headerTimeoutMs);
    } else {
        arm(Mode::Idle, m_limits.idleTimeoutMs);
    }
}

void ConnectionGuard::followServer()
{
    connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::afterServerReads);
}

void ConnectionGuard::beforeServerReads()
{
    if (m_closing) {
        swallowInput();
        return;
    }
    // Visible: what Qt could read now. The new bytes are at its end (hidden ones precede it).
    const qint64 visible = m_socket->bytesAvailable();
    const qint64 fresh = visible + m_hidden - m_unreadSeen;
    if (fresh > 0) {
        // peek() leaves the bytes for Qt; only the ones the tracker has not seen are fed.
        const QByteArray bytes = m_socket->peek(visible);
        m_unreadSeen += fresh;
        process(m_tracker.feed(QByteArrayView(bytes).last(fresh)));
    }
    if (m_awaitingAnswer)
        hideInput();
    settle();
}

void ConnectionGuard::afterServerReads()
{
    m_unreadSeen = m_socket->bytesAvailable() + m_hidden;
    // Qt reads one whole request per readyRead and dispatches it at once.
    while (!m_pendingEnds.isEmpty() && m_pendingEnds.first() <= consumedByServer()) {
        m_pendingEnds.removeFirst();
        m_awaitingAnswer = true;
    }
    if (m_awaitingAnswer)
        hideInput();
    settle();
}

void ConnectionGuard::hideInput()
{
    const qint64 visible = m_socket->bytesAvailable();
    if (visible == 0)
        return;
    // Any transaction open now is ours or one Qt opened without reading anything: Qt commits
    // its own before dispatching, and nothing reaches it while an answer is awaited.
    if (!m_socket->isTransactionStarted())
        m_socket->startTransaction();
    (void)m_socket->read(visible);
    m_hidden += visible;
}

void ConnectionGuard::releaseInput()
{
    if (m_hidden > 0) {
        m_socket->rollbackTransaction();
        m_hidden = 0;
    }
    // Qt only looks at buffered bytes when readyRead is emitted: nudge it for the next request.
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(m_socket, &QIODevice::readyRead, Qt::QueuedConnection);
}

void ConnectionGuard::process(const QList<RequestHeadTracker::Event> &events)
{
    using Kind = RequestHeadTracker::Event::Kind;
    for (const RequestHeadTracker::Event &event : events) {
        switch (event.kind) {
        case Kind::HeadComplete:
            m_continuePending = event.request.expectContinue;
            break;
        case Kind::MessageComplete:
            m_pendingEnds.append(event.offset);
            m_continuePending = false;
            if (event.request.closeAfter)
                m_stopAt = event.offset; // answer it, then close
            break;
        case Kind::Rejected:
            m_continuePending = false;
            m_stopAt = event.offset; // the requests before it are still answered
            m_verdict = m_tracker.verdict();
            break;
        }
    }
}

// Decides what the connection waits for now. Called after every change of state.
void ConnectionGuard::settle()
{
    if (m_closing || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    if (m_tls && !static_cast<QSslSocket *>(m_socket)->isEncrypted())
        return; // the handshake timer runs
    if (m_stopAt >= 0 && consumedByServer() >= m_stopAt) {
        swallowInput(); // Qt has what it may have; nothing past the stop reaches it
        if (busy()) {
            m_timer.stop();
            m_mode = Mode::None;
            return; // earlier requests are answered first
        }
        if (m_verdict)
            respondAndClose(m_verdict->status, m_verdict->code, m_verdict->message);
        else
            closeGracefully();
        return;
    }
    if (busy()) {
        m_timer.stop();
        m_mode = Mode::None;
        return;
    }
    const RequestHeadTracker::Phase phase = m_tracker.phase();
    if (phase == RequestHeadTracker::Phase::Body && m_continuePending) {
        m_continuePending = false;
        m_ownUnflushed += kContinue.size();
        m_socket->write(kContinue);
    }
    switch (phase) {
    case RequestHeadTracker::Phase::Head:
        if (m_mode != Mode::Header)
            arm(Mode::Header, m_limits.headerTimeoutMs);
        break;
    case RequestHeadTracker::Phase::Body:
        if (m_mode != Mode::Body)
            arm(Mode::Body, m_limits.bodyTimeoutMs);
        break;
    case RequestHeadTracker::Phase::Idle:
        if (m_mode != Mode::Idle)
            arm(Mode::Idle, m_limits.idleTimeoutMs);
        break;
    case RequestHeadTracker::Phase::Closed:
    case RequestHeadTracker::Phase::Rejected:
        // Not expected (before the stop there are only complete requests, so we are busy);
        // the idle timer keeps a connection from ever staying without one.
        if (m_mode != Mode::Idle)
            arm(Mode::Idle, m_limits.idleTimeoutMs);
        break;
    }
}

void ConnectionGuard::arm(Mode mode, int milliseconds)
{
    m_mode = mode;
    m_timer.start(milliseconds);
}

void ConnectionGuard::bytesWritten(qint64 bytes)
{
    const qint64 own = qMin(bytes, m_ownUnflushed);
    m_ownUnflushed -= own;
    if (m_closing) {
        if (m_lingerPending && m_socket->bytesToWrite() == 0)
            halfCloseAndLinger();
        return;
    }
    if (bytes > own) {
        if (m_mode == Mode::Idle)
            m_timer.start(m_limits.idleTimeoutMs); // "idle" means nothing written either
        if (m_awaitingAnswer) {
            m_awaitingAnswer = false; // its answer is out: let Qt have the next request
            releaseInput();
        }
    }
    settle();
}

void ConnectionGuard::timerFired()
{
    if (m_socket->state() != QAbstractSocket::ConnectedState)
        return; // already closing (Qt gave up on the request itself, or the client left)
    switch (m_mode) {
    case Mode::Header:
        respondAndClose(408, QStringLiteral("REQUEST_TIMEOUT"),
                        QStringLiteral("the request head did not arrive within %1 s")
                            .arg(m_limits.headerTimeoutMs / 1000.0));
        break;
    case Mode::Body:
        respondAndClose(408, QStringLiteral("REQUEST_TIMEOUT"),
                        QStringLiteral("the request body did not arrive within %1 s")
                            .arg(m_limits.bodyTimeoutMs / 1000.0));
        break;
    case Mode::Idle:
        m_closing = true;
        m_socket->disconnectFromHost();
        break;
    case Mode::Handshake:
    case Mode::Linger:
        m_closing = true;
        m_socket->abort();
        break;
    case Mode::None:
        break;
    }
}

void ConnectionGuard::swallowInput()
{
    // Qt 6.4 starts a QIODevice transaction on every readyRead; bytes read inside one stay
    // buffered until it ends, so end it before dropping input or a refused upload piles up.
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    m_socket->skip(m_socket->bytesAvailable());
    m_unreadSeen = 0;
    m_hidden = 0;
}

void ConnectionGuard::respondAndClose(int status, const QString &code, const QString &message)
{
    m_closing = true;
    m_timer.stop();
    m_mode = Mode::None;
    swallowInput();
    const QByteArray requestId = newRequestId();
    const QByteArray body = QJsonDocument(QJsonObject{
                                              {QStringLiteral("error"),
                                               QJsonObject{{QStringLiteral("code"), code},
                                                           {QStringLiteral("message"), message}}}})
                                .toJson(QJsonDocument::Compact);
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) +
                          "\r\nContent-Type: application/json"
                          "\r\nContent-Length: " + QByteArray::number(body.size()) +
                          "\r\nConnection: close"
                          "\r\nX-Request-Id: " + requestId +
                          "\r\nX-Content-Type-Options: nosniff"
                          "\r\nCache-Control: no-store\r\n\r\n" + body;
    m_socket->write(response);
    // Status and code only: the head that caused it may carry secrets (cookies, tokens).
    Log::info(QStringLiteral("http.rejected"),
              {{QStringLiteral("status"), status},
               {QStringLiteral("code"), code},
               {QStringLiteral("requestId"), QString::fromLatin1(requestId)},
               {QStringLiteral("peer"), m_socket->peerAddress().toString()}});
    closeGracefully();
}

void ConnectionGuard::closeGracefully()
{
    m_closing = true;
    if (m_tls) {
        // A TLS connection cannot be half-closed under QSslSocket: send close_notify and go.
        m_socket->disconnectFromHost();
        return;
    }
    m_lingerPending = true;
    if (m_socket->bytesToWrite() == 0)
        halfCloseAndLinger();
}

void ConnectionGuard::halfCloseAndLinger()
{
    m_lingerPending = false;
    // The client reads our answer and then end-of-stream; we drain what it still sends until
    // it closes (disconnected → QHttpServer deletes the socket and us) or the linger time ends.
    ::shutdown(static_cast<int>(m_socket->socketDescriptor()), SHUT_WR);
    arm(Mode::Linger, kLingerMs);
}
