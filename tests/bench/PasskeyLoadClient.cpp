// Load client for tests/bench/passkeys: full passkey sign-ins (login options + verify, ES256)
// against a running gatehoused, CLIENTS at a time, for SECONDS. Each client is a software
// authenticator (tests/support/SoftAuthenticator, OpenSSL) with its own account and its own
// keep-alive HTTP connection.
//
//   PasskeyLoadClient BASE_URL [CLIENTS=32] [SECONDS=10]
//
// BASE_URL must be the origin the server allows (http://localhost:PORT; rpId localhost). Prints
// one line: "signins=N seconds=S per_second=R p50_ms=A p99_ms=B errors=E".
#include "tests/support/SoftAuthenticator.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QHostAddress>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace {

struct Shared
{
    QString base;
    qint64 deadlineMs = 0;
    QElapsedTimer clock;
    std::vector<double> latenciesMs;
    int errors = 0;
    int running = 0;
};

// A minimal keep-alive HTTP/1.1 client on one QTcpSocket: QNetworkAccessManager costs more CPU
// than the server it measures, on the same cores. Requests go one at a time; every answer of
// gatehoused carries Content-Length.
class Connection
{
public:
    using Done = std::function<void(int, const QJsonObject &)>;

    explicit Connection(const QUrl &base) : m_host(base.host()), m_port(quint16(base.port()))
    {
        QObject::connect(&m_socket, &QTcpSocket::readyRead, [this] { read(); });
        QObject::connect(&m_socket, &QTcpSocket::disconnected, [this] { fail(); });
        QObject::connect(&m_socket, &QTcpSocket::errorOccurred, [this] { fail(); });
        m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    }

    void post(const QString &path, const QJsonObject &body, Done done)
    {
        if (m_socket.state() == QAbstractSocket::UnconnectedState)
            m_socket.connectToHost(QHostAddress(QHostAddress::LocalHost), m_port); // the server's listen address
        const QByteArray payload = QJsonDocument(body).toJson(QJsonDocument::Compact);
        m_buffer.clear();
        m_done = std::move(done);
        m_socket.write("POST " + path.toUtf8() + " HTTP/1.1\r\nHost: " + m_host.toUtf8() + ':' +
                       QByteArray::number(m_port) +
                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                       QByteArray::number(payload.size()) + "\r\n\r\n" + payload);
    }

private:
    void read()
    {
        m_buffer += m_socket.readAll();
        const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        const QByteArray head = m_buffer.left(headEnd).toLower();
        const qsizetype lengthAt = head.indexOf("content-length:");
        const qsizetype length =
            lengthAt < 0 ? 0 : head.mid(lengthAt + 15, head.indexOf("\r\n", lengthAt) - lengthAt - 15).trimmed().toLongLong();
        if (m_buffer.size() < headEnd + 4 + length)
            return;
        const int status = m_buffer.mid(9, 3).toInt();
        const QJsonObject json = QJsonDocument::fromJson(m_buffer.mid(headEnd + 4, length)).object();
        m_buffer.clear();
        if (Done done = std::exchange(m_done, nullptr))
            done(status, json);
    }
    void fail()
    {
        if (Done done = std::exchange(m_done, nullptr))
            QTimer::singleShot(0, [done] { done(0, {}); });
    }

    QString m_host;
    quint16 m_port;
    QTcpSocket m_socket;
    QByteArray m_buffer;
    Done m_done;
};

class Client
{
public:
    Client(Shared &shared, int index)
        : m_shared(shared), m_network(QUrl(shared.base)),
          m_authenticator(shared.base, QStringLiteral("localhost")), m_email(QStringLiteral("bench-passkey-%1-%2@example.org")
                      .arg(index)
                      .arg(QDateTime::currentMSecsSinceEpoch()))
    {
    }

