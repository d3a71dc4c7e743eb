#include "RequestHeadTracker.h"

#include <limits>

namespace {
const QString kMalformed = QStringLiteral("MALFORMED_REQUEST");

// RFC 9110 §5.6.2 tchar.
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text)
        if (!isTokenChar(c))
            return false;
    return true;
}

char asciiLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i)
        if (asciiLower(a[i]) != asciiLower(b[i]))
            return false;
    return true;
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

QByteArrayView trimmedOws(QByteArrayView text)
{
    while (!text.isEmpty() && isOws(text.front()))
        text = text.sliced(1);
    while (!text.isEmpty() && isOws(text.back()))
        text.chop(1);
    return text;
}

// The path of a request-target, in origin-form or absolute-form, without the query.
QByteArrayView targetPath(QByteArrayView target)
{
    if (!target.startsWith('/')) {
        const qsizetype scheme = target.indexOf("://");
        if (scheme < 0)
            return {};
        const qsizetype slash = target.indexOf('/', scheme + 3);
        if (slash < 0)
            return "/";
        target = target.sliced(slash);
    }
    const qsizetype query = target.indexOf('?');
    return query < 0 ? target : target.first(query);
}

bool isAcceptableTarget(QByteArrayView target, QByteArrayView method)
{
    if (target.startsWith('/'))
        return true;
    if (target == "*")
        return method == "OPTIONS";
    // absolute-form: what a client talking to a proxy sends; allowed for any server (§3.2.2).
    return target.size() > 8 &&
           (equalsIgnoreCase(target.first(7), "http://") || equalsIgnoreCase(target.first(8), "https://"));
}
} // namespace

RequestHeadTracker::RequestHeadTracker(const HttpLimits &limits)
    : m_limits(limits), m_maxHead(qMin<qint64>(limits.maxHeaderBytes, kMaxHeadCeiling))
{
}

qint64 RequestHeadTracker::bodyLimit(QByteArrayView method, QByteArrayView target) const
{
    if (method == "PUT" && targetPath(target) == "/api/v1/me/avatar")
        return m_limits.maxAvatarBytes;
    return m_limits.maxBodyBytes;
}

QList<RequestHeadTracker::Event> RequestHeadTracker::feed(QByteArrayView bytes)
{
    QList<Event> events;
    qsizetype i = 0;
    while (i < bytes.size()) {
        if (m_phase == Phase::Rejected || m_phase == Phase::Closed) {
            m_offset += bytes.size() - i;
            break;
        }
        if (m_state == State::Body) {
            // Bodies are skipped in bulk: only their length matters here.
            const qint64 take = qMin<qint64>(m_bodyRemaining, bytes.size() - i);
            m_bodyRemaining -= take;
            m_offset += take;
            i += take;
            if (m_bodyRemaining == 0)
                messageComplete(events);
            continue;
        }
        const char c = bytes[i++];
        ++m_offset;
        step(c, events);
    }
    return events;
}

void RequestHeadTracker::beginRequest()
{
    m_request = Request{};
    m_request.start = m_offset - 1; // feed() has counted the byte already
    m_phase = Phase::Head;
    m_version.clear();
    m_line.clear();
    m_headBytes = 0;
    m_fields = 0;
    m_hosts = 0;
    m_hasContentLength = false;
    m_hasTransferEncoding = false;
    m_connectionClose = false;
    m_expectContinue = false;
    m_bodyRemaining = 0;
}

