#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QUrl>
#include <QUrlQuery>

#include <functional>

// Calls from a worker thread to a sign-in provider (discovery, JWKS, token, user info) over
// the worker's own QNetworkAccessManager, made on first use and kept for the thread's life, so
// nothing blocks: the callback runs later on the same thread. TLS peers are always verified
// (Qt's default, never turned off here); redirects are not followed (a token endpoint that
// redirects is misconfigured); each call is bounded by `timeoutMs` as a whole, and answers
// above 1 MiB are cut off.
//
// Error codes: PROVIDER_UNAVAILABLE (connection, TLS or HTTP transport failure),
// PROVIDER_TIMEOUT, PROVIDER_RESPONSE_INVALID (too large; for json(): not a JSON object).
namespace OAuthHttp {

inline constexpr qsizetype kMaxResponseBytes = 1024 * 1024;

struct Response
{
    int status = 0;
    QByteArray body;
    QByteArray contentType;
    // The body as a JSON object; PROVIDER_RESPONSE_INVALID when it is not one.
    Result<QJsonObject> json() const;
};

using Headers = QList<QPair<QByteArray, QByteArray>>;
using Callback = std::function<void(Result<Response>)>;

void get(const QUrl &url, const Headers &headers, int timeoutMs, Callback done);
// POST application/x-www-form-urlencoded.
void postForm(const QUrl &url, const QUrlQuery &form, const Headers &headers, int timeoutMs,
              Callback done);

} // namespace OAuthHttp
