// RequestHeadTracker: HTTP/1.1 request framing, validation and limits over a raw byte stream.
// Every stream is fed in one piece, byte by byte, and (when short) split in two at every
// position: the events must not depend on how the bytes arrive.
#include "server/http/RequestHeadTracker.h"

#include <QtTest>

namespace {
// Small limits so that "exactly at" and "one over" stay readable.
HttpLimits testLimits(int maxHeaderBytes)
{
    HttpLimits limits;
    limits.maxHeaderBytes = maxHeaderBytes;
    limits.maxUrlBytes = 64;
    limits.maxBodyBytes = 100;
    limits.maxAvatarBytes = 200;
    return limits;
}

QString phaseName(RequestHeadTracker::Phase phase)
{
    switch (phase) {
    case RequestHeadTracker::Phase::Idle: return QStringLiteral("idle");
    case RequestHeadTracker::Phase::Head: return QStringLiteral("head");
    case RequestHeadTracker::Phase::Body: return QStringLiteral("body");
    case RequestHeadTracker::Phase::Closed: return QStringLiteral("closed");
    case RequestHeadTracker::Phase::Rejected: return QStringLiteral("rejected");
    }
    return {};
}

// One line per event, then the final phase:
//   "H GET /a 1.1 cl=5 continue close @40" head complete (flags only when set), "M @45" message
//   complete, "R 413 PAYLOAD_TOO_LARGE @0" rejected (offset: start of the refused request).
QString render(const QList<RequestHeadTracker::Event> &events, const RequestHeadTracker &tracker)
{
    QStringList lines;
    for (const auto &event : events) {
        switch (event.kind) {
        case RequestHeadTracker::Event::Kind::HeadComplete: {
            QString line = QStringLiteral("H %1 %2 1.%3 cl=%4")
                               .arg(QString::fromLatin1(event.request.method),
                                    QString::fromLatin1(event.request.target))
                               .arg(event.request.minorVersion)
                               .arg(event.request.contentLength);
            if (event.request.expectContinue)
                line += QStringLiteral(" continue");
            if (event.request.closeAfter)
                line += QStringLiteral(" close");
            lines << line + QStringLiteral(" @%1").arg(event.offset);
            break;
        }
        case RequestHeadTracker::Event::Kind::MessageComplete:
            lines << QStringLiteral("M @%1").arg(event.offset);
            break;
        case RequestHeadTracker::Event::Kind::Rejected:
            lines << QStringLiteral("R %1 %2 @%3")
                         .arg(tracker.verdict().status)
                         .arg(tracker.verdict().code)
                         .arg(event.offset);
            break;
        }
    }
    lines << phaseName(tracker.phase());
    return lines.join(QLatin1Char('\n'));
}

QString runInPieces(const QByteArray &stream, const QList<qsizetype> &cuts, int maxHeaderBytes)
{
    RequestHeadTracker tracker(testLimits(maxHeaderBytes));
    QList<RequestHeadTracker::Event> events;
    qsizetype from = 0;
    for (qsizetype cut : cuts) {
        events += tracker.feed(QByteArrayView(stream).sliced(from, cut - from));
        from = cut;
    }
    events += tracker.feed(QByteArrayView(stream).sliced(from));
    if (tracker.offset() != stream.size())
        return QStringLiteral("offset %1 != %2").arg(tracker.offset()).arg(stream.size());
    return render(events, tracker);
}

QByteArray get(const QByteArray &target, const QByteArray &fields = "Host: a\r\n")
{
    return "GET " + target + " HTTP/1.1\r\n" + fields + "\r\n";
}

QByteArray request(const QByteArray &method, const QByteArray &target, const QByteArray &fields)
{
    return method + ' ' + target + " HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n";
}
} // namespace

