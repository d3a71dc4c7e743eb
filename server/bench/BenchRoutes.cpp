#include "BenchRoutes.h"

#include "server/http/Router.h"
#include "server/http/WorkerContext.h"
#include "server/redis/RedisClient.h"

#include <QJsonObject>

namespace BenchRoutes {

void install(Router &router, WorkerContext &context)
{
    router.get(QStringLiteral("/bench/hello"), [](const ExchangePtr &exchange) {
        exchange->respondJson(200, {{QStringLiteral("hello"), QStringLiteral("world")}});
    });

    router.get(QStringLiteral("/bench/redis"), [&context](const ExchangePtr &exchange) {
        context.redis()->command(
            {QByteArrayLiteral("GET"), QByteArrayLiteral("bench:value")},
            [exchange](const RedisReply &reply) {
                if (reply.isError()) {
                    exchange->respondError(503, QStringLiteral("REDIS_UNAVAILABLE"),
                                           QStringLiteral("redis: ") + reply.errorText());
                    return;
                }
                const QJsonValue value = reply.isNil()
                                             ? QJsonValue(QJsonValue::Null)
                                             : QJsonValue(QString::fromUtf8(reply.string));
                exchange->respondJson(200, {{QStringLiteral("value"), value}});
            });
    });
}

} // namespace BenchRoutes
