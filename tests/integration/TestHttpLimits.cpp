// gatehoused's request limits, timeouts, keep-alive and TLS end to end, over raw sockets: what
// Qt 6.4's QHttpServer does not enforce, ConnectionListener and ConnectionGuard must. Runs the
// real binary against the throwaway PostgreSQL and Redis of scripts/test.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/TestHttp.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <sys/resource.h>

#include <memory>
#include <vector>
#include <QtTest>

namespace {
struct RawResponse
{
    int status = 0;
    QByteArray head;
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.first(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.sliced(colon + 1).trimmed();
        }
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString errorCode() const
    {
        return json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
    }
};

// A raw HTTP/1.1 connection with blocking helpers (the server is another process).
class RawClient
{
public:
    explicit RawClient(quint16 port) : m_socket(std::make_unique<QTcpSocket>())
    {
        m_socket->connectToHost(QHostAddress::LocalHost, port);
        m_socket->waitForConnected(5000);
    }
    explicit RawClient(std::unique_ptr<QTcpSocket> socket) : m_socket(std::move(socket)) {}

    bool connected() const { return m_socket->state() == QAbstractSocket::ConnectedState; }
    QTcpSocket &socket() { return *m_socket; }

    bool send(const QByteArray &bytes)
    {
        for (qsizetype at = 0; at < bytes.size(); at += 64 * 1024) {
            if (m_socket->write(bytes.sliced(at, qMin<qsizetype>(64 * 1024, bytes.size() - at))) < 0)
                return false;
            while (m_socket->bytesToWrite() > 0)
                if (!m_socket->waitForBytesWritten(5000))
                    return false;
        }
        return true;
    }

    // The next `count` complete responses (fewer when the connection ends or time runs out).
    QList<RawResponse> read(int count, int timeoutMs = 5000)
    {
        QElapsedTimer timer;
        timer.start();
        while (takeResponses() < count && timer.elapsed() < timeoutMs) {
            if (!m_socket->bytesAvailable() && !m_socket->waitForReadyRead(int(qMax<qint64>(1, timeoutMs - timer.elapsed()))))
                if (m_socket->state() != QAbstractSocket::ConnectedState)
                    break;
            m_buffer += m_socket->readAll();
        }
        takeResponses();
        return std::exchange(m_responses, {}).mid(0, count);
    }

    // True when the server closes the connection within the timeout.
    bool waitClosed(int timeoutMs)
    {
        QElapsedTimer timer;
        timer.start();
        while (m_socket->state() == QAbstractSocket::ConnectedState && timer.elapsed() < timeoutMs) {
            m_socket->waitForReadyRead(int(qMax<qint64>(1, timeoutMs - timer.elapsed())));
            m_buffer += m_socket->readAll();
        }
        return m_socket->state() != QAbstractSocket::ConnectedState;
    }

    QByteArray unparsed() const { return m_buffer; }

private:
    int takeResponses()
    {
        for (;;) {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0)
                break;
            RawResponse response;
            response.head = m_buffer.first(end);
            response.status = response.head.mid(9, 3).toInt();
            const qsizetype length = response.status < 200 ? 0 : response.header("Content-Length").toLongLong();
            if (m_buffer.size() < end + 4 + length)
                break;
            response.body = m_buffer.sliced(end + 4, length);
            m_buffer.remove(0, end + 4 + length);
            m_responses.append(response);
        }
        return int(m_responses.size());
    }

    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_buffer;
    QList<RawResponse> m_responses;
};

QByteArray get(const QByteArray &target, const QByteArray &extra = {})
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

TestHttpResponse httpsGet(quint16 port, const QString &path, const QSslCertificate &ca, int timeoutMs = 5000)
{
    QNetworkAccessManager manager;
    QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(port).arg(path)));
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setCaCertificates({ca}); // the self-signed certificate is the only trusted root
    request.setSslConfiguration(ssl);
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = manager.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    TestHttpResponse response;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.body = reply->readAll();
    response.headers = reply->rawHeaderPairs();
    if (reply->error() != QNetworkReply::NoError)
        response.error = reply->errorString();
    reply->deleteLater();
    return response;
}
} // namespace

