// The console's keyset table models on real PostgreSQL: QAbstractItemModelTester checks the
// model contract while pages are fetched, and each filter returns exactly the rows it should.
#include "models/console/ConsoleTableModels.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"

#include <QAbstractItemModelTester>
#include <QSet>
#include <QSqlQuery>
#include <QTimeZone>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace SessionFixtures;

class TestConsoleModels : public QObject
{
    Q_OBJECT

    std::unique_ptr<ScratchDatabase> m_db;
    QString m_alice, m_bob;
    QSqlDatabase db() const { return m_db->database(); }
    KeysetTableModel::DatabaseProvider provider() const
    {
        return [this] { return db(); };
    }
    // Every id the model yields once fetched to the end (checking order and uniqueness).
    static QStringList fetchAll(KeysetTableModel &model)
    {
        while (model.canFetchMore({}))
            model.fetchMore({});
        QStringList ids;
        for (int row = 0; row < model.rowCount(); ++row)
            ids.append(model.idAt(row));
        return ids;
    }
    QStringList sessionIds(const QString &where, const QVariantList &values = {})
    {
        QSqlQuery q(db());
        q.prepare(u"SELECT id FROM sessions s WHERE "_s + where);
        for (const QVariant &v : values)
            q.addBindValue(v);
        q.exec();
        QStringList ids;
        while (q.next())
            ids.append(q.value(0).toString());
        ids.sort();
        return ids;
    }
    static QStringList sorted(QStringList list)
    {
        list.sort();
        return list;
    }

private slots:
    void initTestCase()
    {
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_alice = insertUser(db(), u"alice@example.org"_s, u"admin"_s);
        m_bob = insertUser(db(), u"bob@example.org"_s, u"user"_s, u"disabled"_s);
        QVERIFY(!m_alice.isEmpty() && !m_bob.isEmpty());
        // 530 sessions: several pages of 200 (and more with the small pages below); some with
        // identical created_at so the id tiebreak of the keyset matters.
        QVERIFY(exec(db(), uR"(INSERT INTO sessions (id, user_id, status, user_agent, ip, browser, os, device,
                      location_country, created_at, expires_at, last_activity_at)
            SELECT md5('a' || g) || md5('b' || g), CASE WHEN g % 3 = 0 THEN CAST(? AS uuid) ELSE CAST(? AS uuid) END,
                   CASE WHEN g % 5 = 0 THEN 'revoked' ELSE 'active' END, 'UA ' || g,
                   CASE WHEN g % 2 = 0 THEN '192.168.' || (g % 4) || '.' || (g % 250 + 1) ELSE '2001:db8:' || to_hex(g % 3) || '::' || to_hex(g) END,
                   (ARRAY['Chrome','Firefox','Safari'])[1 + g % 3], 'Linux', 'Other', (ARRAY['DE','US'])[1 + g % 2],
                   timestamptz '2024-01-01 00:00:00.123456+00' + (g / 3) * interval '1 minute',
                   now() + interval '1 day', timestamptz '2024-02-01 00:00:00+00' + g * interval '1 hour'
            FROM generate_series(1, 530) AS g)"_s, {m_alice, m_bob}));
        QVERIFY(exec(db(), uR"(INSERT INTO passkey_credentials (id, user_id, public_key, device_type, backed_up)
            SELECT 'cred-' || g, CAST(? AS uuid), 'pk', 'singleDevice', g % 2 = 0 FROM generate_series(1, 5) g)"_s, {m_alice}));
        QVERIFY(exec(db(), uR"(INSERT INTO auth_providers (user_id, type, provider_id, email)
            VALUES (CAST(? AS uuid), 'github', 'gh-1', 'alice@github'), (CAST(? AS uuid), 'google', 'g-2', 'bob@gmail'))"_s,
                     {m_alice, m_bob}));
    }

