#include "TestHttp.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QThread>
#include <QTimer>

QJsonObject TestHttpResponse::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QByteArray TestHttpResponse::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

namespace TestHttp {

TestHttpResponse request(const QByteArray &method, const QUrl &url, const QByteArray &body,
                         const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs)
{
    QNetworkAccessManager manager;
    QNetworkRequest request(url);
    request.setTransferTimeout(timeoutMs);
    // Qt 6 follows redirects by default; tests must see what the server itself answered.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    for (const auto &[key, value] : headers)
        request.setRawHeader(key, value);
    QNetworkReply *reply = manager.sendCustomRequest(request, method, body);
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

TestHttpResponse waitForStatus(const QUrl &url, int status, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    TestHttpResponse last;
    while (timer.elapsed() < timeoutMs) {
        last = get(url, 2000);
        if (last.status == status)
            return last;
        QThread::msleep(50);
        QCoreApplication::processEvents();
    }
    return last;
}

quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

} // namespace TestHttp
