#include "SmtpSink.h"

#include "TestHttp.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

namespace {
// Splits "headers CRLF CRLF body" and unfolds the headers.
QPair<QHash<QByteArray, QByteArray>, QByteArray> splitEntity(const QByteArray &entity)
{
    QByteArray data = entity;
    data.replace("\r\n", "\n");
    const qsizetype end = data.indexOf("\n\n");
    const QByteArray head = end < 0 ? data : data.left(end);
    const QByteArray body = end < 0 ? QByteArray() : data.mid(end + 2);
    QHash<QByteArray, QByteArray> headers;
    QByteArray name;
    for (const QByteArray &line : head.split('\n')) {
        if ((line.startsWith(' ') || line.startsWith('\t')) && !name.isEmpty()) {
            headers[name] += ' ' + line.trimmed();
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        name = line.left(colon).trimmed().toLower();
        headers.insert(name, line.mid(colon + 1).trimmed());
    }
    return {headers, body};
}

QByteArray parameter(const QByteArray &headerValue, const QByteArray &name)
{
    const QRegularExpression re(QStringLiteral("%1=\"?([^\";]+)\"?").arg(QString::fromLatin1(name)),
                                QRegularExpression::CaseInsensitiveOption);
    return re.match(QString::fromLatin1(headerValue)).captured(1).toLatin1();
}

QString decodePart(const QHash<QByteArray, QByteArray> &headers, const QByteArray &body)
{
    const QByteArray encoding = headers.value("content-transfer-encoding").toLower();
    QByteArray bytes = body;
    if (encoding == "quoted-printable")
        bytes = SmtpSink::decodeQuotedPrintable(body);
    else if (encoding == "base64")
        bytes = QByteArray::fromBase64(body);
    return QString::fromUtf8(bytes);
}
} // namespace

SmtpSink::SmtpSink() : m_port(TestHttp::freePort())
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

SmtpSink::~SmtpSink()
{
    stop();
}

void SmtpSink::requireAuth(const QString &user, const QByteArray &password)
{
    m_user = user;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("SMTP_SINK_PASSWORD"), QString::fromUtf8(password));
    m_process.setProcessEnvironment(environment);
}

bool SmtpSink::start()
{
    QStringList arguments{QStringLiteral(GATEHOUSE_SOURCE_DIR "/tests/support/smtp-sink.py"),
                          QString::number(m_port), m_dir.path()};
    if (!m_user.isEmpty())
        arguments.append(m_user);
    // /usr/bin/python3: Debian's python3-aiosmtpd is installed for the system interpreter.
    m_process.start(QStringLiteral("/usr/bin/python3"), arguments);
    if (!m_process.waitForStarted(5000)) {
        m_error = m_process.errorString();
        return false;
    }
    QByteArray output;
    QElapsedTimer timer;
    timer.start();
    while (!output.contains("ready") && timer.elapsed() < 10000) {
        if (m_process.state() == QProcess::NotRunning)
            break;
        m_process.waitForReadyRead(200);
        output += m_process.readAll();
    }
    if (!output.contains("ready")) {
        m_error = QStringLiteral("smtp-sink did not start (is python3-aiosmtpd installed?): ") +
                  QString::fromUtf8(output);
        return false;
    }
    return true;
}

void SmtpSink::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    ::kill(pid_t(m_process.processId()), SIGTERM);
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(2000);
    }
}

QList<ReceivedMail> SmtpSink::messages() const
{
    QList<ReceivedMail> out;
    const QDir dir(m_dir.path());
    for (const QString &name : dir.entryList({QStringLiteral("*.eml")}, QDir::Files, QDir::Name)) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        ReceivedMail mail = parse(file.readAll());
        QFile envelope(dir.filePath(name.chopped(4) + QStringLiteral(".json")));
        if (envelope.open(QIODevice::ReadOnly)) {
            const QJsonObject json = QJsonDocument::fromJson(envelope.readAll()).object();
            mail.envelopeFrom = json.value(QStringLiteral("mailFrom")).toString();
            for (const QJsonValue &to : json.value(QStringLiteral("rcptTos")).toArray())
                mail.envelopeTo.append(to.toString());
        }
        out.append(mail);
    }
    return out;
}

QList<ReceivedMail> SmtpSink::waitForMessages(int count, int timeoutMs) const
{
    QElapsedTimer timer;
    timer.start();
    QList<ReceivedMail> found = messages();
    while (found.size() < count && timer.elapsed() < timeoutMs) {
        QTest::qWait(50);
        found = messages();
    }
    return found;
}

QByteArray SmtpSink::decodeQuotedPrintable(const QByteArray &encoded)
{
    QByteArray data = encoded;
    data.replace("\r\n", "\n");
    QByteArray out;
    for (qsizetype i = 0; i < data.size(); ++i) {
        const char c = data[i];
        if (c != '=') {
            out += c;
            continue;
        }
        if (i + 1 < data.size() && data[i + 1] == '\n') { // soft line break
            ++i;
            continue;
        }
        if (i + 2 < data.size()) {
            bool ok = false;
            const int value = data.mid(i + 1, 2).toInt(&ok, 16);
            if (ok) {
                out += char(value);
                i += 2;
                continue;
            }
        }
        out += c;
    }
    return out;
}

QString SmtpSink::decodeHeader(const QByteArray &value)
{
    // =?charset?B|Q?text?= words; white space between two encoded words is dropped.
    static const QRegularExpression word(QStringLiteral("=\\?([^?]+)\\?([BbQq])\\?([^?]*)\\?="));
    const QString text = QString::fromLatin1(value);
    QByteArray out;
    qsizetype last = 0;
    bool previousWasWord = false;
    auto it = word.globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        const QString between = text.mid(last, match.capturedStart() - last);
        if (!(previousWasWord && between.trimmed().isEmpty()))
            out += between.toUtf8();
        const QByteArray payload = match.captured(3).toLatin1();
        if (match.captured(2).toUpper() == u"B")
            out += QByteArray::fromBase64(payload);
        else
            out += decodeQuotedPrintable(QByteArray(payload).replace('_', ' '));
        last = match.capturedEnd();
        previousWasWord = true;
    }
    out += text.mid(last).toUtf8();
    return QString::fromUtf8(out);
}

ReceivedMail SmtpSink::parse(const QByteArray &raw)
{
    ReceivedMail mail;
    mail.raw = raw;
    const auto [headers, body] = splitEntity(raw);
    mail.headers = headers;
    mail.subject = decodeHeader(headers.value("subject"));
    const QByteArray type = headers.value("content-type");
    if (!type.toLower().startsWith("multipart/")) {
        mail.text = decodePart(headers, body);
        return mail;
    }
    const QByteArray boundary = "--" + parameter(type, "boundary");
    // The parts sit between boundary lines; the last one is followed by "--".
    qsizetype from = body.indexOf(boundary);
    while (from >= 0) {
        const qsizetype start = body.indexOf('\n', from) + 1;
        const qsizetype next = body.indexOf(boundary, start);
        if (start <= 0 || next < 0)
            break;
        QByteArray part = body.mid(start, next - start);
        if (part.endsWith('\n'))
            part.chop(1);
        const auto [partHeaders, partBody] = splitEntity(part);
        const QByteArray partType = partHeaders.value("content-type").toLower();
        if (partType.startsWith("text/plain"))
            mail.text = decodePart(partHeaders, partBody);
        else if (partType.startsWith("text/html"))
            mail.html = decodePart(partHeaders, partBody);
        from = next;
        if (body.mid(next + boundary.size(), 2) == "--")
            break;
    }
    return mail;
}
