// The hosted pages (API.md: `GET /` and `/ui/...`) over HTTP from a real gatehoused: the
// redirect from / and /ui, every page and script compiled in from resources/web with its
// content type, the CSP on HTML, ETag revalidation (304), unknown files 404 as JSON, and that
// every script a page loads exists (a missing feature script would silently break a page).
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/TestHttp.h"

#include <QDir>
#include <QRegularExpression>
#include <QtTest>

using namespace Qt::StringLiterals;

class TestHostedPages : public QObject
{
    Q_OBJECT

    LocalRedis m_redis;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;

    static QStringList sourceFiles()
    {
        return QDir(QStringLiteral(GATEHOUSE_SOURCE_DIR "/resources/web")).entryList(QDir::Files, QDir::Name);
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_redis.start(), "redis-server did not start");
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(
            QStringList{u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(), u"--workers"_s, u"1"_s});
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
    }

    void rootAndUiRedirectToTheSignInPage()
    {
        for (const QString &path : {u"/"_s, u"/ui"_s}) {
            const auto response = TestHttp::get(m_server->url(path));
            QCOMPARE(response.status, 302);
            QCOMPARE(response.header("Location"), "/ui/"_ba);
        }
        const auto index = TestHttp::get(m_server->url(u"/ui/"_s));
        QCOMPARE(index.status, 200);
        QVERIFY(index.body.contains("<section id=\"totp-signin\">"));
    }

    void everyFileIsServedWithItsType_data()
    {
        QTest::addColumn<QString>("file");
        for (const QString &file : sourceFiles())
            QTest::newRow(qPrintable(file)) << file;
    }
    void everyFileIsServedWithItsType()
    {
        QFETCH(QString, file);
        QFile source(QStringLiteral(GATEHOUSE_SOURCE_DIR "/resources/web/") + file);
        QVERIFY(source.open(QIODevice::ReadOnly));
        const auto response = TestHttp::get(m_server->url(u"/ui/"_s + file));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, source.readAll());
        const QByteArray type = response.header("Content-Type");
        if (file.endsWith(u".html"_s)) {
            QCOMPARE(type, "text/html; charset=utf-8"_ba);
            QVERIFY(response.header("Content-Security-Policy").contains("default-src 'self'"));
        } else if (file.endsWith(u".js"_s)) {
            QCOMPARE(type, "text/javascript; charset=utf-8"_ba);
        } else if (file.endsWith(u".css"_s)) {
            QCOMPARE(type, "text/css; charset=utf-8"_ba);
        }
        QCOMPARE(response.header("Cache-Control"), "no-cache"_ba);
        QCOMPARE(response.header("X-Content-Type-Options"), "nosniff"_ba);

        const QByteArray etag = response.header("ETag");
        QVERIFY(etag.startsWith('"') && etag.endsWith('"'));
        const auto again = TestHttp::request("GET", m_server->url(u"/ui/"_s + file), {}, {{"If-None-Match", etag}});
        QCOMPARE(again.status, 304);
        QVERIFY(again.body.isEmpty());
        const auto stale = TestHttp::request("GET", m_server->url(u"/ui/"_s + file), {}, {{"If-None-Match", "\"old\""}});
        QCOMPARE(stale.status, 200);
    }

    void scriptsAndStylesThePagesLoadExist()
    {
        const QStringList files = sourceFiles();
        // (No raw string literal with a suffix here: Qt 6.4's moc then skips the class.)
        static const QRegularExpression reference(QStringLiteral("(?:src|href)=\"([^\"/:]+\\.(?:js|css))\""));
        for (const QString &page : files) {
            if (!page.endsWith(u".html"_s))
                continue;
            QFile html(QStringLiteral(GATEHOUSE_SOURCE_DIR "/resources/web/") + page);
            QVERIFY(html.open(QIODevice::ReadOnly));
            auto matches = reference.globalMatch(QString::fromUtf8(html.readAll()));
            while (matches.hasNext()) {
                const QString file = matches.next().captured(1);
                QVERIFY2(files.contains(file), qPrintable(page + u" loads a missing "_s + file));
            }
        }
    }

    void unknownAndHostileNamesAre404_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("missing") << u"/ui/nope.js"_s;
        QTest::newRow("traversal") << u"/ui/..%2F..%2Fetc%2Fpasswd"_s;
        QTest::newRow("encoded slash") << u"/ui/web%2Findex.html"_s;
        QTest::newRow("nested") << u"/ui/a/index.html"_s;
    }
    void unknownAndHostileNamesAre404()
    {
        QFETCH(QString, path);
        const auto response = TestHttp::get(m_server->url(path));
        QCOMPARE(response.status, 404);
        QVERIFY(response.json().contains(u"error"_s));
    }

    void cleanupTestCase()
    {
        m_server.reset();
        m_db.reset();
    }
};

QTEST_GUILESS_MAIN(TestHostedPages)
#include "TestHostedPages.moc"