class TestRequestHeadTracker : public QObject
{
    Q_OBJECT

private slots:
    void framing_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<int>("maxHeaderBytes");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char *name, const QByteArray &stream, const QString &expected,
                            int maxHeaderBytes = 256) {
            QTest::newRow(name) << stream << maxHeaderBytes << expected;
        };
        const QByteArray simple = get("/");

        // --- valid heads ------------------------------------------------------------------
        row("simple GET", simple, QStringLiteral("H GET / 1.1 cl=0 @27\nM @27\nidle"));
        row("bare LF line ends", "GET /lf HTTP/1.1\nHost: a\n\n",
            QStringLiteral("H GET /lf 1.1 cl=0 @26\nM @26\nidle"));
        row("mixed line ends", "GET / HTTP/1.1\r\nHost: a\n\r\n",
            QStringLiteral("H GET / 1.1 cl=0 @26\nM @26\nidle"));
        row("empty lines before the request line", "\r\n\n" + simple,
            QStringLiteral("H GET / 1.1 cl=0 @30\nM @30\nidle"));
        row("HTTP/1.0 without Host closes", "GET /old HTTP/1.0\r\n\r\n",
            QStringLiteral("H GET /old 1.0 cl=0 close @21\nM @21\nclosed"));
        row("absolute-form", get("http://a/x?y=1"),
            QStringLiteral("H GET http://a/x?y=1 1.1 cl=0 @40\nM @40\nidle"));
        row("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            QStringLiteral("H OPTIONS * 1.1 cl=0 @31\nM @31\nidle"));
        row("lowercase method is a token", get("/").replace("GET", "get"),
            QStringLiteral("H get / 1.1 cl=0 @27\nM @27\nidle"));
        row("field values: OWS, empty, obs-text", get("/", "Host: a\r\nX-A:   b c \t\r\nX-E:\r\nX-U: \xc3\xa9\r\n"),
            QStringLiteral("H GET / 1.1 cl=0 @56\nM @56\nidle"));
        row("body", request("POST", "/p", "Content-Length: 5\r\n") + "hello",
            QStringLiteral("H POST /p 1.1 cl=5 @48\nM @53\nidle"));
        row("Content-Length with OWS", request("POST", "/p", "Content-Length:  5 \r\n") + "hello",
            QStringLiteral("H POST /p 1.1 cl=5 @50\nM @55\nidle"));
        row("repeated equal Content-Length",
            request("POST", "/p", "Content-Length: 2\r\ncontent-length: 2\r\n") + "ab",
            QStringLiteral("H POST /p 1.1 cl=2 @67\nM @69\nidle"));
        row("partial body", request("POST", "/p", "Content-Length: 5\r\n") + "hel",
            QStringLiteral("H POST /p 1.1 cl=5 @48\nbody"));
        row("partial head", "GET / HTTP/1.1\r\nHo", QStringLiteral("head"));
        row("empty lines only", "\r\n\r\n", QStringLiteral("head"));
        row("pipelined with bodies",
            request("POST", "/a", "Content-Length: 3\r\n") + "abc" +
                request("PUT", "/b", "Content-Length: 2\r\n") + "xy" + get("/c"),
            QStringLiteral("H POST /a 1.1 cl=3 @48\nM @51\nH PUT /b 1.1 cl=2 @98\nM @100\n"
                           "H GET /c 1.1 cl=0 @128\nM @128\nidle"));
        row("Connection: close ends the stream",
            get("/", "Host: a\r\nConnection: keep-alive, Close\r\n") + get("/ignored"),
            QStringLiteral("H GET / 1.1 cl=0 close @58\nM @58\nclosed"));
        row("HTTP/1.0 body then close", "POST /o HTTP/1.0\r\nContent-Length: 2\r\n\r\nokGET",
            QStringLiteral("H POST /o 1.0 cl=2 close @39\nM @41\nclosed"));

        // --- Expect: 100-continue ---------------------------------------------------------
        row("100-continue", request("PUT", "/u", "Content-Length: 4\r\nExpect: 100-Continue\r\n"),
            QStringLiteral("H PUT /u 1.1 cl=4 continue @69\nbody"));
        row("100-continue with its body", request("PUT", "/u", "Content-Length: 4\r\nExpect: 100-continue\r\n") + "data",
            QStringLiteral("H PUT /u 1.1 cl=4 continue @69\nM @73\nidle"));
        row("100-continue without a body", request("PUT", "/u", "Content-Length: 0\r\nExpect: 100-continue\r\n"),
            QStringLiteral("H PUT /u 1.1 cl=0 @69\nM @69\nidle"));
        row("100-continue in HTTP/1.0", "PUT /u HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n",
            QStringLiteral("H PUT /u 1.0 cl=1 close @60\nbody"));
        row("other expectation", request("PUT", "/u", "Content-Length: 1\r\nExpect: something\r\n"),
            QStringLiteral("H PUT /u 1.1 cl=1 @66\nbody"));

        // --- limits: exactly at, one over -------------------------------------------------
        const QByteArray url64 = '/' + QByteArray(63, 'u');
        row("target at max-url-size", get(url64),
            QStringLiteral("H GET %1 1.1 cl=0 @90\nM @90\nidle").arg(QString::fromLatin1(url64)));
        row("target one over", get(url64 + 'u'), QStringLiteral("R 414 URI_TOO_LONG @0\nrejected"));
        row("target one over, line not finished", "GET " + url64 + "uuu",
            QStringLiteral("R 414 URI_TOO_LONG @0\nrejected"));
        // Head = request line + fields + empty line: 16 + 10 + (n + 9) + 2 with "X-P: " + n.
        const auto head = [](int size) {
            return get("/", "Host: a\r\nX-P: " + QByteArray(size - 16 - 9 - 7 - 2, 'p') + "\r\n");
        };
        row("head at max-header-size", head(256), QStringLiteral("H GET / 1.1 cl=0 @256\nM @256\nidle"));
        row("head one over", head(257), QStringLiteral("R 431 HEADERS_TOO_LARGE @0\nrejected"));
        row("head over, not finished", "GET / HTTP/1.1\r\nX: " + QByteArray(300, 'x'),
            QStringLiteral("R 431 HEADERS_TOO_LARGE @0\nrejected"));
        QByteArray fields = "Host: a\r\n";
        for (int i = 1; i < RequestHeadTracker::kMaxFields; ++i)
            fields += "X-" + QByteArray::number(i) + ": v\r\n";
        row("100 fields", get("/", fields), QStringLiteral("H GET / 1.1 cl=0 @%1\nM @%1\nidle").arg(get("/", fields).size()), 4096);
        row("101 fields", get("/", fields + "X-101: v\r\n"),
            QStringLiteral("R 431 HEADERS_TOO_LARGE @0\nrejected"), 4096);
        row("body at max-body-size", request("POST", "/p", "Content-Length: 100\r\n") + QByteArray(100, 'b'),
            QStringLiteral("H POST /p 1.1 cl=100 @50\nM @150\nidle"));
        row("body one over", request("POST", "/p", "Content-Length: 101\r\n"),
            QStringLiteral("R 413 PAYLOAD_TOO_LARGE @0\nrejected"));
        row("huge Content-Length", request("POST", "/p", "Content-Length: 99999999999999999999999999\r\n"),
            QStringLiteral("R 413 PAYLOAD_TOO_LARGE @0\nrejected"));
        row("avatar at max-avatar-size", request("PUT", "/api/v1/me/avatar", "Content-Length: 200\r\n"),
            QStringLiteral("H PUT /api/v1/me/avatar 1.1 cl=200 @64\nbody"));
        row("avatar one over", request("PUT", "/api/v1/me/avatar?x=1", "Content-Length: 201\r\n"),
            QStringLiteral("R 413 PAYLOAD_TOO_LARGE @0\nrejected"));
        row("avatar path, other method", request("POST", "/api/v1/me/avatar", "Content-Length: 150\r\n"),
            QStringLiteral("R 413 PAYLOAD_TOO_LARGE @0\nrejected"));

        // --- malformed request lines ------------------------------------------------------
        const QString bad = QStringLiteral("R 400 MALFORMED_REQUEST @0\nrejected");
        row("garbage", QByteArray("\x00\x01garbage\r\n\r\n", 13), bad);
        row("TLS handshake on the plain port", QByteArray("\x16\x03\x01\x02\x00\x01", 6), bad);
        row("method only", "GET\r\n\r\n", bad);
        row("no version (HTTP/0.9)", "GET /\r\n\r\n", bad);
        row("two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", bad);
        row("leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", bad);
        row("method not a token", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", bad);
        row("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", bad);
        row("HTTP/1.2", "GET / HTTP/1.2\r\n", bad);
        row("lowercase version", "GET / http/1.1\r\n", bad);
        row("trailing text", "GET / HTTP/1.1 x\r\n", bad);
        row("relative target", get("index.html"), bad);
        row("asterisk with GET", get("*"), bad);
        row("control char in target", "GET /a\x01 HTTP/1.1\r\n", bad);
        row("space-free target with tab", "GET /a\tb HTTP/1.1\r\n", bad);
        row("bare CR in request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", bad);
        row("bare CR before the request", "\rGET / HTTP/1.1\r\n", bad);

        // --- malformed fields ---------------------------------------------------------------
        row("space in a field name", get("/", "Host: a\r\nBad Name: x\r\n"), bad);
        row("space before the colon", get("/", "Host : a\r\n"), bad);
        row("tab before the colon", get("/", "Host\t: a\r\n"), bad);
        row("empty field name", get("/", "Host: a\r\n: x\r\n"), bad);
        row("field name not a token", get("/", "Host: a\r\nNa(me: x\r\n"), bad);
        row("no colon", get("/", "Host: a\r\nNoColon\r\n"), bad);
        row("obs-fold", get("/", "Host: a\r\nX-A: one\r\n  two\r\n"), bad);
        row("obs-fold with tab", get("/", "Host: a\r\nX-A: one\r\n\ttwo\r\n"), bad);
        row("control char in a value", get("/", "Host: a\r\nX-A: a\x01b\r\n"), bad);
        row("NUL in a value", get("/", QByteArray("Host: a\r\nX-A: a\0b\r\n", 20)), bad);
        row("bare CR in a value", get("/", "Host: a\r\nX-A: a\rb\r\n"), bad);
        row("missing Host", "GET / HTTP/1.1\r\n\r\n", bad);
        row("two Hosts", get("/", "Host: a\r\nHost: b\r\n"), bad);

        // --- Content-Length and Transfer-Encoding -------------------------------------------
        row("Content-Length not a number", request("POST", "/p", "Content-Length: abc\r\n"), bad);
        row("negative Content-Length", request("POST", "/p", "Content-Length: -1\r\n"), bad);
        row("Content-Length with a sign", request("POST", "/p", "Content-Length: +5\r\n"), bad);
        row("Content-Length list", request("POST", "/p", "Content-Length: 5, 5\r\n"), bad);
        row("empty Content-Length", request("POST", "/p", "Content-Length:\r\n"), bad);
        row("conflicting Content-Length", request("POST", "/p", "Content-Length: 5\r\nContent-Length: 6\r\n"), bad);
        row("Transfer-Encoding: chunked", request("POST", "/p", "Transfer-Encoding: chunked\r\n"),
            QStringLiteral("R 411 LENGTH_REQUIRED @0\nrejected"));
        row("Transfer-Encoding: identity", request("POST", "/p", "Transfer-Encoding: identity\r\n"),
            QStringLiteral("R 411 LENGTH_REQUIRED @0\nrejected"));
        row("Transfer-Encoding and Content-Length",
            request("POST", "/p", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), bad);

        // --- a bad request after good ones --------------------------------------------------
        row("good, then garbage", simple + "\x01\x02\r\n\r\n",
            QStringLiteral("H GET / 1.1 cl=0 @27\nM @27\nR 400 MALFORMED_REQUEST @27\nrejected"));
        row("good, then too large", simple + request("POST", "/p", "Content-Length: 1000\r\n") + "x",
            QStringLiteral("H GET / 1.1 cl=0 @27\nM @27\nR 413 PAYLOAD_TOO_LARGE @27\nrejected"));
        row("body, then chunked", request("POST", "/p", "Content-Length: 1\r\n") + "x" +
                                      request("POST", "/q", "Transfer-Encoding: chunked\r\n"),
            QStringLiteral("H POST /p 1.1 cl=1 @48\nM @49\nR 411 LENGTH_REQUIRED @49\nrejected"));
    }

    void framing()
    {
        QFETCH(QByteArray, stream);
        QFETCH(int, maxHeaderBytes);
        QFETCH(QString, expected);

        QCOMPARE(runInPieces(stream, {}, maxHeaderBytes), expected);
        QList<qsizetype> everyByte;
        for (qsizetype i = 1; i < stream.size(); ++i)
            everyByte << i;
        QCOMPARE(runInPieces(stream, everyByte, maxHeaderBytes), expected);
        if (stream.size() <= 1024) {
            for (qsizetype i = 1; i < stream.size(); ++i) {
                const QString split = runInPieces(stream, {i}, maxHeaderBytes);
                QVERIFY2(split == expected, qPrintable(QStringLiteral("split at %1:\n%2").arg(i).arg(split)));
            }
        }
    }

    void verdictMessagesNameNoValues()
    {
        RequestHeadTracker tracker(testLimits(256));
        (void)tracker.feed(get("/", "Host: a\r\nX-Secret: tok\x01" "en\r\n"));
        QCOMPARE(tracker.verdict().status, 400);
        QVERIFY(tracker.verdict().message.contains(QStringLiteral("X-Secret")));
        QVERIFY(!tracker.verdict().message.contains(QStringLiteral("tok")));
    }

    void rejectedStreamIgnoresTheRest()
    {
        RequestHeadTracker tracker(testLimits(256));
        QCOMPARE(tracker.feed("BAD\x01").size(), 1);
        QCOMPARE(tracker.feed(simpleRequest()).size(), 0);
        QCOMPARE(tracker.phase(), RequestHeadTracker::Phase::Rejected);
        QCOMPARE(tracker.offset(), 4 + simpleRequest().size());
    }

    void largeBodiesAreSkippedNotBuffered()
    {
        HttpLimits limits;
        limits.maxBodyBytes = 64 * 1024 * 1024;
        RequestHeadTracker tracker(limits);
        QCOMPARE(tracker.feed(request("POST", "/p", "Content-Length: 50000000\r\n")).size(), 1);
        const QByteArray chunk(1024 * 1024, 'b');
        for (int i = 0; i < 47; ++i)
            QVERIFY(tracker.feed(chunk).isEmpty());
        QCOMPARE(tracker.bodyRemaining(), 50000000 - 47 * 1024 * 1024);
        const auto events = tracker.feed(QByteArray(tracker.bodyRemaining(), 'b') + get("/next"));
        QCOMPARE(events.size(), 3);
        QCOMPARE(events.at(2).request.target, QByteArray("/next"));
    }

    void headLimitNeverExceedsWhatQtCanParse()
    {
        HttpLimits limits;
        limits.maxHeaderBytes = 1024 * 1024; // the configurable maximum
        RequestHeadTracker tracker(limits);
        const auto events = tracker.feed(get("/", "Host: a\r\nX-Big: " + QByteArray(200 * 1024, 'x') + "\r\n"));
        QCOMPARE(events.size(), 1);
        QCOMPARE(tracker.verdict().status, 431);
    }

    void bodyLimit_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<qint64>("limit");
        QTest::newRow("avatar") << QByteArray("PUT") << QByteArray("/api/v1/me/avatar") << qint64(200);
        QTest::newRow("avatar with query") << QByteArray("PUT") << QByteArray("/api/v1/me/avatar?v=2") << qint64(200);
        QTest::newRow("avatar absolute-form") << QByteArray("PUT") << QByteArray("https://id.example/api/v1/me/avatar") << qint64(200);
        QTest::newRow("avatar, GET") << QByteArray("GET") << QByteArray("/api/v1/me/avatar") << qint64(100);
        QTest::newRow("below avatar") << QByteArray("PUT") << QByteArray("/api/v1/me/avatar/x") << qint64(100);
        QTest::newRow("other") << QByteArray("PUT") << QByteArray("/api/v1/me") << qint64(100);
    }

    void bodyLimit()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(qint64, limit);
        QCOMPARE(RequestHeadTracker(testLimits(256)).bodyLimit(method, target), limit);
    }

private:
    static QByteArray simpleRequest() { return get("/"); }
};

QTEST_APPLESS_MAIN(TestRequestHeadTracker)
#include "TestRequestHeadTracker.moc"
