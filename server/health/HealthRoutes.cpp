#include "HealthRoutes.h"

#include "server/http/Router.h"
#include "server/http/WorkerContext.h"
#include "server/metrics/ErrorCounters.h"
#include "server/redis/RedisClient.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>

namespace {
struct CheckResult
{
    bool up = false;
    double ms = 0;
    QString error;

    QJsonObject toJson() const
    {
        QJsonObject json{{QStringLiteral("status"), up ? QStringLiteral("up") : QStringLiteral("down")},
                         {QStringLiteral("latencyMs"), ms}};
        if (!up)
            json.insert(QStringLiteral("error"), error);
        return json;
    }
};

double millisecondsSince(const QElapsedTimer &timer)
{
    return static_cast<double>(timer.nsecsElapsed() / 10000) / 100.0;
}

CheckResult checkPostgres(WorkerContext &context)
{
    QElapsedTimer timer;
    timer.start();
    CheckResult result;
    // One retry with a fresh connection: after a PostgreSQL restart the old one is dead.
    for (int attempt = 0; attempt < 2 && !result.up; ++attempt) {
        auto db = context.database();
        if (!db) {
            result.error = db.error().message;
            ErrorCounters::countDatabaseError();
            break;
        }
        QSqlQuery query(*db);
        if (query.exec(QStringLiteral("SELECT 1")) && query.next()) {
            result.up = true;
        } else {
            result.error = query.lastError().text();
            ErrorCounters::countDatabaseError();
            context.resetDatabase();
        }
    }
    result.ms = millisecondsSince(timer);
    return result;
}

void answer(const ExchangePtr &exchange, const CheckResult &postgres, const CheckResult &redis)
{
    const QJsonObject checks{{QStringLiteral("postgres"), postgres.toJson()},
                             {QStringLiteral("redis"), redis.toJson()}};
    if (postgres.up && redis.up) {
        exchange->respondJson(200, {{QStringLiteral("status"), QStringLiteral("ready")},
                                    {QStringLiteral("checks"), checks}});
        return;
    }
    QStringList failed;
    if (!postgres.up)
        failed << QStringLiteral("postgres: ") + postgres.error;
    if (!redis.up)
        failed << QStringLiteral("redis: ") + redis.error;
    // Redis alone down is "degraded": sessions can still be checked against PostgreSQL, but
    // flows and rate limits cannot work, so the instance still answers 503.
    const QString state = postgres.up ? QStringLiteral("degraded") : QStringLiteral("not_ready");
    exchange->respondJson(
        503, {{QStringLiteral("status"), state},
              {QStringLiteral("checks"), checks},
              {QStringLiteral("error"),
               QJsonObject{{QStringLiteral("code"), QStringLiteral("NOT_READY")},
                           {QStringLiteral("message"),
                            QStringLiteral("unavailable: ") + failed.join(QStringLiteral("; "))}}}});
}
} // namespace

namespace HealthRoutes {

void install(Router &router, WorkerContext &context)
{
    router.get(QStringLiteral("/healthz"), [](const ExchangePtr &exchange) {
        exchange->respondJson(200, {{QStringLiteral("status"), QStringLiteral("ok")}});
    }, RouteClass::Exempt);

    router.get(QStringLiteral("/readyz"), [&context](const ExchangePtr &exchange) {
        const CheckResult postgres = checkPostgres(context);
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        context.redis()->command({QByteArrayLiteral("PING")}, [exchange, postgres,
                                                               timer](const RedisReply &reply) {
            CheckResult redis;
            redis.ms = millisecondsSince(*timer);
            redis.up = reply.type == RedisReply::Type::Simple && reply.string == "PONG";
            if (!redis.up)
                redis.error = reply.isError() ? reply.errorText() : QStringLiteral("unexpected reply");
            answer(exchange, postgres, redis);
        });
    }, RouteClass::Exempt);
}

} // namespace HealthRoutes
