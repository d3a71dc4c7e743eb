#include "Metrics.h"

#include "SessionCounters.h"

#include <QDateTime>
#include <QHash>
#include <QLocale>
#include <atomic>
#include <map>
#include <mutex>
#include <tuple>

namespace {
// Taken during static initialisation, i.e. as the process starts (before main).
const qint64 g_processStartMs = QDateTime::currentMSecsSinceEpoch();

constexpr int kBucketCount = static_cast<int>(Metrics::kBucketBoundsNs.size());
// The "le" label of each bound, written out so no float formatting can make them drift.
constexpr std::array<const char *, kBucketCount> kBucketLabels = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",   "0.25",   "0.5",   "1",    "2.5"};

struct RequestKey
{
    QString route;
    QString method;
    int status = 0;

    bool operator==(const RequestKey &other) const
    {
        return status == other.status && route == other.route && method == other.method;
    }
};

size_t qHash(const RequestKey &key, size_t seed = 0)
{
    return qHashMulti(seed, key.route, key.method, key.status);
}

// One route's latency histogram (per-bucket counts, not yet cumulative; the last is +Inf)
// and bytes sent.
struct RouteSeries
{
    std::array<quint64, kBucketCount + 1> buckets{};
    quint64 count = 0;
    quint64 sumNs = 0;
    quint64 bytes = 0;

