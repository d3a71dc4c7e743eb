// GET /metrics of the real gatehoused: exact request counts by route pattern, the content type,
// the in-flight gauge, and Redis errors counted when Redis goes away.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/TestHttp.h"

#include <QtTest>

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
} // namespace

class TestMetricsHttp : public QObject
{
    Q_OBJECT

private:
    QString redisUrl() const { return qEnvironmentVariable("GH_TEST_REDIS_URL"); }
    // One worker: requests are handled one after the other, so the in-flight gauge is exact.
    QStringList arguments(const ScratchDatabase &db, const QString &redis) const
    {
        return {u"--database-url"_s, db.url(), u"--redis-url"_s, redis, u"--workers"_s, u"1"_s};
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(!redisUrl().isEmpty(), "GH_TEST_REDIS_URL is not set: run through scripts/test");
    }

    void countsRequestsByRoutePattern()
    {
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(arguments(db, redisUrl()));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));

        for (int i = 0; i < 3; ++i)
            QCOMPARE(TestHttp::get(server.url(u"/healthz"_s)).status, 200);
        QCOMPARE(TestHttp::get(server.url(u"/no/such/thing"_s)).status, 404);
        QCOMPARE(TestHttp::get(server.url(u"/another/unknown/path/42"_s)).status, 404);
        QCOMPARE(TestHttp::request("POST", server.url(u"/healthz"_s), "{}").status, 405);

        const TestHttpResponse scrape = TestHttp::get(server.url(u"/metrics"_s));
        QCOMPARE(scrape.status, 200);
        QCOMPARE(scrape.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8"_ba);
        QCOMPARE(scrape.header("Cache-Control"), "no-store"_ba);
        QVERIFY(!scrape.header("X-Request-Id").isEmpty());
        const QHash<QString, double> values = samples(scrape.body);
        QCOMPARE(
            values.value(
                u"gatehouse_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}"_s),
            3.0);
        // Unknown paths share one label value: raw paths never become labels.
        QCOMPARE(
            values.value(
                u"gatehouse_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"_s),
            2.0);
        QCOMPARE(
            values.value(
                u"gatehouse_http_requests_total{route=\"unmatched\",method=\"POST\",status=\"405\"}"_s),
            1.0);
        QVERIFY2(!scrape.body.contains("/no/such/thing"), "raw paths must not appear");
        QCOMPARE(
            values.value(u"gatehouse_http_request_duration_seconds_count{route=\"/healthz\"}"_s),
            3.0);
        QCOMPARE(
            values.value(
                u"gatehouse_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"}"_s),
            3.0);
        // startAndWaitReady polled /readyz until it answered 200.
        QVERIFY(
            values.value(
                u"gatehouse_http_requests_total{route=\"/readyz\",method=\"GET\",status=\"200\"}"_s) >=
            1);
        // The scrape itself is the one request in flight; it is counted once it is answered.
        QCOMPARE(values.value(u"gatehouse_http_requests_in_flight"_s), 1.0);
        QVERIFY(values.value(u"gatehouse_http_open_connections"_s) >= 1);
        QVERIFY(!values.contains(
            u"gatehouse_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"}"_s));
        QCOMPARE(values.value(u"gatehouse_rate_limited_total"_s), 0.0);
        QCOMPARE(values.value(u"gatehouse_build_info{version=\"%1\"}"_s.arg(
                     QStringLiteral(GATEHOUSE_VERSION))),
                 1.0);
        QVERIFY(values.value(u"gatehouse_process_start_time_seconds"_s) > 1.6e9);
        QVERIFY(values.contains(u"gatehouse_redis_errors_total"_s));
        QVERIFY(values.contains(u"gatehouse_database_errors_total"_s));

        const TestHttpResponse second = TestHttp::get(server.url(u"/metrics"_s));
        QCOMPARE(
            samples(second.body)
                .value(
                    u"gatehouse_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"}"_s),
            1.0);
        // HEAD is served by the GET route, as for the health probes.
        QCOMPARE(TestHttp::request("HEAD", server.url(u"/metrics"_s)).status, 200);
    }

    void countsRedisErrors()
    {
        LocalRedis redis;
        QVERIFY(redis.start());
        ScratchDatabase db;
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        GatehousedProcess server(arguments(db, redis.url()));
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));

        const auto redisErrors = [&server] {
            return samples(TestHttp::get(server.url(u"/metrics"_s)).body)
                .value(u"gatehouse_redis_errors_total"_s, -1);
        };
        const double before = redisErrors();
        QCOMPARE(before, 0.0);
        redis.kill();
        // Each failed readiness check is one Redis command that failed without an answer.
        QCOMPARE(TestHttp::waitForStatus(server.url(u"/readyz"_s), 503, 10000).status, 503);
        const double afterOne = redisErrors();
        QVERIFY2(afterOne >= 1, qPrintable(QString::number(afterOne)));
        QCOMPARE(TestHttp::get(server.url(u"/readyz"_s)).status, 503);
        QCOMPARE(redisErrors(), afterOne + 1);
        // The liveness probe and the scrape itself need no Redis.
        QCOMPARE(TestHttp::get(server.url(u"/healthz"_s)).status, 200);
    }
};

QTEST_GUILESS_MAIN(TestMetricsHttp)
#include "TestMetricsHttp.moc"
