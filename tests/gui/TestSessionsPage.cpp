// The Sessions page under the offscreen platform against real PostgreSQL and Redis: revoking
// the selected session updates the row, deletes its Redis keys and publishes the event; a bulk
// revocation takes exactly the filtered set.
#include "models/console/ConsoleTableModels.h"
#include "server/admin/AdminService.h"
#include "server/redis/RedisClient.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "ui/ConsoleConnection.h"
#include "ui/pages/SessionsPage.h"
#include "ui/pages/TablePageKit.h"

#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace SessionFixtures;

class TestSessionsPage : public QObject
{
    Q_OBJECT

    LocalRedis m_redis;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<ConsoleConnection> m_console;
    QSqlDatabase db() const { return m_db->database(); }

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(u"GatehouseTest"_s);
        TablePageKit::setConfirmationsEnabled(false); // no one to click Yes
        QVERIFY(m_redis.start());
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_console = std::make_unique<ConsoleConnection>();
        QVERIFY(m_console->open(m_db->url(), m_redis.url()).ok());
        QTRY_VERIFY(m_console->redis()->isConnected());
    }

    void revokeSelectedFromThePage()
    {
        const QString user = insertUser(db(), u"page@example.org"_s);
        const QString token = insertSession(db(), user);
        const QString id = idFor(token);
        // As a session check would have left them.
        m_redis.cli({u"SET"_s, u"session:valid:"_s + id, u"1"_s, u"EX"_s, u"300"_s});
        m_redis.cli({u"SET"_s, u"session:"_s + id, u"{}"_s, u"EX"_s, u"300"_s});
        SessionsPage page(m_console.get());
        page.resize(1200, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.showSession(id);
        QCOMPARE(page.table()->selectionModel()->selectedRows().size(), 1);
        QCOMPARE(page.model()->idAt(page.table()->selectionModel()->selectedRows().first().row()), id);
        QSignalSpy finished(&page, &SessionsPage::actionFinished);
        page.revokeSelected(u"from the page"_s);
        QTRY_COMPARE(finished.size(), 1);
        QVERIFY(finished.first().at(1).toBool());
        QCOMPARE(sessionColumn(db(), id, u"status"_s), u"revoked"_s);
        QCOMPARE(sessionColumn(db(), id, u"revoked_reason"_s), u"from the page"_s);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"session:valid:"_s + id, u"session:"_s + id}), "0");
        // The table shows the new state after the action.
        const int row = page.model()->rowOfId(id);
        QVERIFY(row >= 0);
        QCOMPARE(page.model()->data(page.model()->index(row, SessionsTableModel::Status)).toString(), u"revoked"_s);
    }

    void bulkRevokeOfAFilteredSet()
    {
        const QString a = insertUser(db(), u"bulk-a@example.org"_s), b = insertUser(db(), u"bulk-b@example.org"_s);
        QStringList tokens;
        for (int i = 0; i < 5; ++i)
            tokens.append(insertSession(db(), a));
        const QString other = insertSession(db(), b);
        SessionsPage page(m_console.get());
        page.show();
        SessionFilter filter;
        filter.user = u"bulk-a@"_s;
        filter.status = u"active"_s;
        page.setFilter(filter);
        QCOMPARE(page.model()->rowCount(), 5);
        QSignalSpy finished(&page, &SessionsPage::actionFinished);
        QVERIFY(page.bulkRevoke(u"bulk from the page"_s));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        QVERIFY(finished.first().at(1).toBool());
        for (const QString &token : tokens)
            QCOMPARE(sessionColumn(db(), idFor(token), u"status"_s), u"revoked"_s);
        QCOMPARE(sessionColumn(db(), idFor(other), u"status"_s), u"active"_s);
        QCOMPARE(page.model()->rowCount(), 0); // the filter asks for active ones: none left
    }

    void badIpFilterDoesNotQuery()
    {
        SessionsPage page(m_console.get());
        SessionFilter filter;
        filter.ip = u"10.0.0.0/8"_s;
        page.setFilter(filter);
        QVERIFY(!page.model()->hasError());
    }

    void cleanupTestCase()
    {
        m_console.reset();
    }
};

QTEST_MAIN(TestSessionsPage)
#include "TestSessionsPage.moc"
