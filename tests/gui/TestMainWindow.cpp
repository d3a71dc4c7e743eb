// The console under QT_QPA_PLATFORM=offscreen: it starts the embedded server in the
// background, shows its state and the health of PostgreSQL and Redis, and stops/starts it;
// every page opens, the keyboard picks pages and reaches the current page's filter, the console
// connection opens once the server runs, and the layout is remembered.
#include "server/runtime/ServerController.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/TestHttp.h"
#include "ui/ConsoleConnection.h"
#include "ui/MainWindow.h"
#include "ui/ServerPage.h"
#include "ui/pages/LiveEventsPage.h"
#include "ui/pages/OverviewPage.h"
#include "models/console/LiveEventsModel.h"
#include "tests/support/SessionFixtures.h"
#include "ui/pages/SessionsPage.h"
#include "ui/pages/SettingsPage.h"
#include "ui/pages/TablePageKit.h"

#include <QApplication>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

namespace {
Config testConfig(const QString &dataDir, const QString &databaseUrl)
{
    Config config;
    config.dataDir = dataDir;
    config.secretStore = QStringLiteral("file"); // no Secret Service in the test
    config.listenPort = 0; // any free port
    config.workers = 1;
    config.databaseUrl = databaseUrl;
    config.redisUrl = qEnvironmentVariable("GH_TEST_REDIS_URL");
    return config;
}
} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // QSettings and the Settings page's file go to a private test location.
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("GatehouseTest"));
        QCoreApplication::setApplicationName(QStringLiteral("gatehouse-test-main-window"));
        QSettings().clear();
    }

    void everyPageOpensAndTheKeyboardReachesThem()
    {
        ScratchDatabase db(ScratchDatabase::Schema::Migrated);
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        QTemporaryDir dataDir;
        ServerController controller(testConfig(dataDir.path(), db.url()));
        MainWindow window(&controller);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(!window.windowIcon().isNull());
        QVERIFY(!window.windowIcon().pixmap(32, 32).isNull()); // the compiled-in SVG renders
        QVERIFY(!window.connection()->isOpen()); // not before the server is up
        controller.start();
        QTRY_VERIFY_WITH_TIMEOUT(window.connection()->isOpen(), 30000);
        QVERIFY2(window.connectionStateText().startsWith(QStringLiteral("Connected")),
                 qPrintable(window.connectionStateText()));
        QVERIFY(!window.connectionStateText().contains(QStringLiteral("password")));

        auto *list = window.findChild<QListWidget *>(QStringLiteral("pageList"));
        QVERIFY(list);
        QCOMPARE(list->count(), int(MainWindow::PageCount));
        const QStringList titles = {QStringLiteral("Overview"), QStringLiteral("Users"),
                                    QStringLiteral("Sessions"), QStringLiteral("Passkeys"),
                                    QStringLiteral("Providers"), QStringLiteral("Live events"),
                                    QStringLiteral("Server"), QStringLiteral("Settings")};
        for (int i = 0; i < MainWindow::PageCount; ++i) {
            QCOMPARE(list->item(i)->text(), titles[i]);
            QTest::keyClick(&window, Qt::Key(Qt::Key_1 + i), Qt::ControlModifier);
            QCOMPARE(int(window.currentPage()), i);
            QWidget *page = window.page(MainWindow::Page(i));
            QVERIFY(page);
            QTRY_VERIFY(page->isVisible());
        }

        // The Overview loads its figures off the GUI thread once shown.
        QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
        QTRY_VERIFY_WITH_TIMEOUT(window.overviewPage()->usersText() == QStringLiteral("0"), 15000);
        QVERIFY(window.overviewPage()->errorText().isEmpty());
        QSignalSpy refreshed(window.overviewPage(), &OverviewPage::refreshed);
        QTest::keyClick(&window, Qt::Key_F5);
        QVERIFY(refreshed.wait(15000));

        // Live events subscribes through the console connection; Ctrl+F reaches its filter.
        QTest::keyClick(&window, Qt::Key_6, Qt::ControlModifier);
        QTRY_VERIFY_WITH_TIMEOUT(window.liveEventsPage()->isSubscribed(), 10000);
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier);
        QTRY_VERIFY(window.liveEventsPage()->userFilter()->hasFocus());

        // Settings: Ctrl+F reaches the option search.
        QTest::keyClick(&window, Qt::Key_8, Qt::ControlModifier);
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier);
        auto *search = window.settingsPage()->findChild<QLineEdit *>(QStringLiteral("filter"));
        QVERIFY(search);
        QTRY_VERIFY(search->hasFocus());

        // The layout is remembered: page, geometry and splitter.
        auto *splitter = window.findChild<QSplitter *>(QStringLiteral("mainSplitter"));
        QVERIFY(splitter);
        splitter->setSizes({150, 850});
        const QList<int> sizes = splitter->sizes();
        window.close();
        QSettings settings;
        QCOMPARE(settings.value(QStringLiteral("mainWindow/page")).toInt(), int(MainWindow::Settings));
        {
            ServerController again(testConfig(dataDir.path(), db.url()));
            MainWindow reopened(&again); // not started: restoring the layout needs no server
            QCOMPARE(int(reopened.currentPage()), int(MainWindow::Settings));
            reopened.show();
            QVERIFY(QTest::qWaitForWindowExposed(&reopened));
            QCOMPARE(reopened.size(), window.size());
            QCOMPARE(reopened.findChild<QSplitter *>(QStringLiteral("mainSplitter"))->sizes(), sizes);
        }
    }

    // Revoking from the Sessions page goes through AdminService (row, cache, event), and the
    // event comes back over pub/sub into the Live events page.
    void revokingASessionShowsInLiveEvents()
    {
        ScratchDatabase db(ScratchDatabase::Schema::Migrated);
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        const QString userId = SessionFixtures::insertUser(db.database(), QStringLiteral("eve@example.org"));
        const QString sessionId = SessionFixtures::idFor(SessionFixtures::insertSession(db.database(), userId));
        QTemporaryDir dataDir;
        ServerController controller(testConfig(dataDir.path(), db.url()));
        MainWindow window(&controller);
        window.show();
        controller.start();
        QTRY_VERIFY_WITH_TIMEOUT(window.connection()->isOpen(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(window.liveEventsPage()->isSubscribed(), 10000);

        TablePageKit::setConfirmationsEnabled(false);
        window.showPage(MainWindow::Sessions);
        window.sessionsPage()->showSession(sessionId);
        QSignalSpy finished(window.sessionsPage(), &SessionsPage::actionFinished);
        window.sessionsPage()->revokeSelected(QStringLiteral("stolen laptop"));
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.first().at(1).toBool(), true);
        QCOMPARE(SessionFixtures::sessionColumn(db.database(), sessionId, QStringLiteral("status")),
                 QStringLiteral("revoked"));

        LiveEventsModel *events = window.liveEventsPage()->model();
        auto revokedRow = [&] {
            events->flush();
            for (int row = 0; row < events->rowCount(); ++row) {
                if (events->event(row).type == QStringLiteral("session:revoked") &&
                    events->event(row).sessionId == sessionId)
                    return row;
            }
            return -1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(revokedRow() >= 0, 10000);
        const LiveEvent &event = events->event(revokedRow());
        QCOMPARE(event.userId, userId);
        QCOMPARE(event.reason, QStringLiteral("stolen laptop"));
        QVERIFY(event.by.startsWith(QStringLiteral("admin:")));
        TablePageKit::setConfirmationsEnabled(true);
        window.close();
    }

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
