#pragma once

#include "tests/support/TestHttp.h"

#include <QNetworkAccessManager>
#include <QNetworkCookieJar>
#include <QProcess>
#include <QSqlDatabase>
#include <QUrlQuery>

#include <memory>

// Social sign-in tests (issue 7): the node programs of tests/e2e/oidc (a real oidc-provider and
// the GitHub/Google stand-ins), installed with `npm ci` into the build tree, and a small
// browser that keeps cookies and never follows redirects by itself, so each hop can be checked.
namespace OAuthTestSupport {

using Headers = QList<QPair<QByteArray, QByteArray>>;
inline const Headers kJson{{QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")}};

// error.code of a JSON error answer.
QString errorCode(const TestHttpResponse &response);
// users, auth_providers and the session count as one text: equal snapshots = nothing written.
QString databaseSnapshot(const QSqlDatabase &db);

// Copies tests/e2e/oidc/{package.json,package-lock.json,*.js} into `workDir` and runs
// `npm ci` there when node_modules is missing or the lock file changed. Empty on success,
// else what went wrong. Serialised with a lock file, so parallel tests share one install.
QString prepareNode(const QString &workDir);

// One node program: started with a JSON argument, ready once it prints "ready".
class NodeServer
{
public:
    ~NodeServer();
    bool start(const QString &workDir, const QString &script, const QJsonObject &options, int timeoutMs = 30000);
    void stop();
    QString log();

private:
    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
};

// A browser-like client: a cookie jar, manual redirects.
class Browser
{
public:
    Browser();
    TestHttpResponse request(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
                             const QList<QPair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 15000);
    TestHttpResponse get(const QUrl &url, const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        return request("GET", url, {}, headers);
    }
    TestHttpResponse postForm(const QUrl &url, const QUrlQuery &form,
                              QList<QPair<QByteArray, QByteArray>> headers = {});
    QNetworkCookieJar &cookies() { return *m_jar; }

private:
    QNetworkAccessManager m_manager;
    QNetworkCookieJar *m_jar;
};

// x-www-form-urlencoded with every reserved byte (and '+') encoded.
QByteArray formBody(const QUrlQuery &form);
// The hidden inputs of an HTML form (oidc-provider's form_post page), HTML entities decoded.
QUrlQuery hiddenInputs(const QByteArray &html);
// The form's action URL.
QString formAction(const QByteArray &html);
// A file in the data dir's secret store (0700 dir, 0600 file), as --store-secret would write it.
bool writeSecret(const QString &dataDir, const QString &name, const QByteArray &value);
// A P-256 key as a .p8 PEM (PKCS#8), the form Apple hands out.
QByteArray newP8Key();

} // namespace OAuthTestSupport
