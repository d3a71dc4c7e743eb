#include "OAuthTestSupport.h"

#include "server/crypto/EcSigningKey.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSqlQuery>

#include <sys/stat.h>

namespace OAuthTestSupport {

namespace {
QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool copyFile(const QString &from, const QString &to)
{
    QFile::remove(to);
    return QFile::copy(from, to);
}

QString htmlDecode(QString text)
{
    text.replace(QStringLiteral("&quot;"), QStringLiteral("\""));
    text.replace(QStringLiteral("&#39;"), QStringLiteral("'"));
    text.replace(QStringLiteral("&#x27;"), QStringLiteral("'"));
    text.replace(QStringLiteral("&lt;"), QStringLiteral("<"));
    text.replace(QStringLiteral("&gt;"), QStringLiteral(">"));
    text.replace(QStringLiteral("&amp;"), QStringLiteral("&"));
    return text;
}
} // namespace

QString errorCode(const TestHttpResponse &response)
{
    return response.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

QString databaseSnapshot(const QSqlDatabase &db)
{
    QSqlQuery query(db);
    query.exec(QStringLiteral(
        "SELECT (SELECT coalesce(string_agg(id::text || email || email_verified::text, ',' ORDER BY id), '') FROM users)"
        " || '|' || (SELECT coalesce(string_agg(type || provider_id || user_id::text, ',' ORDER BY id), '') FROM auth_providers)"
        " || '|' || (SELECT count(*) FROM sessions)"));
    return query.next() ? query.value(0).toString() : QString();
}

QString prepareNode(const QString &workDir)
{
    const QString source = QStringLiteral(GATEHOUSE_SOURCE_DIR "/tests/e2e/oidc");
    if (!QDir().mkpath(workDir))
        return QStringLiteral("cannot create ") + workDir;
    QLockFile lock(workDir + QStringLiteral("/.install.lock"));
    lock.setStaleLockTime(0);
    if (!lock.tryLock(300000))
        return QStringLiteral("another test holds the npm install lock");
    for (const QString &name : QDir(source).entryList({QStringLiteral("*.js")}, QDir::Files)) {
        if (!copyFile(source + QLatin1Char('/') + name, workDir + QLatin1Char('/') + name))
            return QStringLiteral("cannot copy ") + name;
    }
    const QByteArray lockFile = readAll(source + QStringLiteral("/package-lock.json"));
    const QString stamp = workDir + QStringLiteral("/node_modules/.gatehouse-lock-sha256");
    const QByteArray digest = QCryptographicHash::hash(lockFile, QCryptographicHash::Sha256).toHex();
    if (readAll(stamp) == digest)
        return {};
    if (!copyFile(source + QStringLiteral("/package.json"), workDir + QStringLiteral("/package.json")) ||
        !copyFile(source + QStringLiteral("/package-lock.json"), workDir + QStringLiteral("/package-lock.json")))
        return QStringLiteral("cannot copy package.json / package-lock.json");
    QProcess npm;
    npm.setWorkingDirectory(workDir);
    npm.setProcessChannelMode(QProcess::MergedChannels);
    npm.start(QStringLiteral("npm"), {QStringLiteral("ci"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund"),
                                      QStringLiteral("--loglevel=error")});
    if (!npm.waitForFinished(240000) || npm.exitStatus() != QProcess::NormalExit || npm.exitCode() != 0)
        return QStringLiteral("npm ci failed: ") + QString::fromUtf8(npm.readAll());
    QFile out(stamp);
    if (!out.open(QIODevice::WriteOnly) || out.write(digest) != digest.size())
        return QStringLiteral("cannot write ") + stamp;
    return {};
}

NodeServer::~NodeServer()
{
    stop();
}

bool NodeServer::start(const QString &workDir, const QString &script, const QJsonObject &options, int timeoutMs)
{
    m_process = std::make_unique<QProcess>();
    m_process->setWorkingDirectory(workDir);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start(QStringLiteral("node"),
                     {script, QString::fromUtf8(QJsonDocument(options).toJson(QJsonDocument::Compact))});
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs && m_process->state() != QProcess::NotRunning) {
        m_process->waitForReadyRead(200);
        m_output += m_process->readAll();
        if (m_output.contains("ready "))
            return true;
    }
    return false;
}

void NodeServer::stop()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

QString NodeServer::log()
{
    if (m_process)
        m_output += m_process->readAll();
    return QString::fromUtf8(m_output);
}

Browser::Browser() : m_jar(new QNetworkCookieJar(&m_manager))
{
    m_manager.setCookieJar(m_jar);
    m_manager.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

TestHttpResponse Browser::request(const QByteArray &method, const QUrl &url, const QByteArray &body,
                                  const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs)
{
    QNetworkRequest request(url);
    request.setTransferTimeout(timeoutMs);
    for (const auto &[key, value] : headers)
        request.setRawHeader(key, value);
    QNetworkReply *reply = m_manager.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    TestHttpResponse response;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.body = reply->readAll();
    response.headers = reply->rawHeaderPairs();
    if (reply->error() != QNetworkReply::NoError && response.status == 0)
        response.error = reply->errorString();
    reply->deleteLater();
    return response;
}

TestHttpResponse Browser::postForm(const QUrl &url, const QUrlQuery &form, QList<QPair<QByteArray, QByteArray>> headers)
{
    headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/x-www-form-urlencoded")});
    return request("POST", url, formBody(form), headers);
}

QByteArray formBody(const QUrlQuery &form)
{
    QByteArray body;
    for (const auto &[name, value] : form.queryItems(QUrl::FullyDecoded)) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    return body;
}

QUrlQuery hiddenInputs(const QByteArray &html)
{
    static const QRegularExpression input(QStringLiteral("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\""));
    QUrlQuery form;
    auto it = input.globalMatch(QString::fromUtf8(html));
    while (it.hasNext()) {
        const auto match = it.next();
        form.addQueryItem(match.captured(1), htmlDecode(match.captured(2)));
    }
    return form;
}

QString formAction(const QByteArray &html)
{
    static const QRegularExpression action(QStringLiteral("<form[^>]*action=\"([^\"]+)\""));
    return htmlDecode(action.match(QString::fromUtf8(html)).captured(1));
}

bool writeSecret(const QString &dataDir, const QString &name, const QByteArray &value)
{
    const QString directory = dataDir + QStringLiteral("/secrets");
    QDir().mkpath(directory);
    ::chmod(QFile::encodeName(dataDir).constData(), 0700);
    ::chmod(QFile::encodeName(directory).constData(), 0700);
    QFile file(directory + QLatin1Char('/') + name);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(value) != value.size())
        return false;
    file.close();
    return ::chmod(QFile::encodeName(file.fileName()).constData(), 0600) == 0;
}

QByteArray newP8Key()
{
    auto key = EcSigningKey::generate();
    if (!key)
        return {};
    QByteArray pem = QByteArrayLiteral("-----BEGIN PRIVATE KEY-----\n");
    const QByteArray base64 = key->toPkcs8Der().toBase64();
    for (qsizetype i = 0; i < base64.size(); i += 64)
        pem += base64.mid(i, 64) + '\n';
    pem += QByteArrayLiteral("-----END PRIVATE KEY-----\n");
    return pem;
}

} // namespace OAuthTestSupport
