// Metrics: exact counts under concurrent recording, histogram buckets at their bounds, label
// escaping and the validity of the text exposition format.
#include "server/metrics/ErrorCounters.h"
#include "server/metrics/Metrics.h"

#include <QRegularExpression>
#include <QtTest>
#include <thread>
#include <vector>

using namespace Qt::StringLiterals;

namespace {
// Sample lines by series (name plus labels, as rendered) → value.
QHash<QString, double> samples(const QByteArray &text)
{
    QHash<QString, double> out;
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype space = line.lastIndexOf(' ');
        out.insert(QString::fromUtf8(line.left(space)), line.mid(space + 1).toDouble());
    }
    return out;
}

QString requests(const QString &route, const QString &method, int status)
{
    return u"gatehouse_http_requests_total{route=\"%1\",method=\"%2\",status=\"%3\"}"_s
        .arg(route, method)
        .arg(status);
}

QString bucket(const QString &route, const QString &le)
{
    return u"gatehouse_http_request_duration_seconds_bucket{route=\"%1\",le=\"%2\"}"_s.arg(route,
                                                                                           le);
}

const QStringList kLe = {u"0.0005"_s, u"0.001"_s, u"0.0025"_s, u"0.005"_s, u"0.01"_s,
                         u"0.025"_s,  u"0.05"_s,  u"0.1"_s,    u"0.25"_s,  u"0.5"_s,
                         u"1"_s,      u"2.5"_s,   u"+Inf"_s};
} // namespace

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void concurrentRecordingCountsExactly()
    {
        Metrics metrics;
        constexpr int kThreads = 8;
        constexpr int kPerThread = 20000;
        const QStringList routes = {u"/healthz"_s, u"/api/v1/auth/sessions/{id}"_s, u"unmatched"_s};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&metrics, &routes, t] {
                for (int i = 0; i < kPerThread; ++i) {
                    const QString &route = routes.at(i % routes.size());
                    const int status = i % 2 == 0 ? 200 : 404;
                    metrics.record(route, t % 2 == 0 ? u"GET"_s : u"POST"_s, status, 10, 1'000'000);
                }
            });
        }
        // Scrapes meanwhile must neither block the writers for long nor crash.
        for (int i = 0; i < 20; ++i)
            QVERIFY(!metrics.render(nullptr).isEmpty());
        for (std::thread &thread : threads)
            thread.join();

        const QHash<QString, double> values = samples(metrics.render(nullptr));
        double total = 0;
        for (const QString &route : routes) {
            // Per thread: i % 3 picks the route, i % 2 the status; 20000 = 6 * 3333 + 2.
            const int index = static_cast<int>(routes.indexOf(route));
            int ok = 0;
            int missing = 0;
            for (int i = 0; i < kPerThread; ++i) {
                if (i % 3 == index)
                    ++(i % 2 == 0 ? ok : missing);
            }
            for (const QString &method : {u"GET"_s, u"POST"_s}) {
                QCOMPARE(values.value(requests(route, method, 200)), ok * kThreads / 2.0);
                QCOMPARE(values.value(requests(route, method, 404)), missing * kThreads / 2.0);
                total += values.value(requests(route, method, 200)) +
                         values.value(requests(route, method, 404));
            }
            const double count = (ok + missing) * kThreads;
            QCOMPARE(
                values.value(
                    u"gatehouse_http_request_duration_seconds_count{route=\"%1\"}"_s.arg(route)),
                count);
            QCOMPARE(values.value(bucket(route, u"0.0005"_s)), 0.0);
            QCOMPARE(values.value(bucket(route, u"0.001"_s)), count);
            QCOMPARE(values.value(bucket(route, u"+Inf"_s)), count);
            const double sum = values.value(
                u"gatehouse_http_request_duration_seconds_sum{route=\"%1\"}"_s.arg(route));
            QVERIFY(qAbs(sum - count * 0.001) < 1e-9);
            QCOMPARE(
                values.value(u"gatehouse_http_response_bytes_total{route=\"%1\"}"_s.arg(route)),
                count * 10);
        }
        QCOMPARE(total, double(kThreads * kPerThread));
    }

    void bucketsIncludeTheirUpperBound_data()
    {
        QTest::addColumn<qint64>("nanoseconds");
        QTest::addColumn<int>("firstBucket"); // index into kLe of the first bucket counting it
        QTest::newRow("zero") << qint64(0) << 0;
        QTest::newRow("negative clock skew") << qint64(-5) << 0;
        QTest::newRow("0.5 ms exactly") << qint64(500'000) << 0;
        QTest::newRow("just over 0.5 ms") << qint64(500'001) << 1;
        QTest::newRow("1 ms exactly") << qint64(1'000'000) << 1;
        QTest::newRow("2.5 ms exactly") << qint64(2'500'000) << 2;
        QTest::newRow("10 ms exactly") << qint64(10'000'000) << 4;
        QTest::newRow("just under 100 ms") << qint64(99'999'999) << 7;
        QTest::newRow("100 ms exactly") << qint64(100'000'000) << 7;
        QTest::newRow("1 s exactly") << qint64(1'000'000'000) << 10;
        QTest::newRow("2.5 s exactly") << qint64(2'500'000'000) << 11;
        QTest::newRow("just over 2.5 s") << qint64(2'500'000'001) << 12;
        QTest::newRow("an hour") << qint64(3'600'000'000'000) << 12;
    }

    void bucketsIncludeTheirUpperBound()
    {
        QFETCH(qint64, nanoseconds);
        QFETCH(int, firstBucket);
        Metrics metrics;
        metrics.record(u"/r"_s, u"GET"_s, 200, 0, nanoseconds);
        const QHash<QString, double> values = samples(metrics.render(nullptr));
        for (int i = 0; i < kLe.size(); ++i) {
            QVERIFY2(values.contains(bucket(u"/r"_s, kLe.at(i))), qPrintable(kLe.at(i)));
            QCOMPARE(values.value(bucket(u"/r"_s, kLe.at(i))), i >= firstBucket ? 1.0 : 0.0);
        }
        QCOMPARE(values.value(u"gatehouse_http_request_duration_seconds_sum{route=\"/r\"}"_s),
                 qMax<qint64>(0, nanoseconds) / 1e9);
    }

    void bucketsAreCumulative()
    {
        Metrics metrics;
        const qint64 spread[] = {100'000, 700'000, 700'000, 30'000'000, 3'000'000'000};
        for (qint64 ns : spread)
            metrics.record(u"/r"_s, u"GET"_s, 200, 0, ns);
        const QHash<QString, double> values = samples(metrics.render(nullptr));
        const double expected[] = {1, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5};
        for (int i = 0; i < kLe.size(); ++i)
            QCOMPARE(values.value(bucket(u"/r"_s, kLe.at(i))), expected[i]);
        QCOMPARE(values.value(u"gatehouse_http_request_duration_seconds_count{route=\"/r\"}"_s),
                 5.0);
    }

    void labelValuesAreEscaped_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QByteArray>("escaped");
        QTest::newRow("plain") << u"/api/v1/auth/sessions/{id}"_s
                               << "/api/v1/auth/sessions/{id}"_ba;
        QTest::newRow("quote") << u"a\"b"_s << "a\\\"b"_ba;
        QTest::newRow("backslash") << u"a\\b"_s << "a\\\\b"_ba;
        QTest::newRow("newline") << u"a\nb"_s << "a\\nb"_ba;
        QTest::newRow("all") << u"\\\"\n"_s << "\\\\\\\"\\n"_ba;
        QTest::newRow("utf-8") << u"Zoë"_s << "Zo\xc3\xab"_ba;
    }

    void labelValuesAreEscaped()
    {
        QFETCH(QString, value);
        QFETCH(QByteArray, escaped);
        QCOMPARE(Metrics::escapeLabelValue(value), escaped);
        Metrics metrics;
        metrics.record(value, u"GET"_s, 200, 0, 1);
        QVERIFY(metrics.render(nullptr).contains("{route=\"" + escaped + "\",method=\"GET\""));
    }

    void textFormatIsValid()
    {
        Metrics metrics;
        metrics.record(u"/healthz"_s, u"GET"_s, 200, 15, 123'456);
        metrics.record(u"we\"ird\\route\nname"_s, u"POST"_s, 500, 0, 3'000'000'000);
        ExchangeStats stats;
        stats.inFlight = 3;
        stats.openConnections = 7;
        stats.rateLimited = 11;
        const QByteArray text = metrics.render(&stats);
        QVERIFY(text.endsWith('\n'));

        static const QRegularExpression sampleLine(
            uR"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")"
            uR"((?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? ([0-9.eE+-]+|NaN|\+Inf|-Inf)$)"_s);
        static const QRegularExpression helpLine(uR"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$)"_s);
        static const QRegularExpression typeLine(
            uR"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)"_s);
        QString family;
        QString familyType;
        QSet<QString> seenFamilies;
        int sampleCount = 0;
        const QList<QByteArray> lines = text.chopped(1).split('\n');
        for (const QByteArray &raw : lines) {
            const QString line = QString::fromUtf8(raw);
            if (const auto help = helpLine.match(line); help.hasMatch()) {
                family = help.captured(1);
                QVERIFY2(!seenFamilies.contains(family),
                         qPrintable(u"repeated family "_s + family));
                seenFamilies.insert(family);
                familyType.clear();
                continue;
            }
            if (const auto type = typeLine.match(line); type.hasMatch()) {
                QCOMPARE(type.captured(1), family); // TYPE follows its HELP, before the samples
                familyType = type.captured(2);
                continue;
            }
            const auto sample = sampleLine.match(line);
            QVERIFY2(sample.hasMatch(), qPrintable(u"not a valid sample line: "_s + line));
            QVERIFY2(!familyType.isEmpty(), qPrintable(u"sample before its TYPE: "_s + line));
            const QString name = sample.captured(1);
            if (familyType == u"histogram"_s)
                QVERIFY2(name == family + u"_bucket"_s || name == family + u"_sum"_s ||
                             name == family + u"_count"_s,
                         qPrintable(line));
            else
                QCOMPARE(name, family);
            ++sampleCount;
        }
        QVERIFY(sampleCount > 30);

        const QHash<QString, double> values = samples(text);
        QCOMPARE(values.value(u"gatehouse_http_requests_in_flight"_s), 3.0);
        QCOMPARE(values.value(u"gatehouse_http_open_connections"_s), 7.0);
        QCOMPARE(values.value(u"gatehouse_rate_limited_total"_s), 11.0);
        QCOMPARE(values.value(requests(u"we\\\"ird\\\\route\\nname"_s, u"POST"_s, 500)), 1.0);
        QCOMPARE(values.value(u"gatehouse_build_info{version=\"%1\"}"_s.arg(
                     QStringLiteral(GATEHOUSE_VERSION))),
                 1.0);
        const double start = values.value(u"gatehouse_process_start_time_seconds"_s);
        QCOMPARE(start, Metrics::processStartMs() / 1000.0);
        QVERIFY(start > 1.6e9 && start <= QDateTime::currentMSecsSinceEpoch() / 1000.0);
        QVERIFY(values.value(u"gatehouse_process_uptime_seconds"_s) >= 0);
        QVERIFY(text.contains("# TYPE gatehouse_http_request_duration_seconds histogram\n"));
        QVERIFY(text.contains("# TYPE gatehouse_http_requests_total counter\n"));
    }

    void emptyMetricsStillDescribeEveryFamily()
    {
        Metrics metrics;
        const QByteArray text = metrics.render(nullptr);
        for (const char *name :
             {"gatehouse_http_requests_total", "gatehouse_http_request_duration_seconds",
              "gatehouse_http_requests_in_flight", "gatehouse_http_open_connections",
              "gatehouse_redis_errors_total", "gatehouse_database_errors_total",
              "gatehouse_rate_limited_total", "gatehouse_process_start_time_seconds",
              "gatehouse_build_info"})
            QVERIFY2(text.contains("# TYPE " + QByteArray(name) + ' '), name);
        QVERIFY(text.contains("\ngatehouse_http_requests_in_flight 0\n"));
        QVERIFY(!text.contains("gatehouse_http_requests_total{"));
    }

    void errorCountersAreExported()
    {
        Metrics metrics;
        const auto before = samples(metrics.render(nullptr));
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([] {
                for (int i = 0; i < 1000; ++i) {
                    ErrorCounters::countRedisError();
                    ErrorCounters::countDatabaseError();
                }
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        ErrorCounters::countRedisError(5);
        Metrics::countDatabaseError();
        const auto after = samples(metrics.render(nullptr));
        QCOMPARE(after.value(u"gatehouse_redis_errors_total"_s) -
                     before.value(u"gatehouse_redis_errors_total"_s),
                 4005.0);
        QCOMPARE(after.value(u"gatehouse_database_errors_total"_s) -
                     before.value(u"gatehouse_database_errors_total"_s),
                 4001.0);
    }

    void contentType()
    {
        QCOMPARE(Metrics::contentType(), "text/plain; version=0.0.4; charset=utf-8"_ba);
    }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "TestMetrics.moc"