class TestHttpLimits : public QObject
{
    Q_OBJECT

private:
    QStringList serverArguments(const QStringList &extra) const
    {
        return QStringList{QStringLiteral("--database-url"), m_db->url(), QStringLiteral("--redis-url"),
                           qEnvironmentVariable("GH_TEST_REDIS_URL"), QStringLiteral("--workers"),
                           QStringLiteral("2")} +
               extra;
    }
    quint16 port() const { return m_server->port(); }

    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server; // small limits and 2 s timeouts

private slots:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariableIsEmpty("GH_TEST_REDIS_URL"),
                 "GH_TEST_REDIS_URL is not set: run through scripts/test");
        // 1,000 client sockets here plus as many in gatehoused (which inherits the limit).
        rlimit files{};
        QCOMPARE(getrlimit(RLIMIT_NOFILE, &files), 0);
        if (files.rlim_cur < 4096) {
            files.rlim_cur = qMin<rlim_t>(files.rlim_max, 8192);
            QCOMPARE(setrlimit(RLIMIT_NOFILE, &files), 0);
        }
        QVERIFY2(files.rlim_cur >= 2500, "RLIMIT_NOFILE is too small for 1,000 connections");
        m_db = std::make_unique<ScratchDatabase>();
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(serverArguments(
            {QStringLiteral("--header-timeout"), QStringLiteral("2"), QStringLiteral("--body-timeout"),
             QStringLiteral("2"), QStringLiteral("--idle-timeout"), QStringLiteral("2"),
             QStringLiteral("--max-connections"), QStringLiteral("5000")}));
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
    }

    void cleanupTestCase()
    {
        if (m_server) {
            const QString log = m_server->log();
            // Rejections are logged by status and code only, never with what the client sent.
            QVERIFY2(!log.contains(QStringLiteral("secret-cookie-value")), "a header value was logged");
            m_server.reset();
        }
        m_db.reset();
    }

    void payloadTooLarge_data()
    {
        QTest::addColumn<bool>("wholeBody");
        QTest::newRow("head and a little body") << false;
        QTest::newRow("the whole 2 MiB body") << true;
    }

    void payloadTooLarge()
    {
        QFETCH(bool, wholeBody);
        RawClient client(port());
        QVERIFY(client.connected());
        const qsizetype size = 2 * 1024 * 1024;
        const QByteArray head = "POST /api/v1/auth/email/start HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Content-Type: application/json\r\nContent-Length: " +
                                QByteArray::number(size) + "\r\n\r\n";
        // With the whole body the write may fail part way: the server answers at the head, then
        // shuts its side, and QTcpSocket takes that end-of-stream for a full close. The answer
        // is in the read buffer either way.
        const bool sent = client.send(head + QByteArray(wholeBody ? size : 1000, 'x'));
        QVERIFY(sent || wholeBody);
        const QList<RawResponse> responses = client.read(1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(responses[0].status, 413);
        QCOMPARE(responses[0].errorCode(), QStringLiteral("PAYLOAD_TOO_LARGE"));
        QCOMPARE(responses[0].header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(responses[0].header("Connection"), QByteArray("close"));
        QVERIFY(!responses[0].header("X-Request-Id").isEmpty());
        QVERIFY2(client.waitClosed(5000), "the connection stays open after 413");
    }

    void rejectedAndClosed_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QByteArray fields;
        while (fields.size() < 20 * 1024)
            fields += "X-Filler-" + QByteArray::number(fields.size()) + ": " + QByteArray(100, 'f') + "\r\n";
        QTest::newRow("20 KiB of headers") << get("/healthz", fields) << 431 << QStringLiteral("HEADERS_TOO_LARGE");
        QTest::newRow("9 KiB URL") << get("/healthz?q=" + QByteArray(9 * 1024, 'q')) << 414 << QStringLiteral("URI_TOO_LONG");
        QTest::newRow("garbage bytes") << QByteArray("\x00\x01\x02garbage\xff\r\n\r\n", 15) << 400
                                       << QStringLiteral("MALFORMED_REQUEST");
        QTest::newRow("bad request line") << QByteArray("GET /healthz\r\n\r\n") << 400 << QStringLiteral("MALFORMED_REQUEST");
        QTest::newRow("HTTP/2.0 request line") << QByteArray("GET /healthz HTTP/2.0\r\nHost: a\r\n\r\n") << 400
                                               << QStringLiteral("MALFORMED_REQUEST");
        QTest::newRow("obs-fold") << get("/healthz", "X-A: one\r\n two\r\n") << 400 << QStringLiteral("MALFORMED_REQUEST");
        QTest::newRow("space before colon") << get("/healthz", "Cookie : secret-cookie-value\r\n") << 400
                                            << QStringLiteral("MALFORMED_REQUEST");
        QTest::newRow("no Host") << QByteArray("GET /healthz HTTP/1.1\r\n\r\n") << 400 << QStringLiteral("MALFORMED_REQUEST");
        QTest::newRow("conflicting Content-Length")
            << QByteArray("POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde")
            << 400 << QStringLiteral("MALFORMED_REQUEST");
        QTest::newRow("Transfer-Encoding: chunked")
            << QByteArray("POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            << 411 << QStringLiteral("LENGTH_REQUIRED");
        QTest::newRow("Transfer-Encoding with Content-Length")
            << QByteArray("POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello")
            << 400 << QStringLiteral("MALFORMED_REQUEST");
        QTest::newRow("good request, then garbage") << get("/healthz") + "\x01\x02\r\n\r\n" << 400
                                                    << QStringLiteral("MALFORMED_REQUEST");
    }

    void rejectedAndClosed()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, code);
        RawClient client(port());
        QVERIFY(client.connected());
        QVERIFY(client.send(request));
        // A good request before the bad one is still answered, first.
        const bool goodFirst = qstrcmp(QTest::currentDataTag(), "good request, then garbage") == 0;
        QList<RawResponse> responses = client.read(goodFirst ? 2 : 1);
        QVERIFY2(responses.size() == (goodFirst ? 2 : 1), client.unparsed().constData());
        if (goodFirst)
            QCOMPARE(responses.takeFirst().status, 200);
        QCOMPARE(responses[0].status, status);
        QCOMPARE(responses[0].errorCode(), code);
        QVERIFY(!responses[0].json().value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString().isEmpty());
        QCOMPARE(responses[0].header("Connection"), QByteArray("close"));
        QVERIFY(!responses[0].header("X-Request-Id").isEmpty());
        QVERIFY2(client.waitClosed(3000), "the connection stays open after the error");
    }

    void slowHeadIsCutOffWhileOthersAnswerFast()
    {
        RawClient slow(port());
        QVERIFY(slow.connected());
        const QByteArray head = get("/healthz");
        QElapsedTimer timer;
        timer.start();
        qint64 slowest = 0;
        int sent = 0;
        QList<RawResponse> answer;
        while (timer.elapsed() < 8000 && answer.isEmpty()) {
            if (sent < head.size() && slow.connected())
                slow.send(head.mid(sent++, 1));
            QElapsedTimer other;
            other.start();
            QCOMPARE(TestHttp::get(m_server->url(QStringLiteral("/healthz")), 2000).status, 200);
            slowest = qMax(slowest, other.elapsed());
            answer = slow.read(1, int(qMax<qint64>(1, 1000 - other.elapsed())));
        }
        QCOMPARE(answer.size(), 1);
        QCOMPARE(answer[0].status, 408);
        QCOMPARE(answer[0].errorCode(), QStringLiteral("REQUEST_TIMEOUT"));
        QVERIFY2(timer.elapsed() >= 1800 && timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY2(sent < head.size(), "the head was completed before the timeout");
        QVERIFY2(slowest < 500, qPrintable(QStringLiteral("other requests took %1 ms").arg(slowest)));
        QVERIFY(slow.waitClosed(3000));
    }

    void slowBodyIsCutOff()
    {
        RawClient client(port());
        QVERIFY(client.send("POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc"));
        QElapsedTimer timer;
        timer.start();
        const QList<RawResponse> answer = client.read(1, 6000);
        QCOMPARE(answer.size(), 1);
        QCOMPARE(answer[0].status, 408);
        QVERIFY2(timer.elapsed() >= 1800, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(client.waitClosed(3000));
    }

    void idleConnectionsAreClosed()
    {
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < 1000; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, port());
            QVERIFY2(socket->waitForConnected(5000), qPrintable(socket->errorString()));
            sockets.push_back(std::move(socket));
        }
        const auto open = [&sockets] {
            return std::count_if(sockets.begin(), sockets.end(), [](const auto &s) {
                return s->state() == QAbstractSocket::ConnectedState;
            });
        };
        QTest::qWait(1000);
        if (timer.elapsed() < 1500) // all connected well within the 2 s: none closed yet
            QCOMPARE(open(), 1000);
        QTRY_COMPARE_WITH_TIMEOUT(open(), 0, 8000);
        QVERIFY2(timer.elapsed() >= 1800, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(TestHttp::get(m_server->url(QStringLiteral("/healthz"))).status, 200);
    }

    void connectionsPastTheMaximumAreClosedAtOnce()
    {
        GatehousedProcess server(serverArguments({QStringLiteral("--max-connections"), QStringLiteral("50")}));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));
        QTest::qWait(500); // the readiness probes' connections are gone
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 60; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, server.port());
            QVERIFY(socket->waitForConnected(5000)); // the kernel accepts; gatehoused decides
            sockets.push_back(std::move(socket));
        }
        const auto closed = [&sockets] {
            return std::count_if(sockets.begin(), sockets.end(), [](const auto &s) {
                return s->state() != QAbstractSocket::ConnectedState;
            });
        };
        QTRY_COMPARE_WITH_TIMEOUT(closed(), 10, 2000);
        QTest::qWait(500);
        QCOMPARE(closed(), 10); // the 50 admitted stay open
        sockets.clear();
        QCOMPARE(TestHttp::waitForStatus(server.url(QStringLiteral("/healthz")), 200, 5000).status, 200);
    }

    void expectContinue()
    {
        RawClient client(port());
        QVERIFY(client.send("POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                            "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
        QList<RawResponse> interim = client.read(1, 3000);
        QCOMPARE(interim.size(), 1);
        QCOMPARE(interim[0].status, 100);
        QVERIFY(client.send("{}"));
        const QList<RawResponse> final = client.read(1);
        QCOMPARE(final.size(), 1);
        QCOMPARE(final[0].status, 405); // /healthz takes GET: the body was read, then routed

        // Too large: the final answer instead of 100, so the client never sends the body.
        RawClient large(port());
        QVERIFY(large.send("POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 5000000\r\n"
                           "Expect: 100-continue\r\n\r\n"));
        interim = large.read(1, 3000);
        QCOMPARE(interim.size(), 1);
        QCOMPARE(interim[0].status, 413);
        QVERIFY(large.waitClosed(3000));
    }

    void pipelinedRequestsAreAnsweredInOrder()
    {
        // /readyz answers later, from a Redis callback; Qt 6.4 alone would answer the /healthz
        // behind it first.
        RawClient client(port());
        QVERIFY(client.send(get("/readyz") + get("/healthz") + get("/no/such/path") +
                            "POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}" + get("/readyz")));
        const QList<RawResponse> responses = client.read(5);
        QCOMPARE(responses.size(), 5);
        QCOMPARE(responses[0].json().value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
        QCOMPARE(responses[1].json().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QCOMPARE(responses[2].status, 404);
        QCOMPARE(responses[3].status, 405);
        QCOMPARE(responses[4].json().value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
        QVERIFY(client.connected());

        // A partial request behind an unanswered one is held back, then served.
        RawClient partial(port());
        QVERIFY(partial.send(get("/readyz") + "GET /heal"));
        QTest::qWait(200);
        QVERIFY(partial.send("thz HTTP/1.1\r\nHost: a\r\n\r\n"));
        const QList<RawResponse> both = partial.read(2);
        QCOMPARE(both.size(), 2);
        QCOMPARE(both[0].json().value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
        QCOMPARE(both[1].json().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    }

    void keepAliveServesRequestsInARow()
    {
        RawClient client(port());
        for (int i = 0; i < 3; ++i) {
            QVERIFY(client.send(get("/healthz")));
            const QList<RawResponse> responses = client.read(1);
            QCOMPARE(responses.size(), 1);
            QCOMPARE(responses[0].status, 200);
            QCOMPARE(responses[0].json().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
            QTest::qWait(300);
            QVERIFY(client.connected());
        }
    }

    void connectionCloseIsHonoured_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("Connection: close") << get("/healthz", "Connection: close\r\n");
        QTest::newRow("HTTP/1.0") << QByteArray("GET /healthz HTTP/1.0\r\n\r\n");
    }

    void connectionCloseIsHonoured()
    {
        QFETCH(QByteArray, request);
        RawClient client(port());
        QVERIFY(client.send(request + get("/healthz"))); // nothing after it is answered
        const QList<RawResponse> responses = client.read(2, 1500);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(responses[0].status, 200);
        QVERIFY(client.waitClosed(1000));
    }

    void tls()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString cert = dir.filePath(QStringLiteral("cert.pem"));
        const QString key = dir.filePath(QStringLiteral("key.pem"));
        QProcess openssl;
        openssl.setProcessChannelMode(QProcess::MergedChannels);
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
                       QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost"),
                       QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert});
        QVERIFY(openssl.waitForFinished(30000));
        QVERIFY2(openssl.exitCode() == 0, openssl.readAll().constData());
        const QList<QSslCertificate> ca = QSslCertificate::fromPath(cert);
        QCOMPARE(ca.size(), 1);

        GatehousedProcess server(serverArguments({QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"), key,
                                                  QStringLiteral("--header-timeout"), QStringLiteral("2")}));
        QVERIFY(server.start());
        TestHttpResponse health;
        QElapsedTimer timer;
        timer.start();
        while (health.status != 200 && timer.elapsed() < 60000 && server.running()) {
            health = httpsGet(server.port(), QStringLiteral("/healthz"), ca.first(), 2000);
            if (health.status != 200)
                QTest::qWait(100);
        }
        QVERIFY2(health.status == 200, qPrintable(health.error + QLatin1Char('\n') + server.log()));
        QCOMPARE(health.json().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QVERIFY(!health.header("X-Request-Id").isEmpty());

        // The guard works inside TLS too.
        auto ssl = std::make_unique<QSslSocket>();
        QSslConfiguration configuration = ssl->sslConfiguration();
        configuration.setCaCertificates(ca);
        ssl->setSslConfiguration(configuration);
        ssl->connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.port());
        QVERIFY2(ssl->waitForEncrypted(5000), qPrintable(ssl->errorString()));
        RawClient secure(std::move(ssl));
        QVERIFY(secure.send(get("/healthz")));
        QList<RawResponse> responses = secure.read(1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(responses[0].status, 200);
        QVERIFY(secure.send("POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999\r\n\r\n"));
        responses = secure.read(1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(responses[0].status, 413);
        QVERIFY(secure.waitClosed(3000));

        // Plain HTTP on the TLS port: closed, no answer, no hang.
        RawClient plain(server.port());
        QVERIFY(plain.connected());
        plain.send(get("/healthz"));
        QVERIFY2(plain.waitClosed(3000), "plain HTTP on the TLS port hangs");
        QVERIFY(!plain.unparsed().contains("HTTP/1.1"));

        // A TLS client that never finishes the handshake is dropped after the header timeout.
        RawClient silent(server.port());
        QVERIFY(silent.connected());
        timer.restart();
        QVERIFY(silent.waitClosed(6000));
        QVERIFY2(timer.elapsed() >= 1800, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(httpsGet(server.port(), QStringLiteral("/healthz"), ca.first()).status, 200);
    }

    void badTlsFilesAreStartupErrors_data()
    {
        QTest::addColumn<QString>("problem");
        QTest::newRow("missing key file") << QStringLiteral("missing-key");
        QTest::newRow("key file without a key") << QStringLiteral("garbage-key");
        QTest::newRow("certificate file without a certificate") << QStringLiteral("garbage-cert");
    }

    void badTlsFilesAreStartupErrors()
    {
        QFETCH(QString, problem);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString cert = dir.filePath(QStringLiteral("cert.pem"));
        const QString key = dir.filePath(QStringLiteral("key.pem"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
                       QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert});
        QVERIFY(openssl.waitForFinished(30000));
        QCOMPARE(openssl.exitCode(), 0);
        QString culprit;
        if (problem == QLatin1String("missing-key")) {
            culprit = dir.filePath(QStringLiteral("no-such-key.pem"));
        } else {
            culprit = problem == QLatin1String("garbage-key") ? key : cert;
            QFile file(culprit);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write("not PEM at all\n");
        }
        GatehousedProcess server(serverArguments(
            {QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"),
             problem == QLatin1String("missing-key") ? culprit : key}));
        QVERIFY(server.start());
        QVERIFY(server.waitForExit(60000));
        QCOMPARE(server.exitCode(), 1);
        const QString log = server.log();
        QVERIFY2(log.contains(culprit), qPrintable(log));
        QVERIFY2(log.contains(QStringLiteral("TLS_CONFIG_INVALID")), qPrintable(log));
    }
};

QTEST_MAIN(TestHttpLimits)
#include "TestHttpLimits.moc"
