#pragma once

#include "ErrorCounters.h"
#include "server/http/HttpExchange.h"

#include <QByteArray>
#include <QString>
#include <array>
#include <memory>

// Prometheus metrics of the HTTP server, served by GET /metrics (text exposition format 0.0.4).
//
// Workers report every finished exchange concurrently. Each thread writes to its own shard
// (a mutex only that thread and the scraper ever take, so it is uncontended on the hot path);
// render() merges the shards. Requests are labelled by route *pattern*, never by raw path,
// so label cardinality stays bounded whatever clients send.
class Metrics final : public ExchangeObserver
{
public:
    // Upper bounds of the latency histogram buckets in nanoseconds (0.5 ms … 2.5 s), compared
    // as integers so a sample exactly on a bound lands in that bucket ("le"); +Inf is implicit.
    static constexpr std::array<qint64, 12> kBucketBoundsNs = {
        500'000,    1'000'000,   2'500'000,   5'000'000,   10'000'000,    25'000'000,
        50'000'000, 100'000'000, 250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000};
    static constexpr int kShardCount = 32;

    Metrics();
    ~Metrics() override;
    Metrics(const Metrics &) = delete;
    Metrics &operator=(const Metrics &) = delete;

    // ExchangeObserver: route = exchange.routeName(), or "unmatched" when no route matched.
    void exchangeFinished(const HttpExchange &exchange, int status, qint64 bytes,
                          qint64 nanoseconds) override;
    // What exchangeFinished records; callable directly (tests, non-HTTP callers).
    void record(const QString &route, const QString &method, int status, qint64 bytes,
                qint64 nanoseconds);

    // Every metric in the text exposition format. The HTTP gauges (in flight, open
    // connections, rate limited) come from `stats`; with no stats they read 0.
    QByteArray render(const ExchangeStats *stats) const;

    static QByteArray contentType(); // text/plain; version=0.0.4; charset=utf-8
    // A label value escaped per the format: backslash, double quote and newline.
    static QByteArray escapeLabelValue(const QString &value);
    // When this process started (ms since the Unix epoch).
    static qint64 processStartMs();

    // Conveniences for call sites that already include this header; see ErrorCounters.
    static void countRedisError() { ErrorCounters::countRedisError(); }
    static void countDatabaseError() { ErrorCounters::countDatabaseError(); }

private:
    struct Shard;
    Shard &shardOfThisThread();

    std::unique_ptr<Shard[]> m_shards;
};
