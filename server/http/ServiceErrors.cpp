#include "ServiceErrors.h"

#include "models/common/Log.h"

namespace ServiceErrors {

bool isUnavailable(const Error &error)
{
    static const QStringList codes{QStringLiteral("DATABASE_UNAVAILABLE"), QStringLiteral("CACHE_UNAVAILABLE"),
                                   QStringLiteral("REDIS_UNAVAILABLE"), QStringLiteral("NOT_CONNECTED"),
                                   QStringLiteral("TIMEOUT"), QStringLiteral("DISCONNECTED")};
    return codes.contains(error.code);
}

void respond(const ExchangePtr &exchange, const Error &error)
{
    if (isUnavailable(error)) {
        exchange->respondError(503, QStringLiteral("SERVICE_UNAVAILABLE"),
                               error.code == QLatin1String("DATABASE_UNAVAILABLE")
                                   ? QStringLiteral("the database is unavailable; retry")
                                   : QStringLiteral("a service Gatehouse needs is unavailable; retry"),
                               {{QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1")}});
        return;
    }
    if (error.code == QLatin1String("DATABASE_CONFLICT")) {
        exchange->respondError(409, QStringLiteral("CONFLICT"),
                               QStringLiteral("the request conflicts with a change made meanwhile; retry"));
        return;
    }
    Log::warning(QStringLiteral("request_failed"),
                 {{QStringLiteral("requestId"), QString::fromLatin1(exchange->requestId())},
                  {QStringLiteral("code"), error.code},
                  {QStringLiteral("message"), error.message}});
    exchange->respondError(500, QStringLiteral("INTERNAL"), QStringLiteral("the request failed"));
}

} // namespace ServiceErrors
