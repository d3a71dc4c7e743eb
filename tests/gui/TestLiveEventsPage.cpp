// The Live events page against a private redis-server (so no other test's events interfere):
// a burst of 5,000 published events all arrive, in a few batched inserts, while a heartbeat
// timer on the GUI thread never waits more than 100 ms; pause, filters, clear, the JSON-lines
// export, the row cap, double-click, and reconnecting after Redis went away.
#include "models/console/LiveEventsModel.h"
#include "tests/support/LocalRedis.h"
#include "ui/pages/LiveEventsPage.h"

#include <QCheckBox>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace {

// RESP for one PUBLISH: redis-cli --pipe takes the raw protocol, so payloads need no quoting.
QByteArray respPublish(const QByteArray &channel, const QByteArray &payload)
{
    QByteArray out = "*3\r\n$7\r\nPUBLISH\r\n";
    for (const QByteArray &part : {channel, payload})
        out += '$' + QByteArray::number(part.size()) + "\r\n" + part + "\r\n";
    return out;
}

QByteArray payload(const QString &type, int n)
{
    QJsonObject object{{u"type"_s, type},
                       {u"userId"_s, u"00000000-0000-4000-8000-%1"_s.arg(n % 7, 12, 10, QChar(u'0'))},
                       {u"at"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                       {u"instance"_s, u"test:1"_s}};
    if (type.startsWith(u"session"))
        object.insert(u"sessionId"_s, u"%1"_s.arg(n, 64, 10, QChar(u'a')));
    if (type == u"session:revoked")
        object.insert(u"reason"_s, u"test"_s);
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// Publishes `count` events round-robin over the four channels from another process, all at
// once, the way a busy cluster would.
// `started` runs once redis-cli runs: starting a process blocks the caller for a moment,
// which is not the page's doing.
bool publishBurst(const LocalRedis &redis, int count, const std::function<void()> &started = {})
{
    QByteArray commands;
    for (int i = 0; i < count; ++i) {
        const QByteArray channel = LiveEventsPage::channels()[i % 4];
        commands += respPublish(channel, payload(QString::fromLatin1(channel), i));
    }
    QProcess cli;
    cli.start(u"redis-cli"_s, {u"-s"_s, redis.socketPath(), u"--pipe"_s});
    if (!cli.waitForStarted(5000))
        return false;
    if (started)
        started();
    cli.write(commands);
    cli.closeWriteChannel();
    // Not waitForFinished(): the GUI thread must keep its event loop running meanwhile.
    QElapsedTimer timer;
    timer.start();
    while (cli.state() != QProcess::NotRunning && timer.elapsed() < 20000)
        QTest::qWait(5);
    return cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0;
}

} // namespace

class TestLiveEventsPage : public QObject
{
    Q_OBJECT

private slots:
    void burstArrivesBatchedWithoutStallingTheGui()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        LiveEventsPage page(nullptr);
        page.resize(1000, 600);
        page.show();
        page.listen(redis.url());
        QTRY_VERIFY_WITH_TIMEOUT(page.isSubscribed(), 10000);
        QVERIFY2(page.connectionText().startsWith(u"Listening"_s), qPrintable(page.connectionText()));

        // The heartbeat: a 10 ms timer; the largest gap between two ticks is the longest the
        // GUI thread was busy with something else.
        QElapsedTimer clock;
        clock.start();
        qint64 last = 0;
        qint64 maxGap = 0;
        QTimer heartbeat;
        heartbeat.setInterval(10);
        connect(&heartbeat, &QTimer::timeout, this, [&] {
            const qint64 now = clock.elapsed();
            maxGap = std::max(maxGap, now - last);
            last = now;
        });
        QElapsedTimer flushTimer;
        qint64 maxFlush = 0;
        connect(page.model(), &QAbstractItemModel::rowsAboutToBeInserted, this, [&] { flushTimer.start(); });
        connect(page.model(), &LiveEventsModel::flushed, this,
                [&] { maxFlush = std::max(maxFlush, flushTimer.elapsed()); });

        constexpr int count = 5000;
        QVERIFY(publishBurst(redis, count, [&] {
            heartbeat.start();
            last = clock.elapsed();
        }));
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), count, 15000);
        heartbeat.stop();
        qInfo("5,000 events: %lld flushes (longest %lld ms), largest GUI-thread gap %lld ms",
              page.model()->flushCount(), maxFlush, maxGap);
        QVERIFY2(maxGap < 100, qPrintable(u"the GUI thread stalled for %1 ms"_s.arg(maxGap)));
        // Batched: a handful of inserts, not one per event.
        QVERIFY2(page.model()->flushCount() <= count / 50,
                 qPrintable(QString::number(page.model()->flushCount())));
        QCOMPARE(page.model()->receivedCount(), qint64(count));
        // Every type arrived, and the fields were read from the payload.
        for (int i = 0; i < 4; ++i)
            QCOMPARE(page.model()->event(i).type, QString::fromLatin1(LiveEventsPage::channels()[i]));
        QCOMPARE(page.model()->event(3).reason, u"test"_s);
        QCOMPARE(page.model()->event(1).instance, u"test:1"_s);
    }

    void pauseFilterClearAndExport()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        LiveEventsPage page(nullptr);
        page.show();
        page.listen(redis.url());
        QTRY_VERIFY_WITH_TIMEOUT(page.isSubscribed(), 10000);
        QVERIFY(publishBurst(redis, 40));
        QTRY_COMPARE(page.model()->rowCount(), 40);

        // Paused: events queue up, the table stays still; resuming shows them.
        page.setPaused(true);
        QVERIFY(publishBurst(redis, 20));
        QTRY_COMPARE(page.model()->pendingCount(), 20);
        QTest::qWait(300);
        QCOMPARE(page.model()->rowCount(), 40);
        page.setPaused(false);
        QCOMPARE(page.model()->rowCount(), 60);

        // Type filter: untick everything but session:revoked.
        const auto boxes = page.findChildren<QCheckBox *>();
        for (QCheckBox *box : boxes) {
            if (LiveEventsPage::channels().contains(box->text().toLatin1()))
                box->setChecked(box->text() == u"session:revoked");
        }
        QCOMPARE(page.filter()->rowCount(), 15);
        for (int row = 0; row < page.filter()->rowCount(); ++row)
            QCOMPARE(page.filter()->index(row, LiveEventsModel::Type).data().toString(), u"session:revoked"_s);

        // User filter on top: user ids cycle over 7 values; events 3, 7, 11, … are revocations.
        const QString user = page.model()->event(3).userId;
        QTest::keyClicks(page.userFilter(), user.right(6));
        int expected = 0;
        for (int row = 0; row < page.model()->rowCount(); ++row) {
            const LiveEvent &event = page.model()->event(row);
            expected += event.type == u"session:revoked" && event.userId == user;
        }
        QVERIFY(expected > 0);
        QCOMPARE(page.filter()->rowCount(), expected);

        // The export writes exactly the visible rows, as the published JSON.
        QTemporaryDir dir;
        const QString path = dir.filePath(u"events.jsonl"_s);
        QString error;
        QVERIFY2(page.exportTo(path, &error), qPrintable(error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), expected);
        for (const QByteArray &line : lines) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            QCOMPARE(object.value(u"type"_s).toString(), u"session:revoked"_s);
            QCOMPARE(object.value(u"userId"_s).toString(), user);
            QCOMPARE(object.value(u"reason"_s).toString(), u"test"_s);
            QCOMPARE(object.value(u"sessionId"_s).toString().size(), 64);
        }

        page.clear();
        QCOMPARE(page.model()->rowCount(), 0);
        QCOMPARE(page.filter()->rowCount(), 0);
    }

    void capsRowsAndKeepsTheNewest()
    {
        LiveEventsModel model(nullptr, 100, 10);
        for (int i = 0; i < 250; ++i) {
            LiveEvent event;
            event.type = u"user:updated"_s;
            event.userId = QString::number(i);
            event.at = QDateTime::currentDateTimeUtc();
            model.append(event);
            if (i == 120)
                model.flush();
        }
        model.flush();
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.event(0).userId, u"150"_s);
        QCOMPARE(model.event(99).userId, u"249"_s);

        // A long pause: the queue keeps the newest, and they replace every older row.
        model.setPaused(true);
        for (int i = 250; i < 1000; ++i) {
            LiveEvent event;
            event.userId = QString::number(i);
            model.append(event);
        }
        QVERIFY(model.pendingCount() <= 200);
        model.setPaused(false);
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.event(0).userId, u"900"_s);
        QCOMPARE(model.event(99).userId, u"999"_s);
        for (int row = 1; row < 100; ++row)
            QCOMPARE(model.event(row).userId.toInt(), model.event(row - 1).userId.toInt() + 1);
    }

    void unreadablePayloadStillShows()
    {
        const LiveEvent event = LiveEvent::fromMessage("user:created", "{not json",
                                                       QDateTime::currentDateTimeUtc());
        QCOMPARE(event.type, u"user:created"_s);
        QVERIFY(event.details().contains(u"unreadable"_s));
    }

    void doubleClickOpensUserOrSession()
    {
        LiveEventsPage page(nullptr);
        page.resize(1200, 400);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.model()->append(LiveEvent::fromMessage(
            "session:revoked", R"({"type":"session:revoked","userId":"u-1","sessionId":"s-1","at":"2026-01-01T00:00:00Z","instance":"i"})",
            QDateTime::currentDateTimeUtc()));
        page.model()->flush();
        QSignalSpy users(&page, &LiveEventsPage::userRequested);
        QSignalSpy sessions(&page, &LiveEventsPage::sessionRequested);
        QTableView *view = page.view();
        emit view->doubleClicked(view->model()->index(0, LiveEventsModel::User));
        QCOMPARE(users.size(), 1);
        QCOMPARE(users.first().first().toString(), u"u-1"_s);
        emit view->doubleClicked(view->model()->index(0, LiveEventsModel::Session));
        QCOMPARE(sessions.size(), 1);
        QCOMPARE(sessions.first().first().toString(), u"s-1"_s);
    }

    void showsDisconnectAndReconnectsByItself()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        LiveEventsPage page(nullptr);
        page.show();
        page.listen(redis.url());
        QTRY_VERIFY_WITH_TIMEOUT(page.isSubscribed(), 10000);

        redis.kill();
        QTRY_VERIFY_WITH_TIMEOUT(page.connectionText().contains(u"reconnecting"_s), 10000);
        QVERIFY(!page.isSubscribed());

        QVERIFY(redis.start());
        QTRY_VERIFY_WITH_TIMEOUT(page.isSubscribed(), 15000);
        QVERIFY(page.connectionText().startsWith(u"Listening"_s));
        QVERIFY(publishBurst(redis, 8));
        QTRY_COMPARE(page.model()->rowCount(), 8);
    }
};

QTEST_MAIN(TestLiveEventsPage)
#include "TestLiveEventsPage.moc"
