#include "RateLimitGate.h"

#include "models/common/Log.h"
#include "server/http/ClientAddress.h"
#include "server/http/WorkerContext.h"

#include <memory>

namespace {
constexpr qint64 kWarningIntervalMs = 10000;

QByteArrayList forwardedFor(const HttpExchange &exchange)
{
    QByteArrayList values;
    for (const auto &[name, value] : exchange.headers()) {
        if (name.compare("X-Forwarded-For", Qt::CaseInsensitive) == 0)
            values.append(value);
    }
    return values;
}
} // namespace

RateLimitGate::RateLimitGate(RedisClient &redis, RateLimitSettings settings, ExchangeStats *stats,
                             RateLimiter::Clock clock)
    : m_limiter(redis, std::move(settings), std::move(clock)), m_stats(stats)
{
}

RequestGate RateLimitGate::forWorker(WorkerContext &context)
{
    auto gate =
        std::make_shared<RateLimitGate>(*context.redis(), context.rateLimits(), context.stats());
    return [gate](const ExchangePtr &exchange, RouteClass routeClass,
                  const std::function<void()> &proceed) { (*gate)(exchange, routeClass, proceed); };
}

void RateLimitGate::operator()(const ExchangePtr &exchange, RouteClass routeClass,
                               const std::function<void()> &proceed)
{
    exchange->setClientAddress(ClientAddress::resolve(
        exchange->peerAddress(), forwardedFor(*exchange), m_limiter.settings().trustedProxies));
    if (routeClass == RouteClass::Exempt) {
        proceed();
        return;
    }
    // `this` and `proceed` (which refers to the route handler) live in the worker's router.
    // HttpWorker::tearDown deletes the router, then the Redis client, with no event loop
    // between, and a deleted client drops its pending callbacks unrun: never used dangling.
    m_limiter.check(exchange->clientAddress(), routeClass,
                    [this, exchange, proceed](const RateLimiter::Decision &decision) {
                        decide(exchange, decision, proceed);
                    });
}

void RateLimitGate::decide(const ExchangePtr &exchange, const RateLimiter::Decision &decision,
                           const std::function<void()> &proceed)
{
    switch (decision.outcome) {
    case RateLimiter::Decision::Outcome::Allowed:
        proceed();
        return;
    case RateLimiter::Decision::Outcome::Denied: {
        if (m_stats)
            ++m_stats->rateLimited;
        const qint64 seconds = qMax<qint64>(1, (decision.retryAfterMs + 999) / 1000);
        exchange->respondError(429, QStringLiteral("RATE_LIMITED"),
                               QStringLiteral("too many requests; retry in %1 s").arg(seconds),
                               {{QByteArrayLiteral("Retry-After"), QByteArray::number(seconds)}});
        return;
    }
    case RateLimiter::Decision::Outcome::Unavailable:
        unavailable(exchange, decision.error, proceed);
        return;
    }
}

void RateLimitGate::unavailable(const ExchangePtr &exchange, const QString &error,
                                const std::function<void()> &proceed)
{
    const bool failOpen = m_limiter.settings().failOpen;
    if (!m_lastWarning.isValid() || m_lastWarning.elapsed() >= kWarningIntervalMs) {
        Log::warning(QStringLiteral("ratelimit.unavailable"),
                     {{QStringLiteral("error"), error},
                      {QStringLiteral("policy"),
                       failOpen ? QStringLiteral("allow") : QStringLiteral("deny")},
                      {QStringLiteral("failuresSinceLastWarning"),
                       static_cast<qint64>(m_unloggedFailures)}});
        m_lastWarning.start();
        m_unloggedFailures = 0;
    } else {
        ++m_unloggedFailures;
    }
    if (failOpen) {
        proceed();
        return;
    }
    exchange->respondError(503, QStringLiteral("RATE_LIMITER_UNAVAILABLE"),
                           QStringLiteral("the rate limiter is unavailable; try again shortly"),
                           {{QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1")}});
}
