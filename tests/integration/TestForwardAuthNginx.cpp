// Forward-auth with a real nginx (Debian package nginx, module http_auth_request) in front of a
// protected application: nginx asks GET /api/v1/auth/verify about every request (auth_request),
// lets it through with the user's id, email and role as request headers when Gatehouse answers
// 200, and answers 401 otherwise. The configuration is the one README.md documents (minus TLS).
//
// The protected application is a second nginx server block serving a static page; it echoes the
// X-Auth-* headers it received as X-Received-* response headers, so the test sees what the
// upstream got. nginx runs in the foreground (daemon off) with everything in a temporary prefix.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>
#include <unistd.h>

using namespace SessionFixtures;
using namespace Qt::StringLiterals;

namespace {

const QByteArray kPage = "<!doctype html><title>Protected</title><p>the protected page</p>\n"_ba;

// %1 prefix dir, %2 nginx port, %3 application port, %4 gatehoused port, %5 user line.
const char kConfig[] = R"(%5
worker_processes 1;
pid %1/nginx.pid;
error_log %1/error.log info;
events { worker_connections 64; }

http {
    access_log %1/access.log;
    client_body_temp_path %1/tmp/body;
    proxy_temp_path %1/tmp/proxy;
    fastcgi_temp_path %1/tmp/fastcgi;
    uwsgi_temp_path %1/tmp/uwsgi;
    scgi_temp_path %1/tmp/scgi;
    default_type text/html;

    # The protected application: shows which identity headers reached it.
    server {
        listen 127.0.0.1:%3;
        root %1/www;
        add_header X-Received-User $http_x_auth_user_id always;
        add_header X-Received-Email $http_x_auth_email always;
        add_header X-Received-Role $http_x_auth_role always;
    }

    # The reverse proxy in front of it.
    server {
        listen 127.0.0.1:%2;

        location = /_gatehouse_verify {
            internal;
            proxy_pass http://127.0.0.1:%4/api/v1/auth/verify;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
        }

        location / {
            auth_request /_gatehouse_verify;
            auth_request_set $auth_user $upstream_http_x_auth_user_id;
            auth_request_set $auth_email $upstream_http_x_auth_email;
            auth_request_set $auth_role $upstream_http_x_auth_role;
            # Always set (never passed through from the client, who could forge them).
            proxy_set_header X-Auth-User-Id $auth_user;
            proxy_set_header X-Auth-Email $auth_email;
            proxy_set_header X-Auth-Role $auth_role;
            add_header X-User $auth_user;
            proxy_pass http://127.0.0.1:%3;
        }

        error_page 401 = @unauthorized;
        location @unauthorized {
            default_type application/json;
            return 401 '{"error":{"code":"UNAUTHENTICATED","message":"sign in first"}}';
        }
    }
}
)";

QString nginxExecutable()
{
    return QStandardPaths::findExecutable(u"nginx"_s,
                                          {u"/usr/sbin"_s, u"/usr/local/sbin"_s, u"/usr/bin"_s});
}

} // namespace

class TestForwardAuthNginx : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    QTemporaryDir m_prefix;
    QProcess m_nginx;
    quint16 m_port = 0;
    int m_users = 0;

    QSqlDatabase db() const { return m_db->database(); }
    TestHttpResponse throughNginx(const Headers &headers, const QString &path = u"/"_s)
    {
        return TestHttp::request("GET", QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_port).arg(path)), {},
                                 headers);
    }
    QString nginxLog() const
    {
        QFile file(m_prefix.filePath(u"error.log"_s));
        return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
    }
    struct Seeded
    {
        QString userId;
        QString email;
        QString token;
    };
    Seeded seed()
    {
        Seeded s;
        s.email = u"proxied%1@example.org"_s.arg(++m_users);
        s.userId = insertUser(db(), s.email, u"admin"_s);
        s.token = s.userId.isEmpty() ? QString() : insertSession(db(), s.userId);
        return s;
    }

