// The Overview page against a real, migrated PostgreSQL database and a private Redis: its
// counts match what the database and Redis hold (counted here with plain SQL), the hourly
// sign-in series and the top-N country/browser buckets are right, and it never blocks the GUI
// thread while loading.
#include "models/console/OverviewStats.h"
#include "server/auth/SignInFailures.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "ui/ConsoleConnection.h"
#include "ui/pages/OverviewPage.h"

#include <QLocale>
#include <QSqlQuery>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace {

qint64 count(const QSqlDatabase &db, const QString &sql, const QVariantList &values = {})
{
    QSqlQuery query(db);
    query.prepare(sql);
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec() || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

} // namespace

class TestOverviewPage : public QObject
{
    Q_OBJECT

private slots:
    void countsMatchTheDatabase()
    {
        ScratchDatabase scratch(ScratchDatabase::Schema::Migrated);
        QVERIFY2(scratch.isValid(), qPrintable(scratch.errorString()));
        QSqlDatabase db = scratch.database();
        LocalRedis redis;
        QVERIFY(redis.start());

        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QString alice = SessionFixtures::insertUser(db, u"alice@example.org"_s);
        const QString bob = SessionFixtures::insertUser(db, u"bob@example.org"_s);
        QVERIFY(!SessionFixtures::insertUser(db, u"carol@example.org"_s).isEmpty());
        // Active sessions in three browsers and two countries, one of them created two days ago.
        const QStringList browsers = {u"Firefox"_s, u"Firefox"_s, u"Chrome"_s, u"Safari"_s};
        QStringList ids;
        for (int i = 0; i < browsers.size(); ++i) {
            const QString token = SessionFixtures::insertSession(db, i % 2 ? alice : bob);
            QVERIFY(!token.isEmpty());
            ids.append(SessionFixtures::idFor(token));
            QVERIFY(SessionFixtures::exec(db, u"UPDATE sessions SET browser = ?, location_country = ? WHERE id = ?"_s,
                                          {browsers[i], i < 3 ? u"DE"_s : u"FR"_s, ids.last()}));
        }
        QVERIFY(SessionFixtures::exec(db, u"UPDATE sessions SET created_at = ? WHERE id = ?"_s,
                                      {now.addDays(-2), ids[0]}));
        // Not active: revoked, and past its expiry.
        SessionFixtures::SessionRow revoked;
        revoked.status = u"revoked"_s;
        QVERIFY(!SessionFixtures::insertSession(db, alice, revoked).isEmpty());
        SessionFixtures::SessionRow expired;
        expired.expiresAt = now.addSecs(-60);
        QVERIFY(!SessionFixtures::insertSession(db, bob, expired).isEmpty());

        // Failed sign-ins: two hours of today, and yesterday's last hour (not counted).
        const QDateTime midnight(now.date(), QTime(0, 0), Qt::UTC);
        redis.cli({u"SET"_s, QString::fromLatin1(SignInFailures::keyFor(midnight)), u"3"_s});
        if (now.time().hour() > 0)
            redis.cli({u"SET"_s, QString::fromLatin1(SignInFailures::keyFor(now)), u"4"_s});
        redis.cli({u"SET"_s, QString::fromLatin1(SignInFailures::keyFor(midnight.addSecs(-3600))), u"50"_s});
        const qint64 failures = now.time().hour() > 0 ? 7 : 3;

        ConsoleConnection connection;
        const Status opened = connection.open(scratch.url(), redis.url());
        QVERIFY2(opened.ok(), opened.ok() ? "" : qPrintable(opened.error().message));

        OverviewPage page(&connection);
        page.resize(1100, 800);
        QSignalSpy refreshed(&page, &OverviewPage::refreshed);
        page.show(); // refreshes on show
        QVERIFY(page.isLoading());
        QVERIFY(refreshed.wait(15000));
        QVERIFY2(page.errorText().isEmpty(), qPrintable(page.errorText()));
        QTRY_VERIFY(!page.isLoading());

        const QLocale locale;
        QCOMPARE(page.usersText(), locale.toString(count(db, u"SELECT count(*) FROM users"_s)));
        const qint64 active = count(db, u"SELECT count(*) FROM sessions WHERE status = 'active' AND expires_at > now()"_s);
        QCOMPARE(active, 4);
        QCOMPARE(page.activeSessionsText(), locale.toString(active));
        const qint64 today = count(db, u"SELECT count(*) FROM sessions WHERE created_at >= ?"_s, {midnight});
        QCOMPARE(page.signInsTodayText(), locale.toString(today));
        QCOMPARE(page.failedSignInsText(), locale.toString(failures));

        const OverviewStats &stats = page.stats();
        QCOMPARE(stats.signInsPerHourDay.size(), 24);
        QCOMPARE(stats.signInsPerHourWeek.size(), 168);
        // Five sessions were created this hour (three active, revoked, expired); one 48 h ago.
        QCOMPARE(stats.signInsPerHourDay.last(), 5);
        QCOMPARE(stats.signInsPerHourWeek[167 - 48], 1);
        qint64 week = 0;
        for (qint64 n : stats.signInsPerHourWeek)
            week += n;
        QCOMPARE(week, 6);
        QCOMPARE(stats.byBrowser.first(), OverviewStats::Bucket(u"Firefox"_s, 2));
        QCOMPARE(stats.byCountry, (QList<OverviewStats::Bucket>{{u"DE"_s, 3}, {u"FR"_s, 1}}));
    }

    void foldsIntoTopNAndOther()
    {
        QList<OverviewStats::Bucket> rows;
        for (int i = 0; i < 12; ++i)
            rows.append({u"B%1"_s.arg(i), 100 - i});
        rows.append({QString(), 5});
        const auto folded = OverviewStats::foldTop(rows, 8);
        QCOMPARE(folded.size(), 10);
        QCOMPARE(folded[0], OverviewStats::Bucket(u"B0"_s, 100));
        QCOMPARE(folded[7], OverviewStats::Bucket(u"B7"_s, 93));
        QCOMPARE(folded[8], OverviewStats::Bucket(u"Unknown"_s, 5));
        QCOMPARE(folded[9], OverviewStats::Bucket(u"Other"_s, 92 + 91 + 90 + 89));
    }

    void reportsAnUnreachableDatabase()
    {
        auto stats = OverviewStats::load(u"postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"_s,
                                         QDateTime::currentDateTimeUtc());
        QVERIFY(!stats);
        QCOMPARE(stats.error().code, u"DATABASE_UNAVAILABLE"_s);
    }
};

QTEST_MAIN(TestOverviewPage)
#include "TestOverviewPage.moc"
