#include "OAuthHttp.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace OAuthHttp {

namespace {

QNetworkAccessManager &manager()
{
    // One per worker thread, made on first use and destroyed when the thread ends; a manager
    // belongs to the thread that made it, so each worker needs its own.
    thread_local std::unique_ptr<QNetworkAccessManager> perThread;
    if (!perThread) {
        perThread = std::make_unique<QNetworkAccessManager>();
        perThread->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        perThread->setAutoDeleteReplies(false);
    }
    return *perThread;
}

void send(const QByteArray &method, const QUrl &url, const QByteArray &body,
          const QByteArray &contentType, const Headers &headers, int timeoutMs, Callback done)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setTransferTimeout(timeoutMs);
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("Gatehouse"));
    if (!contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply *reply = manager().sendCustomRequest(request, method, body);

    struct State
    {
        bool timedOut = false;
        bool tooLarge = false;
    };
    auto state = std::make_shared<State>();
    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, reply, [reply, state] {
        state->timedOut = true;
        reply->abort();
    });
    timer->start(timeoutMs);
    QObject::connect(reply, &QNetworkReply::downloadProgress, reply, [reply, state](qint64 received, qint64) {
        if (received > kMaxResponseBytes && !state->tooLarge) {
            state->tooLarge = true;
            reply->abort();
        }
    });
    QObject::connect(reply, &QNetworkReply::finished, reply, [reply, state, url, done = std::move(done)] {
        reply->deleteLater();
        const QString host = url.host();
        if (state->timedOut || (reply->error() == QNetworkReply::OperationCanceledError && !state->tooLarge)) {
            done(makeError(QStringLiteral("PROVIDER_TIMEOUT"),
                           QStringLiteral("the sign-in provider (%1) did not answer in time").arg(host)));
            return;
        }
        if (state->tooLarge) {
            done(makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                           QStringLiteral("the sign-in provider (%1) sent an oversized answer").arg(host)));
            return;
        }
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (!status.isValid()) {
            done(makeError(QStringLiteral("PROVIDER_UNAVAILABLE"),
                           QStringLiteral("the sign-in provider (%1) cannot be reached: %2")
                               .arg(host, reply->errorString())));
            return;
        }
        Response response;
        response.status = status.toInt();
        response.body = reply->readAll();
        response.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        done(std::move(response));
    });
}

} // namespace

Result<QJsonObject> Response::json() const
{
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                         QStringLiteral("the sign-in provider answered HTTP %1 with something that "
                                        "is not a JSON object").arg(status));
    return document.object();
}

void get(const QUrl &url, const Headers &headers, int timeoutMs, Callback done)
{
    send(QByteArrayLiteral("GET"), url, {}, {}, headers, timeoutMs, std::move(done));
}

void postForm(const QUrl &url, const QUrlQuery &form, const Headers &headers, int timeoutMs,
              Callback done)
{
    // QUrlQuery leaves '+' alone, which a form decoder reads as a space: encode every byte
    // outside the unreserved set ourselves.
    QByteArray body;
    for (const auto &[name, value] : form.queryItems(QUrl::FullyDecoded)) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    send(QByteArrayLiteral("POST"), url, body,
         QByteArrayLiteral("application/x-www-form-urlencoded"), headers, timeoutMs, std::move(done));
}

} // namespace OAuthHttp
