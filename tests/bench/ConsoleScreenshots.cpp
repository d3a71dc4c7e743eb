// Screenshots of every console page for docs/screenshots (scripts/screenshots runs this under
// Xvfb against a seeded database): the real MainWindow with its real ServerController, pages
// and connection, external PostgreSQL and Redis, a few failed sign-ins recorded and live
// events published so no page is empty.
//
//   console_screenshots DATABASE_URL REDIS_URL OUTPUT_DIR
#include "server/auth/SignInFailures.h"
#include "server/redis/RedisClient.h"
#include "server/runtime/ServerController.h"
#include "ui/ConsoleConnection.h"
#include "ui/MainWindow.h"
#include "ui/pages/LiveEventsPage.h"
#include "ui/pages/OverviewPage.h"

#include "models/console/LiveEventsModel.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

void waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    QEventLoop loop;
    QTimer check;
    check.setInterval(50);
    QObject::connect(&check, &QTimer::timeout, [&] {
        if (done() || timer.elapsed() >= timeoutMs)
            loop.quit();
    });
    check.start();
    loop.exec();
}

void settle(int ms)
{
    waitFor([] { return false; }, ms);
}

// Recent sessions' users and ids, for realistic live events.
QList<QPair<QString, QString>> recentSessions(ConsoleConnection *connection)
{
    QList<QPair<QString, QString>> rows;
    QSqlQuery query(connection->database());
    query.exec(u"SELECT user_id::text, id FROM sessions ORDER BY created_at DESC LIMIT 40"_s);
    while (query.next())
        rows.append({query.value(0).toString(), query.value(1).toString()});
    return rows;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true); // no settings from (or into) the user's console
    QCoreApplication::setOrganizationName(u"GatehouseScreenshots"_s);
    QCoreApplication::setApplicationName(u"gatehouse"_s);
    QSettings().clear(); // the default layout, not the last run's
    const QStringList args = app.arguments();
    if (args.size() != 4) {
        std::fprintf(stderr, "usage: console_screenshots DATABASE_URL REDIS_URL OUTPUT_DIR\n");
        return 2;
    }
    QDir out(args[3]);
    out.mkpath(u"."_s);
    QTemporaryDir dataDir;
    Config config;
    config.dataDir = dataDir.path();
    config.secretStore = u"file"_s;
    config.listenPort = 0;
    config.workers = 1;
    config.databaseUrl = args[1];
    config.redisUrl = args[2];

    ServerController controller(config);
    MainWindow window(&controller);
    window.resize(1280, 800);
    window.show();
    controller.start();
    waitFor([&] { return controller.lastStatus().state == ServerStatus::State::Running; }, 60000);
    waitFor([&] { return window.connection()->isOpen(); }, 10000);
    if (!window.connection()->isOpen()) {
        std::fprintf(stderr, "the console did not connect: %s\n", qPrintable(window.connectionStateText()));
        return 1;
    }

    // Failed sign-ins over today's hours, as SignInFailures records them.
    RedisClient *redis = window.connection()->redis();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int hour = 0; hour <= now.time().hour(); ++hour) {
        const QByteArray key = SignInFailures::keyFor(QDateTime(now.date(), QTime(hour, 0), Qt::UTC));
        redis->command({"SET", key, QByteArray::number(3 + (hour * 7) % 11)}, [](const RedisReply &) {});
    }

    window.showPage(MainWindow::LiveEvents);
    waitFor([&] { return window.liveEventsPage()->isSubscribed(); }, 10000);
    const auto sessions = recentSessions(window.connection());
    static const char *types[] = {"session:created", "user:updated", "session:created",
                                  "session:revoked", "user:created"};
    for (int i = 0; i < sessions.size(); ++i) {
        const QString type = QString::fromLatin1(types[i % 5]);
        QJsonObject event{{u"type"_s, type},
                          {u"userId"_s, sessions[i].first},
                          {u"at"_s, now.addSecs(i - 40).toString(Qt::ISODateWithMs)},
                          {u"instance"_s, i % 3 ? u"gh-eu-1:4211"_s : u"gh-eu-2:3980"_s}};
        if (type.startsWith(u"session"))
            event.insert(u"sessionId"_s, sessions[i].second);
        if (type == u"session:revoked") {
            event.insert(u"by"_s, u"admin:console"_s);
            event.insert(u"reason"_s, u"lost device"_s);
        }
        if (type == u"user:updated")
            event.insert(u"by"_s, sessions[i].first);
        redis->publish(type.toLatin1(), QJsonDocument(event).toJson(QJsonDocument::Compact));
    }
    waitFor([&] { return window.liveEventsPage()->model()->rowCount() >= sessions.size(); }, 10000);

    const QList<QPair<MainWindow::Page, QString>> pages = {
        {MainWindow::Overview, u"overview"_s},   {MainWindow::Users, u"users"_s},
        {MainWindow::Sessions, u"sessions"_s},   {MainWindow::Passkeys, u"passkeys"_s},
        {MainWindow::Providers, u"providers"_s}, {MainWindow::LiveEvents, u"live-events"_s},
        {MainWindow::Server, u"server"_s},       {MainWindow::Settings, u"settings"_s}};
    int failures = 0;
    for (const auto &[page, name] : pages) {
        window.showPage(page);
        if (page == MainWindow::Overview) {
            window.overviewPage()->refresh();
            waitFor([&] { return !window.overviewPage()->isLoading(); }, 30000);
        }
        settle(page == MainWindow::Server ? 2500 : 1500); // tables fetch, health polls
        const QString path = out.filePath(name + u".png"_s);
        if (!window.grab().save(path)) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
            ++failures;
        } else {
            std::printf("%s\n", qPrintable(path));
        }
    }
    window.close();
    return failures == 0 ? 0 : 1;
}