private slots:
    void initTestCase()
    {
        const QString nginx = nginxExecutable();
        QVERIFY2(!nginx.isEmpty(), "nginx is not installed: install the Debian package nginx "
                                   "(GATEHOUSE_TEST_PACKAGES in scripts/packages.sh)");
        QVERIFY2(!qEnvironmentVariable("GH_TEST_REDIS_URL").isEmpty(),
                 "GH_TEST_REDIS_URL is not set: run through scripts/test");
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(
            QStringList{u"--database-url"_s, m_db->url(), u"--redis-url"_s,
                        qEnvironmentVariable("GH_TEST_REDIS_URL"), u"--workers"_s, u"1"_s,
                        u"--rate-limit-default"_s, u"100000/10000"_s, u"--rate-limit-session"_s,
                        u"100000/10000"_s});
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));

        QVERIFY(m_prefix.isValid());
        const QDir prefix(m_prefix.path());
        QVERIFY(prefix.mkpath(u"www"_s) && prefix.mkpath(u"tmp"_s));
        QFile page(prefix.filePath(u"www/index.html"_s));
        QVERIFY(page.open(QIODevice::WriteOnly) && page.write(kPage) == kPage.size());
        page.close();
        m_port = TestHttp::freePort();
        // As root the workers would switch to nobody, who cannot read the private prefix.
        const QString user = ::geteuid() == 0 ? u"user root;"_s : QString();
        const QString config = QString::fromLatin1(kConfig)
                                   .arg(m_prefix.path())
                                   .arg(m_port)
                                   .arg(TestHttp::freePort())
                                   .arg(m_server->port())
                                   .arg(user);
        QFile file(prefix.filePath(u"nginx.conf"_s));
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write(config.toUtf8()) > 0);
        file.close();

        m_nginx.setProcessChannelMode(QProcess::MergedChannels);
        m_nginx.start(nginx, {u"-p"_s, m_prefix.path(), u"-c"_s, prefix.filePath(u"nginx.conf"_s),
                              u"-e"_s, prefix.filePath(u"error.log"_s), u"-g"_s, u"daemon off;"_s});
        QVERIFY2(m_nginx.waitForStarted(10000), qPrintable(m_nginx.errorString()));
        QElapsedTimer timer;
        timer.start();
        while (throughNginx({}).status == 0 && timer.elapsed() < 15000) {
            QVERIFY2(m_nginx.state() == QProcess::Running,
                     qPrintable(QString::fromUtf8(m_nginx.readAll()) + nginxLog()));
            QTest::qWait(50);
        }
        QVERIFY2(throughNginx({}).status != 0,
                 qPrintable(QString::fromUtf8(m_nginx.readAll()) + nginxLog()));
    }

    void cleanupTestCase()
    {
        if (m_nginx.state() != QProcess::NotRunning) {
            m_nginx.terminate(); // SIGTERM: fast shutdown
            if (!m_nginx.waitForFinished(10000)) {
                m_nginx.kill();
                m_nginx.waitForFinished(5000);
            }
        }
        m_server.reset();
        m_db.reset();
    }

    void withoutASessionNginxAnswers401()
    {
        const Headers refused[] = {{},
                                   cookie(newToken()),
                                   cookie(u"not-a-token"_s),
                                   bearer(newToken()),
                                   // Identity headers sent by the client are no way in.
                                   {{"X-Auth-User-Id", "00000000-0000-0000-0000-000000000000"}}};
        for (const Headers &headers : refused) {
            const TestHttpResponse answer = throughNginx(headers);
            QCOMPARE(answer.status, 401);
            QVERIFY(!answer.body.contains("protected page"));
            QVERIFY(answer.header("X-Received-User").isEmpty());
            QVERIFY2(answer.body.contains("UNAUTHENTICATED"), answer.body.constData());
        }
        QCOMPARE(throughNginx({}, u"/index.html"_s).status, 401);
        // The verify location is internal: not reachable from outside.
        QCOMPARE(throughNginx(cookie(newToken()), u"/_gatehouse_verify"_s).status, 404);
    }

    void aValidSessionCookieGetsThePage()
    {
        const Seeded s = seed();
        QVERIFY(!s.token.isEmpty());
        for (const QString &path : {u"/"_s, u"/index.html"_s}) {
            const TestHttpResponse answer = throughNginx(cookie(s.token), path);
            QCOMPARE(answer.status, 200);
            QCOMPARE(answer.body, kPage);
            QCOMPARE(answer.header("X-User"), s.userId.toLatin1());
            // What the upstream application received.
            QCOMPARE(answer.header("X-Received-User"), s.userId.toLatin1());
            QCOMPARE(answer.header("X-Received-Email"), s.email.toLatin1());
            QCOMPARE(answer.header("X-Received-Role"), "admin"_ba);
        }
        // A forged identity header is overwritten by the verified one.
        Headers forged = cookie(s.token);
        forged.append({"X-Auth-User-Id"_ba, "00000000-0000-0000-0000-000000000000"_ba});
        forged.append({"X-Auth-Role"_ba, "superuser"_ba});
        const TestHttpResponse answer = throughNginx(forged);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.header("X-Received-User"), s.userId.toLatin1());
        QCOMPARE(answer.header("X-Received-Role"), "admin"_ba);
        // API clients may send the token as a Bearer token instead.
        QCOMPARE(throughNginx(bearer(s.token)).status, 200);
        QCOMPARE(throughNginx(cookie(s.token), u"/missing.html"_s).status,
                 404); // the app's own 404
        // The auth subrequest is always a GET (what /verify serves), whatever the client's method:
        // a POST gets past it to the application (whose static files refuse POST with 405).
        const QUrl page(u"http://127.0.0.1:%1/"_s.arg(m_port));
        QCOMPARE(TestHttp::request("POST", page, "x=1", cookie(s.token)).status, 405);
        QCOMPARE(TestHttp::request("POST", page, "x=1").status, 401);
    }

    void aRevokedSessionIs401AtOnce()
    {
        const Seeded s = seed();
        QVERIFY(!s.token.isEmpty());
        QCOMPARE(throughNginx(cookie(s.token)).status, 200); // cached in Redis now
        const TestHttpResponse out =
            TestHttp::request("POST", m_server->url(u"/api/v1/auth/logout"_s), {}, bearer(s.token));
        QCOMPARE(out.status, 204);
        const TestHttpResponse answer = throughNginx(cookie(s.token));
        QCOMPARE(answer.status, 401);
        QVERIFY(!answer.body.contains("protected page"));
    }

    void gatehouseUnreachableFailsClosed()
    {
        const Seeded s = seed();
        QVERIFY(!s.token.isEmpty());
        QCOMPARE(throughNginx(cookie(s.token)).status, 200);
        m_server->kill();
        // auth_request treats anything but 2xx/401/403 (here: connection refused) as an error.
        const TestHttpResponse answer = throughNginx(cookie(s.token));
        QCOMPARE(answer.status, 500);
        QVERIFY(!answer.body.contains("protected page"));
        QVERIFY2(m_nginx.state() == QProcess::Running, qPrintable(nginxLog()));
    }
};

QTEST_GUILESS_MAIN(TestForwardAuthNginx)
#include "TestForwardAuthNginx.moc"