bool RequestHeadTracker::step(char c, QList<Event> &events)
{
    if (m_phase == Phase::Idle)
        beginRequest();
    ++m_headBytes;
    // The target limit is checked before the head limit: 414 says more than 431 would.
    if (m_state == State::Target && c != ' ' && m_request.target.size() >= m_limits.maxUrlBytes)
        return reject(414, QStringLiteral("URI_TOO_LONG"),
                      QStringLiteral("the request target is longer than %1 bytes")
                          .arg(m_limits.maxUrlBytes),
                      events);
    if (m_headBytes > m_maxHead)
        return reject(431, QStringLiteral("HEADERS_TOO_LARGE"),
                      QStringLiteral("the request line and header fields are larger than %1 bytes")
                          .arg(m_maxHead),
                      events);

    switch (m_state) {
    case State::Start:
        // Empty lines before a request-line are ignored (RFC 9112 §2.2).
        if (c == '\n')
            return true;
        if (c == '\r') {
            m_state = State::StartCr;
            return true;
        }
        m_state = State::Method;
        [[fallthrough]];
    case State::Method:
        if (c == ' ' && !m_request.method.isEmpty()) {
            m_state = State::Target;
            return true;
        }
        if (isTokenChar(c)) {
            m_request.method.append(c);
            return true;
        }
        return malformed(QStringLiteral("the request line does not start with a method token"), events);
    case State::StartCr:
        if (c != '\n')
            return malformed(QStringLiteral("a CR not followed by LF before the request line"), events);
        m_state = State::Start;
        return true;
    case State::Target:
        if (c == ' ') {
            if (!isAcceptableTarget(m_request.target, m_request.method))
                return malformed(QStringLiteral("the request target is not a path (/…) or an "
                                                "absolute http(s) URL"),
                                 events);
            m_state = State::Version;
            return true;
        }
        if (c > ' ' && c < 0x7f) {
            m_request.target.append(c);
            return true;
        }
        return malformed(QStringLiteral("the request line is malformed: expected METHOD TARGET "
                                        "HTTP/1.1 separated by single spaces"),
                         events);
    case State::Version:
        return versionByte(c, events);
    case State::VersionCr:
        if (c != '\n')
            return malformed(QStringLiteral("a CR not followed by LF in the request line"), events);
        m_state = State::Field;
        return true;
    case State::Field:
        if (c != '\n') {
            m_line.append(c);
            return true;
        }
        if (m_line.endsWith('\r'))
            m_line.chop(1);
        if (m_line.isEmpty())
            return headComplete(events);
        if (!fieldLine(m_line, events))
            return false;
        m_line.clear();
        return true;
    case State::Body:
    case State::Done:
        break;
    }
    return true;
}

bool RequestHeadTracker::versionByte(char c, QList<Event> &events)
{
    static constexpr QByteArrayView prefix("HTTP/1.");
    if (c == '\r' || c == '\n') {
        if (m_version.size() != prefix.size() + 1)
            return malformed(QStringLiteral("the request line does not end with HTTP/1.0 or "
                                            "HTTP/1.1"),
                             events);
        m_request.minorVersion = m_version.back() - '0';
        m_state = c == '\r' ? State::VersionCr : State::Field;
        return true;
    }
    const qsizetype at = m_version.size();
    const bool fits = at < prefix.size() ? c == prefix[at]
                                         : at == prefix.size() && (c == '0' || c == '1');
    if (!fits)
        return malformed(QStringLiteral("only HTTP/1.0 and HTTP/1.1 requests are accepted"), events);
    m_version.append(c);
    return true;
}

