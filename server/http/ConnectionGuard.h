#pragma once

#include "HttpLimits.h"
#include "RequestHeadTracker.h"

#include <QObject>
#include <QTimer>

#include <optional>

class QTcpSocket;

// Stands in front of QHttpServer on one connection and enforces what Qt 6.4 does not: request
// limits (through RequestHeadTracker), header/body/idle timeouts, Expect: 100-continue,
// Connection: close, and a JSON answer plus a clean close instead of a silent drop on a bad
// request. A child of its socket, created before QHttpServer sees the socket.
//
// How it stays in front: Qt calls readyRead slots in connection order. The guard connects one
// slot before QHttpServer's (it peeks at the new bytes and, when they must not reach Qt, reads
// them away itself) and one after it (to learn how much Qt consumed: Qt 6.4 reads exactly one
// request per readyRead and re-emits readyRead for the rest, so bytesAvailable() before Qt's
// slot is "unread old bytes + new bytes", not just new ones).
//
// Pipelining: Qt 6.4 dispatches the next pipelined request while the previous one still waits
// for an asynchronous answer, so answers go out in the wrong order. While a dispatched request
// is unanswered the guard therefore hides all further input from Qt inside a QIODevice
// transaction (read, but kept in the buffer) and rolls it back once the answer has been
// written, then re-emits readyRead: Qt only ever has one request at a time.
//
// Timers: one single-shot coarse QTimer, re-armed for the phase the connection is in: TLS
// handshake and request head (header timeout), body (body timeout), nothing to do (idle
// timeout). While a complete request waits to be handled or answered no timer runs. Answers are
// noticed through bytesWritten: HttpExchange queues a whole answer in one go, so the first
// byte of it leaving means all of it is ahead of anything written later.
class ConnectionGuard : public QObject
{
    Q_OBJECT
public:
    ConnectionGuard(QTcpSocket *socket, const HttpLimits &limits, bool tls);

    // Connects the slot that must run after QHttpServer's readyRead handler. Call right after
    // QTcpServer::addPendingConnection(): Qt 6.4 connects its handler inside that call.
    void followServer();

private:
    enum class Mode { None, Handshake, Header, Body, Idle, Linger };

    void beforeServerReads();
    void afterServerReads();
    void bytesWritten(qint64 bytes);
    void timerFired();
    void process(const QList<RequestHeadTracker::Event> &events);
    void settle();
    void arm(Mode mode, int milliseconds);
    void swallowInput();
    void hideInput();
    void releaseInput();
    bool busy() const { return m_awaitingAnswer || !m_pendingEnds.isEmpty(); }
    void respondAndClose(int status, const QString &code, const QString &message);
    void closeGracefully();
    void halfCloseAndLinger();
    qint64 consumedByServer() const { return m_tracker.offset() - m_unreadSeen; }

    QTcpSocket *m_socket;
    HttpLimits m_limits;
    bool m_tls;
    RequestHeadTracker m_tracker;
    QTimer m_timer;
    Mode m_mode = Mode::None;
    qint64 m_unreadSeen = 0;     // bytes fed to the tracker that Qt has not read yet
    qint64 m_hidden = 0;         // of those, read by us inside a transaction (held back)
    QList<qint64> m_pendingEnds; // end offsets of complete requests Qt has not read yet
    bool m_awaitingAnswer = false; // Qt dispatched a request that is not answered yet
    qint64 m_stopAt = -1;        // stream offset Qt must not read past (-1: none)
    std::optional<RequestHeadTracker::Verdict> m_verdict; // answer at m_stopAt (none: just close)
    bool m_continuePending = false;
    qint64 m_ownUnflushed = 0;   // bytes of our own interim answers (100) not yet written
    bool m_closing = false;      // we are closing: every further byte is dropped
    bool m_lingerPending = false; // half-close once our final answer has left
};