    void add(const RouteSeries &other)
    {
        for (size_t i = 0; i < buckets.size(); ++i)
            buckets[i] += other.buckets[i];
        count += other.count;
        sumNs += other.sumNs;
        bytes += other.bytes;
    }
};

int bucketIndex(qint64 nanoseconds)
{
    for (int i = 0; i < kBucketCount; ++i) {
        if (nanoseconds <= Metrics::kBucketBoundsNs[static_cast<size_t>(i)])
            return i;
    }
    return kBucketCount; // +Inf
}

QByteArray number(double value)
{
    return QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
}

void family(QByteArray &out, const char *name, const char *type, const char *help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

template <typename Number>
void sample(QByteArray &out, const char *name, const QByteArray &labels, Number value)
{
    out += name;
    if (!labels.isEmpty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    if constexpr (std::is_floating_point_v<Number>)
        out += number(value);
    else
        out += QByteArray::number(value);
    out += '\n';
}

QByteArray label(const char *name, const QString &value)
{
    return QByteArray(name) + "=\"" + Metrics::escapeLabelValue(value) + '"';
}

// Each thread takes the next shard once; with more threads than shards some share one, which
// costs only an occasionally contended mutex.
std::atomic<int> g_nextShard{0};
} // namespace

struct alignas(64) Metrics::Shard
{
    std::mutex mutex;
    QHash<RequestKey, quint64> requests;
    QHash<QString, RouteSeries> routes;
};

Metrics::Metrics() : m_shards(std::make_unique<Shard[]>(kShardCount)) {}

Metrics::~Metrics() = default;

Metrics::Shard &Metrics::shardOfThisThread()
{
    thread_local const int index =
        g_nextShard.fetch_add(1, std::memory_order_relaxed) % kShardCount;
    return m_shards[static_cast<size_t>(index)];
}

void Metrics::exchangeFinished(const HttpExchange &exchange, int status, qint64 bytes,
                               qint64 nanoseconds)
{
    static const QString unmatched = QStringLiteral("unmatched");
    const QString &route = exchange.routeName().isEmpty() ? unmatched : exchange.routeName();
    record(route, exchange.methodName(), status, bytes, nanoseconds);
}

void Metrics::record(const QString &route, const QString &method, int status, qint64 bytes,
                     qint64 nanoseconds)
{
    const int bucket = bucketIndex(nanoseconds);
    Shard &shard = shardOfThisThread();
    const std::lock_guard lock(shard.mutex);
    ++shard.requests[RequestKey{route, method, status}];
    RouteSeries &series = shard.routes[route];
    ++series.buckets[static_cast<size_t>(bucket)];
    ++series.count;
    series.sumNs += static_cast<quint64>(qMax<qint64>(0, nanoseconds));
    series.bytes += static_cast<quint64>(qMax<qint64>(0, bytes));
}

QByteArray Metrics::render(const ExchangeStats *stats) const
{
    // Merge the shards into sorted maps: a stable order makes the output easy to read and diff.
    std::map<std::tuple<QString, QString, int>, quint64> requests;
    std::map<QString, RouteSeries> routes;
    for (int i = 0; i < kShardCount; ++i) {
        Shard &shard = m_shards[static_cast<size_t>(i)];
        const std::lock_guard lock(shard.mutex);
        for (auto it = shard.requests.cbegin(); it != shard.requests.cend(); ++it)
            requests[{it.key().route, it.key().method, it.key().status}] += it.value();
        for (auto it = shard.routes.cbegin(); it != shard.routes.cend(); ++it)
            routes[it.key()].add(it.value());
    }

    QByteArray out;
    out.reserve(4096 + 1024 * static_cast<qsizetype>(routes.size()));

    family(out, "gatehouse_http_requests_total", "counter",
           "HTTP requests answered, by route pattern (\"unmatched\" when no route matched), "
           "method and status.");
    for (const auto &[key, count] : requests) {
        const auto &[route, method, status] = key;
        sample(out, "gatehouse_http_requests_total",
               label("route", route) + ',' + label("method", method) + ',' +
                   label("status", QString::number(status)),
               count);
    }

    family(out, "gatehouse_http_request_duration_seconds", "histogram",
           "Time from receiving a request to writing its answer, by route pattern.");
    for (const auto &[route, series] : routes) {
        const QByteArray routeLabel = label("route", route);
        quint64 cumulative = 0;
        for (int i = 0; i < kBucketCount; ++i) {
            cumulative += series.buckets[static_cast<size_t>(i)];
            sample(out, "gatehouse_http_request_duration_seconds_bucket",
                   routeLabel + ",le=\"" + kBucketLabels[static_cast<size_t>(i)] + '"', cumulative);
        }
        sample(out, "gatehouse_http_request_duration_seconds_bucket", routeLabel + ",le=\"+Inf\"",
               series.count);
        sample(out, "gatehouse_http_request_duration_seconds_sum", routeLabel,
               static_cast<double>(series.sumNs) / 1e9);
        sample(out, "gatehouse_http_request_duration_seconds_count", routeLabel, series.count);
    }

    family(out, "gatehouse_http_response_bytes_total", "counter",
           "Response body bytes written, by route pattern.");
    for (const auto &[route, series] : routes)
        sample(out, "gatehouse_http_response_bytes_total", label("route", route), series.bytes);

    family(out, "gatehouse_http_requests_in_flight", "gauge",
           "Requests received and not yet finished, this scrape included.");
    sample(out, "gatehouse_http_requests_in_flight", {}, stats ? stats->inFlight.load() : 0);
    family(out, "gatehouse_http_open_connections", "gauge", "Open client connections.");
    sample(out, "gatehouse_http_open_connections", {}, stats ? stats->openConnections.load() : 0);
    family(out, "gatehouse_rate_limited_total", "counter",
           "Requests refused with 429 by the rate limiter.");
    sample(out, "gatehouse_rate_limited_total", {},
           stats ? stats->rateLimited.load(std::memory_order_relaxed) : quint64(0));

    family(
        out, "gatehouse_redis_errors_total", "counter",
        "Redis commands that failed without an answer (not connected, disconnected, timed out).");
    sample(out, "gatehouse_redis_errors_total", {}, ErrorCounters::redisErrors());
    family(out, "gatehouse_session_checks_total", "counter",
           "Session checks by where they were answered from: cache (Redis) or database.");
    sample(out, "gatehouse_session_checks_total", label("source", QStringLiteral("cache")), SessionCounters::hits());
    sample(out, "gatehouse_session_checks_total", label("source", QStringLiteral("database")), SessionCounters::misses());
    family(out, "gatehouse_database_errors_total", "counter",
           "PostgreSQL connection attempts and statements that failed.");
    sample(out, "gatehouse_database_errors_total", {}, ErrorCounters::databaseErrors());

    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    family(out, "gatehouse_process_start_time_seconds", "gauge",
           "Start time of the process since the Unix epoch in seconds.");
    sample(out, "gatehouse_process_start_time_seconds", {},
           static_cast<double>(g_processStartMs) / 1000.0);
    family(out, "gatehouse_process_uptime_seconds", "gauge", "Seconds since the process started.");
    sample(out, "gatehouse_process_uptime_seconds", {},
           static_cast<double>(qMax<qint64>(0, nowMs - g_processStartMs)) / 1000.0);
    family(out, "gatehouse_build_info", "gauge", "Always 1; the version label names the build.");
    sample(out, "gatehouse_build_info", label("version", QStringLiteral(GATEHOUSE_VERSION)), 1);
    return out;
}

QByteArray Metrics::contentType()
{
    return QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8");
}

QByteArray Metrics::escapeLabelValue(const QString &value)
{
    const QByteArray utf8 = value.toUtf8();
    QByteArray out;
    out.reserve(utf8.size());
    for (char c : utf8) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            out += c;
            break;
        }
    }
    return out;
}

qint64 Metrics::processStartMs()
{
    return g_processStartMs;
}
