#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

// A real SMTP server on loopback for tests: tests/support/smtp-sink.py (Debian
// python3-aiosmtpd) in a child process, storing each message it accepts as a file. stop() and
// start() again on the same port simulate an outage. Messages are parsed here with a small
// MIME reader of the test's own (not the server's encoder), so an encoding bug cannot hide.
struct ReceivedMail
{
    QString envelopeFrom;
    QStringList envelopeTo;
    QHash<QByteArray, QByteArray> headers; // lower-case names, unfolded raw values
    QString subject;                       // RFC 2047 decoded
    QString text;                          // text/plain part, transfer-decoded, UTF-8
    QString html;                          // text/html part
    QByteArray raw;
    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
};

class SmtpSink
{
public:
    SmtpSink();
    // Require SMTP AUTH with these credentials (call before start()).
    void requireAuth(const QString &user, const QByteArray &password);
    ~SmtpSink();

    bool start();              // on port() (a free one picked at construction); waits for "ready"
    void stop();               // SIGTERM and wait: the port refuses connections afterwards
    quint16 port() const { return m_port; }
    QString errorString() const { return m_error; }

    QList<ReceivedMail> messages() const;            // all, oldest first
    // Waits (spinning the event loop) until at least `count` messages arrived.
    QList<ReceivedMail> waitForMessages(int count, int timeoutMs = 15000) const;

    static ReceivedMail parse(const QByteArray &raw);
    static QByteArray decodeQuotedPrintable(const QByteArray &encoded);
    static QString decodeHeader(const QByteArray &value);

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    QString m_user;
    QString m_error;
};
