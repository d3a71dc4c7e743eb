#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QUrl>

// A small synchronous HTTP client for tests (QNetworkAccessManager in a local event loop).
struct TestHttpResponse
{
    int status = 0;              // 0: no answer (connection refused, timeout)
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QString error;

    QJsonObject json() const;
    QByteArray header(const QByteArray &name) const;
};

namespace TestHttp {
TestHttpResponse request(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
                         const QList<QPair<QByteArray, QByteArray>> &headers = {},
                         int timeoutMs = 10000);
inline TestHttpResponse get(const QUrl &url, int timeoutMs = 10000)
{
    return request(QByteArrayLiteral("GET"), url, {}, {}, timeoutMs);
}
// Polls url until it answers `status` or the timeout passes; returns the last response.
TestHttpResponse waitForStatus(const QUrl &url, int status, int timeoutMs);
quint16 freePort();
} // namespace TestHttp
