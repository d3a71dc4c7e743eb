#pragma once

#include "HttpLimits.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

// Follows the HTTP/1.1 framing of one connection's incoming byte stream (pipelined requests
// included) without buffering bodies: where each request head ends, whether it is acceptable,
// how long its body is, and so where the next request starts. ConnectionGuard feeds it every
// byte before QHttpServer sees it, so a request Qt 6.4 would mis-frame (it has no limits, takes
// the first of two Content-Length fields, drops all fields past the 100th) never reaches Qt.
//
// Deliberately stricter than RFC 9112 allows, never laxer than Qt's own parser:
//  - request-line: `token SP request-target SP HTTP/1.0|HTTP/1.1`, single spaces; the target is
//    visible ASCII in origin-form (/…), asterisk-form (*) or absolute-form (http(s)://…).
//  - lines end in CRLF; a bare LF is accepted as well (RFC 9112 §2.2 allows it, and so does
//    Qt, so both see the same lines); a CR anywhere else is an error. Empty lines before a
//    request-line are skipped (§2.2).
//  - field-name is a token directly followed by ':' (whitespace before the colon: 400, §5.1);
//    a line starting with SP/HTAB (obs-fold) is 400 (§5.2); values may not hold CTLs but HTAB.
//  - Content-Length is digits only; repeated fields must agree; Host exactly once in 1.1.
//  - Transfer-Encoding in a request is refused: we accept no chunked uploads (every client we
//    serve knows its body length), so it is 411 LENGTH_REQUIRED, or 400 together with
//    Content-Length (the classic smuggling pair, §6.3).
// Limits: request-target over maxUrlBytes 414; head over maxHeaderBytes (or more than 100
// fields) 431; Content-Length over the body limit 413 — maxAvatarBytes for
// PUT /api/v1/me/avatar, maxBodyBytes otherwise. Both length checks fire as soon as the limit is
// passed, before the head is complete, so nothing unbounded is ever buffered.
class RequestHeadTracker
{
public:
    // Qt 6.4's header parser silently drops every field (Content-Length too) beyond these, so
    // the tracker must refuse such heads itself: 100 fields, and 100 KiB per field / 256 KiB in
    // all, which a head below kMaxHeadCeiling can never reach.
    static constexpr int kMaxFields = 100;
    static constexpr int kMaxHeadCeiling = 96 * 1024;

    struct Verdict
    {
        int status = 0;          // 400, 411, 413, 414 or 431
        QString code;            // MALFORMED_REQUEST, LENGTH_REQUIRED, PAYLOAD_TOO_LARGE, ...
        QString message;         // for the client; never contains a field value
    };

    struct Request
    {
        QByteArray method;
        QByteArray target;
        int minorVersion = 1;     // HTTP/1.x
        qint64 contentLength = 0;
        bool expectContinue = false; // HTTP/1.1, "Expect: 100-continue" and a body to come
        bool closeAfter = false;     // "Connection: close" or HTTP/1.0: nothing may follow it
        qint64 start = 0;            // stream offset of its first byte (leading empty lines too)
    };

    struct Event
    {
        enum class Kind { HeadComplete, MessageComplete, Rejected };
        Kind kind;
        Request request;  // HeadComplete, MessageComplete: the request; Rejected: what was read
        qint64 offset;    // HeadComplete: end of the head; MessageComplete: end of the body;
                          // Rejected: start of the rejected request
    };

    enum class Phase
    {
        Idle,     // between requests (nothing of the next one seen yet)
        Head,     // inside a request head
        Body,     // inside a request body
        Closed,   // after a request that ends the connection: further bytes are ignored
        Rejected, // a verdict was given: further bytes are ignored
    };

    explicit RequestHeadTracker(const HttpLimits &limits);

    // Feeds the next bytes of the stream; returns what they completed, in stream order.
    QList<Event> feed(QByteArrayView bytes);

    Phase phase() const { return m_phase; }
    const Verdict &verdict() const { return m_verdict; }
    qint64 offset() const { return m_offset; }            // bytes fed so far
    const Request &current() const { return m_request; } // the request being read
    qint64 bodyRemaining() const { return m_bodyRemaining; }

    // The body limit that applies to a request (the avatar upload has its own).
    qint64 bodyLimit(QByteArrayView method, QByteArrayView target) const;

private:
    enum class State { Start, StartCr, Method, Target, Version, VersionCr, Field, Body, Done };

    bool step(char c, QList<Event> &events); // false: rejected
    void beginRequest();
    bool versionByte(char c, QList<Event> &events);
    bool fieldLine(QByteArrayView line, QList<Event> &events);
    bool headComplete(QList<Event> &events);
    void messageComplete(QList<Event> &events);
    bool reject(int status, const QString &code, const QString &message, QList<Event> &events);
    bool malformed(const QString &message, QList<Event> &events);

    HttpLimits m_limits;
    qint64 m_maxHead;
    State m_state = State::Start;
    Phase m_phase = Phase::Idle;
    qint64 m_offset = 0;
    Request m_request;
    Verdict m_verdict;
    QByteArray m_version;     // the bytes after the target's SP, checked as they come
    QByteArray m_line;        // the field line being read (bounded by the head limit)
    qint64 m_headBytes = 0;
    int m_fields = 0;
    int m_hosts = 0;
    bool m_hasContentLength = false;
    bool m_hasTransferEncoding = false;
    bool m_connectionClose = false;
    bool m_expectContinue = false;
    qint64 m_bodyRemaining = 0;
};