bool RequestHeadTracker::fieldLine(QByteArrayView line, QList<Event> &events)
{
    if (isOws(line.front()))
        return malformed(QStringLiteral("obsolete line folding (a header line starting with "
                                        "whitespace) is not accepted"),
                         events);
    if (line.contains('\r'))
        return malformed(QStringLiteral("a CR not followed by LF in a header field"), events);
    const qsizetype colon = line.indexOf(':');
    if (colon < 0)
        return malformed(QStringLiteral("a header line has no colon"), events);
    const QByteArrayView name = line.first(colon);
    if (!name.isEmpty() && isOws(name.back()))
        return malformed(QStringLiteral("whitespace between a header field name and its colon"), events);
    if (!isToken(name))
        return malformed(QStringLiteral("a header field name is not a token"), events);
    if (++m_fields > kMaxFields)
        return reject(431, QStringLiteral("HEADERS_TOO_LARGE"),
                      QStringLiteral("more than %1 header fields").arg(kMaxFields), events);
    const QByteArrayView value = trimmedOws(line.sliced(colon + 1));
    for (char c : value) {
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
            return malformed(QStringLiteral("the value of header field %1 contains control "
                                            "characters")
                                 .arg(QString::fromLatin1(name)),
                             events);
    }

    if (equalsIgnoreCase(name, "content-length")) {
        // Digits only: Qt reads "+5" or "5, 5" differently than a proxy in front of us might.
        if (value.isEmpty())
            return malformed(QStringLiteral("Content-Length is not a decimal number"), events);
        qint64 length = 0;
        for (char c : value) {
            if (c < '0' || c > '9')
                return malformed(QStringLiteral("Content-Length is not a decimal number"), events);
            // Saturate: any length this large is refused as too large, not as malformed.
            constexpr qint64 cap = std::numeric_limits<qint64>::max() / 16;
            length = length > cap ? cap : length * 10 + (c - '0');
        }
        if (m_hasContentLength && length != m_request.contentLength)
            return malformed(QStringLiteral("conflicting Content-Length fields"), events);
        m_hasContentLength = true;
        m_request.contentLength = length;
    } else if (equalsIgnoreCase(name, "transfer-encoding")) {
        m_hasTransferEncoding = true;
    } else if (equalsIgnoreCase(name, "host")) {
        ++m_hosts;
    } else if (equalsIgnoreCase(name, "connection")) {
        for (QByteArrayView option : QByteArray(value.data(), value.size()).split(','))
            m_connectionClose |= equalsIgnoreCase(trimmedOws(option), "close");
    } else if (equalsIgnoreCase(name, "expect")) {
        m_expectContinue = equalsIgnoreCase(value, "100-continue");
    }
    return true;
}

bool RequestHeadTracker::headComplete(QList<Event> &events)
{
    if (m_hosts > 1 || (m_request.minorVersion == 1 && m_hosts == 0))
        return malformed(QStringLiteral("an HTTP/1.1 request needs exactly one Host field"), events);
    if (m_hasTransferEncoding && m_hasContentLength)
        return malformed(QStringLiteral("Transfer-Encoding and Content-Length together"), events);
    if (m_hasTransferEncoding)
        return reject(411, QStringLiteral("LENGTH_REQUIRED"),
                      QStringLiteral("chunked or otherwise transfer-encoded request bodies are not "
                                     "accepted; send Content-Length"),
                      events);
    const qint64 limit = bodyLimit(m_request.method, m_request.target);
    if (m_request.contentLength > limit)
        return reject(413, QStringLiteral("PAYLOAD_TOO_LARGE"),
                      QStringLiteral("the request body is larger than %1 bytes").arg(limit),
                      events);
    m_request.closeAfter = m_request.minorVersion == 0 || m_connectionClose;
    m_request.expectContinue = m_request.minorVersion == 1 && m_expectContinue &&
                               m_request.contentLength > 0;
    m_line.clear();
    events.append(Event{Event::Kind::HeadComplete, m_request, m_offset});
    if (m_request.contentLength == 0) {
        messageComplete(events);
    } else {
        m_bodyRemaining = m_request.contentLength;
        m_state = State::Body;
        m_phase = Phase::Body;
    }
    return true;
}

void RequestHeadTracker::messageComplete(QList<Event> &events)
{
    events.append(Event{Event::Kind::MessageComplete, m_request, m_offset});
    if (m_request.closeAfter) {
        m_state = State::Done;
        m_phase = Phase::Closed;
    } else {
        m_state = State::Start;
        m_phase = Phase::Idle;
    }
}

bool RequestHeadTracker::reject(int status, const QString &code, const QString &message,
                                QList<Event> &events)
{
    m_verdict = Verdict{status, code, message};
    m_phase = Phase::Rejected;
    m_state = State::Done;
    m_line.clear();
    events.append(Event{Event::Kind::Rejected, m_request, m_request.start});
    return false;
}

bool RequestHeadTracker::malformed(const QString &message, QList<Event> &events)
{
    return reject(400, kMalformed, message, events);
}
