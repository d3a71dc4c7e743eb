// The console's first page under QT_QPA_PLATFORM=offscreen: it starts the embedded server in
// the background, shows its state and the health of PostgreSQL and Redis, and stops/starts it.
#include "server/runtime/ServerController.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/TestHttp.h"
#include "ui/MainWindow.h"
#include "ui/ServerPage.h"

#include <QApplication>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void showsServerStateAndControlsIt()
    {
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        QTemporaryDir dataDir; // the secret store keeps the keys there
        Config config;
        config.dataDir = dataDir.path();
        config.secretStore = QStringLiteral("file"); // no Secret Service in the test
        config.listenPort = 0; // any free port
        config.workers = 1;
        config.databaseUrl = db.url();
        config.redisUrl = qEnvironmentVariable("GH_TEST_REDIS_URL");
        QVERIFY2(!config.redisUrl.isEmpty(), "GH_TEST_REDIS_URL is not set: run through scripts/test");

        ServerController controller(config);
        MainWindow window(&controller);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ServerPage *page = window.serverPage();
        controller.start();

        QTRY_VERIFY_WITH_TIMEOUT(page->stateText().startsWith(QStringLiteral("Running")), 30000);
        const QString url = page->addressText();
        QVERIFY(url.startsWith(QStringLiteral("http://127.0.0.1:")));
        QCOMPARE(TestHttp::get(QUrl(url + QStringLiteral("/healthz"))).status, 200);
        // Health comes from the server's own /readyz.
        QTRY_VERIFY_WITH_TIMEOUT(page->databaseText().startsWith(QStringLiteral("up")), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(page->redisText().startsWith(QStringLiteral("up")), 10000);
        QVERIFY(!page->startButton()->isEnabled());
        QVERIFY(page->stopButton()->isEnabled());

        QTest::mouseClick(page->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->stateText().startsWith(QStringLiteral("Stopped")), 30000);
        QCOMPARE(TestHttp::get(QUrl(url + QStringLiteral("/healthz")), 2000).status, 0);
        QVERIFY(page->startButton()->isEnabled());

        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->stateText().startsWith(QStringLiteral("Running")), 30000);
        QCOMPARE(TestHttp::get(QUrl(page->addressText() + QStringLiteral("/readyz"))).status, 200);
        window.close();
    }

    void showsAStartFailure()
    {
        QTemporaryDir dataDir;
        Config config;
        config.dataDir = dataDir.path();
        config.secretStore = QStringLiteral("file");
        config.listenPort = 0;
        config.workers = 1;
        config.databaseUrl = QStringLiteral("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2");
        config.redisUrl = qEnvironmentVariable("GH_TEST_REDIS_URL");
        ServerController controller(config);
        MainWindow window(&controller);
        window.show();
        controller.start();
        ServerPage *page = window.serverPage();
        QTRY_VERIFY_WITH_TIMEOUT(page->stateText().startsWith(QStringLiteral("Failed")), 30000);
        QVERIFY2(page->stateText().contains(QStringLiteral("127.0.0.1")), qPrintable(page->stateText()));
        QVERIFY(page->startButton()->isEnabled());
    }
};

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