    void keysetPagingVisitsEveryRowOnceInEachOrder_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<int>("order");
        QTest::newRow("created desc") << int(SessionsTableModel::Created) << int(Qt::DescendingOrder);
        QTest::newRow("created asc") << int(SessionsTableModel::Created) << int(Qt::AscendingOrder);
        QTest::newRow("browser asc (ties)") << int(SessionsTableModel::Browser) << int(Qt::AscendingOrder);
        QTest::newRow("ip desc") << int(SessionsTableModel::Ip) << int(Qt::DescendingOrder);
        QTest::newRow("user asc") << int(SessionsTableModel::User) << int(Qt::AscendingOrder);
    }
    void keysetPagingVisitsEveryRowOnceInEachOrder()
    {
        QFETCH(int, column);
        QFETCH(int, order);
        SessionsTableModel model(provider());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(64);
        model.sort(column, Qt::SortOrder(order));
        model.reload();
        QCOMPARE(model.rowCount(), 64);
        QVERIFY(model.canFetchMore({}));
        const QStringList ids = fetchAll(model);
        QCOMPARE(ids.size(), 530);
        QCOMPARE(QSet<QString>(ids.begin(), ids.end()).size(), 530);
        QVERIFY(!model.canFetchMore({}));
        // Ordered by the column (the display text sorts like the SQL value for these).
        if (column == SessionsTableModel::Created) {
            for (int row = 1; row < model.rowCount(); ++row) {
                const QDateTime a = model.value(row - 1, column).toDateTime(), b = model.value(row, column).toDateTime();
                QVERIFY(order == Qt::AscendingOrder ? a <= b : a >= b);
            }
        }
    }

    void sessionFilters_data()
    {
        QTest::addColumn<SessionFilter>("filter");
        QTest::addColumn<QString>("where"); // the same rows in plain SQL
        QTest::addColumn<QVariantList>("values");
        SessionFilter f;
        f.ip = u"192.168.2.0/24"_s;
        QTest::newRow("cidr v4") << f << u"ip LIKE '192.168.2.%'"_s << QVariantList{};
        f = {};
        f.ip = u"192.168.2.77/23"_s; // host bits set: the /23 network
        QTest::newRow("cidr host bits") << f << u"(ip LIKE '192.168.2.%' OR ip LIKE '192.168.3.%')"_s << QVariantList{};
        f = {};
        f.ip = u"2001:db8:1::/48"_s;
        QTest::newRow("cidr v6") << f << u"ip LIKE '2001:db8:1::%'"_s << QVariantList{};
        f = {};
        f.ip = u"192.168.0.4"_s;
        QTest::newRow("one address") << f << u"ip = '192.168.0.4'"_s << QVariantList{};
        f = {};
        f.ip = u"not an ip; DROP TABLE sessions"_s;
        QTest::newRow("bad ip matches nothing") << f << u"FALSE"_s << QVariantList{};
        f = {};
        f.user = u"alice@"_s;
        QTest::newRow("user email prefix") << f << u"user_id = CAST(? AS uuid)"_s << QVariantList{m_alice};
        f = {};
        f.user = m_bob;
        f.status = u"revoked"_s;
        QTest::newRow("user id + status") << f << u"user_id = CAST(? AS uuid) AND status = 'revoked'"_s << QVariantList{m_bob};
        f = {};
        f.browser = u"Safari"_s;
        f.country = u"DE"_s;
        QTest::newRow("browser + country") << f << u"browser = 'Safari' AND location_country = 'DE'"_s << QVariantList{};
        f = {};
        f.createdFrom = QDateTime(QDate(2024, 1, 1), QTime(1, 0), Qt::UTC);
        f.createdTo = QDateTime(QDate(2024, 1, 1), QTime(2, 0), Qt::UTC);
        QTest::newRow("created range") << f << u"created_at >= '2024-01-01 01:00Z' AND created_at < '2024-01-01 02:00Z'"_s << QVariantList{};
        f = {};
        f.activityFrom = QDateTime(QDate(2024, 2, 5), QTime(0, 0), Qt::UTC);
        QTest::newRow("activity from") << f << u"last_activity_at >= '2024-02-05 00:00Z'"_s << QVariantList{};
        f = {};
        f.user = u"%"_s; // LIKE characters are literal
        QTest::newRow("percent is literal") << f << u"FALSE"_s << QVariantList{};
    }
    void sessionFilters()
    {
        QFETCH(SessionFilter, filter);
        QFETCH(QString, where);
        QFETCH(QVariantList, values);
        SessionsTableModel model(provider());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(50);
        model.setFilter(filter);
        QVERIFY2(!model.hasError(), qPrintable(model.lastError().message));
        const QStringList expected = sessionIds(where, values);
        QCOMPARE(sorted(fetchAll(model)), expected);
        QCOMPARE(model.totalCount(), expected.size());
        QVERIFY(model.totalIsExact());
    }

    void countIsExactWhenSmall()
    {
        SessionsTableModel model(provider());
        model.setPageSize(10);
        model.reload();
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(model.totalCount(), 530); // counted, though only a page is loaded
        QVERIFY(model.totalIsExact());
    }

    void userFilters_data()
    {
        QTest::addColumn<UserFilter>("filter");
        QTest::addColumn<QStringList>("emails");
        UserFilter f;
        f.search = u"ALI"_s;
        QTest::newRow("email prefix, any case") << f << QStringList{u"alice@example.org"_s};
        f = {};
        f.status = u"disabled"_s;
        QTest::newRow("status") << f << QStringList{u"bob@example.org"_s};
        f = {};
        f.role = u"admin"_s;
        QTest::newRow("role") << f << QStringList{u"alice@example.org"_s};
        f = {};
        f.hasPasskey = true;
        QTest::newRow("has passkey") << f << QStringList{u"alice@example.org"_s};
        f = {};
        f.hasPasskey = false;
        QTest::newRow("no passkey") << f << QStringList{u"bob@example.org"_s};
        f = {};
        f.totpEnabled = true;
        QTest::newRow("totp on") << f << QStringList{};
    }
    void userFilters()
    {
        QFETCH(UserFilter, filter);
        QFETCH(QStringList, emails);
        UsersTableModel model(provider());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setFilter(filter);
        QVERIFY2(!model.hasError(), qPrintable(model.lastError().message));
        QStringList got;
        for (int row = 0; row < model.rowCount(); ++row)
            got.append(model.data(model.index(row, UsersTableModel::Email)).toString());
        QCOMPARE(sorted(got), emails);
    }

    void userSearchById()
    {
        UsersTableModel model(provider());
        UserFilter f;
        f.search = m_bob;
        model.setFilter(f);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.idAt(0), m_bob);
    }

    void passkeysAndProviders()
    {
        PasskeysTableModel passkeys(provider());
        QAbstractItemModelTester tester(&passkeys, QAbstractItemModelTester::FailureReportingMode::QtTest);
        passkeys.setPageSize(2);
        PasskeyFilter pf;
        pf.userId = m_alice;
        passkeys.setFilter(pf);
        QCOMPARE(fetchAll(passkeys).size(), 5);
        QCOMPARE(passkeys.headerData(PasskeysTableModel::CloneSuspected, Qt::Horizontal).toString(), u"Flagged as cloned"_s);
        QVERIFY(PasskeysTableModel::hasColumn(db(), u"passkey_credentials"_s, u"clone_suspected_at"_s));
        QVERIFY(!PasskeysTableModel::hasColumn(db(), u"passkey_credentials"_s, u"no_such_column"_s));

        ProvidersTableModel providers(provider());
        QAbstractItemModelTester tester2(&providers, QAbstractItemModelTester::FailureReportingMode::QtTest);
        ProviderFilter f;
        f.type = u"google"_s;
        providers.setFilter(f);
        QCOMPARE(providers.rowCount(), 1);
        QCOMPARE(providers.data(providers.index(0, ProvidersTableModel::Email)).toString(), u"bob@gmail"_s);
        f = {};
        f.search = u"ALICE"_s;
        providers.setFilter(f);
        QCOMPARE(providers.rowCount(), 1);
    }
};

QTEST_GUILESS_MAIN(TestConsoleModels)
#include "TestConsoleModels.moc"
