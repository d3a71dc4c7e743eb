// Live events benchmark: RATE events/s (default 1,000) published for SECONDS (default 10) on
// the four event channels, into the console's real Live events page (shown, following the
// newest row). Publishing runs in its own thread with its own Redis connection, as another
// Gatehouse instance would. Reports the longest and the 99th-percentile gap of a 10 ms
// heartbeat timer on the GUI thread (how long the GUI was unable to react), the GUI thread's
// CPU use, the process's resident memory, and whether every event arrived.
//
//   bench_live_events REDIS_URL [RATE] [SECONDS]        (tests/bench/live-events runs it)
#include "models/console/LiveEventsModel.h"
#include "server/redis/RedisClient.h"
#include "ui/pages/LiveEventsPage.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>
#include <QTimer>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

double threadCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

qint64 residentKiB()
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

// Publishes `rate` events a second in 10 ms ticks, in its own thread.
class Publisher : public QObject
{
public:
    Publisher(const RedisEndpoint &endpoint, int rate, int seconds)
        : m_redis(endpoint, this), m_perTick(std::max(1, rate / 100)), m_total(rate * seconds)
    {
        m_timer.setInterval(10);
        m_timer.setTimerType(Qt::PreciseTimer);
        connect(&m_timer, &QTimer::timeout, this, [this] { tick(); });
    }
    void start()
    {
        m_redis.start();
        m_clock.start();
        m_timer.start();
    }
    int sent() const { return m_sent.loadRelaxed(); }

private:
    void tick()
    {
        // Catch up to the schedule, so a late tick does not lower the rate.
        const qint64 due = std::min<qint64>(m_total, (m_clock.elapsed() / 10 + 1) * m_perTick);
        while (m_sent.loadRelaxed() < due) {
            const int n = m_sent.fetchAndAddRelaxed(1);
            const QByteArray channel = LiveEventsPage::channels()[n % 4];
            QJsonObject event{{u"type"_s, QString::fromLatin1(channel)},
                              {u"userId"_s, u"00000000-0000-4000-8000-%1"_s.arg(n % 1000, 12, 10, QChar(u'0'))},
                              {u"sessionId"_s, u"%1"_s.arg(n, 64, 16, QChar(u'0'))},
                              {u"at"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                              {u"by"_s, u"system"_s},
                              {u"instance"_s, u"bench:1"_s}};
            m_redis.publish(channel, QJsonDocument(event).toJson(QJsonDocument::Compact));
        }
        if (m_sent.loadRelaxed() >= m_total)
            m_timer.stop();
    }

    RedisClient m_redis;
    QTimer m_timer;
    QElapsedTimer m_clock;
    int m_perTick;
    int m_total;
    QAtomicInt m_sent{0};
};

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: bench_live_events REDIS_URL [RATE] [SECONDS]\n");
        return 2;
    }
    const QString url = args[1];
    const int rate = args.size() > 2 ? args[2].toInt() : 1000;
    const int seconds = args.size() > 3 ? args[3].toInt() : 10;
    auto endpoint = RedisEndpoint::fromUrl(url);
    if (!endpoint) {
        std::fprintf(stderr, "%s\n", qPrintable(endpoint.error().message));
        return 2;
    }

    LiveEventsPage page(nullptr);
    page.resize(1200, 800);
    page.show();
    page.listen(url);
    QElapsedTimer wait;
    wait.start();
    while (!page.isSubscribed() && wait.elapsed() < 10000)
        app.processEvents(QEventLoop::AllEvents, 50);
    if (!page.isSubscribed()) {
        std::fprintf(stderr, "could not subscribe: %s\n", qPrintable(page.connectionText()));
        return 1;
    }

    // The publisher is made in its thread: its Redis client and timers belong there.
    QThread thread;
    thread.start();
    QObject context;
    context.moveToThread(&thread);
    Publisher *publisher = nullptr;
    QMetaObject::invokeMethod(&context, [&] { publisher = new Publisher(*endpoint, rate, seconds); },
                              Qt::BlockingQueuedConnection);

    QList<qint64> gaps;
    QElapsedTimer clock;
    qint64 last = 0;
    QTimer heartbeat;
    heartbeat.setInterval(10);
    heartbeat.setTimerType(Qt::PreciseTimer);
    QObject::connect(&heartbeat, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        gaps.append(now - last);
        last = now;
    });
    const double cpuBefore = threadCpuSeconds();
    clock.start();
    heartbeat.start();
    QMetaObject::invokeMethod(&context, [publisher] { publisher->start(); });

    const int expected = rate * seconds;
    const qint64 deadline = qint64(seconds) * 1000 + 10000;
    // A real event loop, idle between events (processEvents in a loop would spin and count its
    // own polling as the page's CPU).
    QEventLoop loop;
    QTimer check;
    check.setInterval(50);
    QObject::connect(&check, &QTimer::timeout, [&] {
        if (page.model()->receivedCount() >= expected || clock.elapsed() >= deadline)
            loop.quit();
    });
    check.start();
    loop.exec();
    page.model()->flush();
    const qint64 elapsed = clock.elapsed();
    heartbeat.stop();
    const double cpu = threadCpuSeconds() - cpuBefore;

    QMetaObject::invokeMethod(&context, [publisher] { delete publisher; }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();

    std::sort(gaps.begin(), gaps.end());
    const qint64 maxGap = gaps.isEmpty() ? 0 : gaps.last();
    const qint64 p99 = gaps.isEmpty() ? 0 : gaps[qsizetype(double(gaps.size() - 1) * 0.99)];
    const qint64 over100 = std::count_if(gaps.cbegin(), gaps.cend(), [](qint64 g) { return g > 100; });
    std::printf("live-events: %d events/s for %d s: received %lld of %d in %.1f s, %lld flushes, "
                "%lld rows shown\n",
                rate, seconds, page.model()->receivedCount(), expected, double(elapsed) / 1000.0,
                page.model()->flushCount(), qint64(page.model()->rowCount()));
    std::printf("live-events: GUI heartbeat (10 ms): max gap %lld ms, p99 %lld ms, gaps > 100 ms: "
                "%lld\n",
                maxGap, p99, over100);
    std::printf("live-events: GUI thread CPU %.1f%% of one core; resident memory %lld MiB\n",
                100.0 * cpu / (double(elapsed) / 1000.0), residentKiB() / 1024);
    const bool ok = page.model()->receivedCount() == expected && maxGap <= 100;
    std::printf("live-events: %s\n", ok ? "PASS (all events, no stall > 100 ms)" : "FAIL");
    return ok ? 0 : 1;
}