    // Registers the account (not timed), then signs in over and over until the deadline.
    void start(std::function<void(bool)> registered)
    {
        m_network.post(QStringLiteral("/api/v1/auth/register/passkey/options"),
             {{QStringLiteral("email"), m_email}, {QStringLiteral("firstName"), QStringLiteral("Bench")},
              {QStringLiteral("lastName"), QStringLiteral("Client")}},
             [this, registered](int status, const QJsonObject &answer) {
                 if (status != 200)
                     return registered(false);
                 const QJsonObject credential =
                     m_authenticator.create(answer.value(QStringLiteral("options")).toObject());
                 m_network.post(QStringLiteral("/api/v1/auth/register/passkey/verify"),
                      {{QStringLiteral("userId"), answer.value(QStringLiteral("userId"))},
                       {QStringLiteral("response"), credential}},
                      [registered](int verified, const QJsonObject &) { registered(verified == 200); });
             });
    }

    void loop(std::function<void()> finished)
    {
        if (m_shared.clock.elapsed() >= m_shared.deadlineMs)
            return finished();
        QElapsedTimer timer;
        timer.start();
        m_network.post(QStringLiteral("/api/v1/auth/login/passkey/options"),
             {{QStringLiteral("email"), m_email}},
             [this, timer, finished](int status, const QJsonObject &options) {
                 if (status != 200) {
                     ++m_shared.errors;
                     return loop(finished);
                 }
                 const QJsonObject assertion =
                     m_authenticator.get(options.value(QStringLiteral("options")).toObject());
                 m_network.post(QStringLiteral("/api/v1/auth/login/passkey/verify"),
                      {{QStringLiteral("loginToken"), options.value(QStringLiteral("loginToken"))},
                       {QStringLiteral("response"), assertion}},
                      [this, timer, finished](int verified, const QJsonObject &) {
                          if (verified == 200)
                              m_shared.latenciesMs.push_back(double(timer.nsecsElapsed()) / 1e6);
                          else
                              ++m_shared.errors;
                          loop(finished);
                      });
             });
    }

private:
    Shared &m_shared;
    Connection m_network;
    SoftAuthenticator m_authenticator;
    QString m_email;
};

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(p * double(values.size())))];
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: PasskeyLoadClient BASE_URL [CLIENTS=32] [SECONDS=10]\n");
        return 2;
    }
    Shared shared;
    shared.base = args.at(1);
    const int clients = args.size() > 2 ? args.at(2).toInt() : 32;
    const int seconds = args.size() > 3 ? args.at(3).toInt() : 10;

    std::vector<std::unique_ptr<Client>> all;
    for (int i = 0; i < clients; ++i)
        all.push_back(std::make_unique<Client>(shared, i));
    int registered = 0;
    int failedRegistrations = 0;
    const auto finished = [&] {
        if (--shared.running == 0)
            app.quit();
    };
    for (auto &client : all) {
        client->start([&, c = client.get()](bool ok) {
            ok ? ++registered : ++failedRegistrations;
            if (registered + failedRegistrations < clients)
                return;
            if (failedRegistrations > 0) {
                std::fprintf(stderr, "%d registrations failed\n", failedRegistrations);
                app.exit(1);
                return;
            }
            (void)c;
            // Everyone registered: the timed part starts for all clients at once.
            shared.clock.start();
            shared.deadlineMs = qint64(seconds) * 1000;
            shared.running = clients;
            for (auto &each : all)
                each->loop(finished);
        });
    }
    const int code = app.exec();
    if (code != 0)
        return code;
    const double elapsed = double(shared.clock.elapsed()) / 1000.0;
    std::printf("signins=%zu seconds=%.2f per_second=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
                shared.latenciesMs.size(), elapsed, double(shared.latenciesMs.size()) / elapsed,
                percentile(shared.latenciesMs, 0.50), percentile(shared.latenciesMs, 0.99), shared.errors);
    return shared.errors > 0 ? 1 : 0;
}
