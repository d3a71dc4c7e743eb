// The console benchmark: opens the Sessions page against a seeded database (see
// tests/bench/console) and reports the time to its first rows, the time of each filter change
// and the console's resident memory. Targets (issue 8): first rows <= 1 s, each filter
// <= 0.5 s, under 300 MB resident.
//   gatehouse-console-bench DATABASE_URL REDIS_URL [--migrate]
#include "models/console/ConsoleTableModels.h"
#include "models/database/MigrationRunner.h"
#include "ui/ConsoleConnection.h"
#include "ui/pages/SessionsPage.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTableView>
#include <QTextStream>

#include <cstdio>

namespace {
qint64 residentKb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    return -1;
}

void report(const char *what, qint64 ms, int rows, const QString &total)
{
    std::printf("%-40s %6lld ms  %5d rows shown  total %s\n", what, static_cast<long long>(ms), rows, qPrintable(total));
    std::fflush(stdout);
}
} // namespace

int main(int argc, char *argv[])
{
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3) {
        std::fprintf(stderr, "usage: gatehouse-console-bench DATABASE_URL REDIS_URL [--migrate]\n");
        return 2;
    }
    ConsoleConnection connection;
    if (const Status opened = connection.open(args.at(1), args.at(2)); !opened) {
        std::fprintf(stderr, "cannot open: %s\n", qPrintable(opened.error().message));
        return 1;
    }
    if (args.contains(QStringLiteral("--migrate"))) {
        QSqlDatabase db = connection.database();
        auto migrated = MigrationRunner().run(db);
        if (!migrated) {
            std::fprintf(stderr, "migration failed: %s\n", qPrintable(migrated.error().message));
            return 1;
        }
        return 0;
    }
    const qint64 rssBefore = residentKb();

    QElapsedTimer timer;
    timer.start();
    SessionsPage page(&connection);
    page.resize(1400, 900);
    page.show();
    QCoreApplication::processEvents();
    auto total = [&page] {
        return (page.model()->totalIsExact() ? QString() : QStringLiteral(">")) +
               QString::number(page.model()->totalCount());
    };
    report("open Sessions page (first rows)", timer.elapsed(), page.model()->rowCount(), total());

    struct Case { const char *name; SessionFilter filter; };
    QList<Case> cases;
    SessionFilter f;
    f.status = QStringLiteral("active");
    cases.append({"status = active", f});
    f = {};
    f.ip = QStringLiteral("10.5.0.0/16");
    cases.append({"IP in 10.5.0.0/16", f});
    f = {};
    f.ip = QStringLiteral("2001:db8:1f::/48");
    cases.append({"IP in 2001:db8:1f::/48", f});
    f = {};
    f.country = QStringLiteral("JP");
    f.browser = QStringLiteral("Edge");
    cases.append({"country JP + browser Edge", f});
    f = {};
    f.user = QStringLiteral("user4242@");
    cases.append({"user email prefix", f});
    f = {};
    f.os = QStringLiteral("iOS");
    f.device = QStringLiteral("iPad");
    cases.append({"OS iOS + device iPad", f});
    f = {};
    f.status = QStringLiteral("revoked");
    f.activityFrom = QDateTime::currentDateTimeUtc().addDays(-1);
    cases.append({"revoked, active in the last 24 h", f});
    f = {};
    f.createdFrom = QDateTime::currentDateTimeUtc().addDays(-60);
    f.createdTo = QDateTime::currentDateTimeUtc().addDays(-59);
    cases.append({"created in one day 60 days ago", f});
    cases.append({"no filter again", SessionFilter{}});
    qint64 worst = 0;
    for (const Case &c : cases) {
        timer.restart();
        page.setFilter(c.filter);
        QCoreApplication::processEvents();
        worst = qMax(worst, timer.elapsed());
        report(c.name, timer.elapsed(), page.model()->rowCount(), total());
        if (page.model()->hasError())
            std::fprintf(stderr, "  error: %s\n", qPrintable(page.model()->lastError().message));
    }
    // Scroll through 5,000 rows (25 pages) the way a view does.
    timer.restart();
    while (page.model()->rowCount() < 5000 && page.model()->canFetchMore({}))
        page.model()->fetchMore({});
    page.table()->scrollToBottom();
    QCoreApplication::processEvents();
    report("scroll to 5,000 rows (25 pages)", timer.elapsed(), page.model()->rowCount(), total());
    std::printf("worst filter change: %lld ms\n", static_cast<long long>(worst));
    std::printf("resident memory: %lld MB (before the page: %lld MB)\n",
                static_cast<long long>(residentKb() / 1024), static_cast<long long>(rssBefore / 1024));
    return 0;
}
