#pragma once

#include "RateLimiter.h"
#include "server/http/Router.h"

#include <QElapsedTimer>

class WorkerContext;

// The request gate of one worker (Router::setGate): works out the client address (peer, or
// X-Forwarded-For from a trusted proxy), then asks the rate limiter about the route's class.
// Allowed → the handler runs. Denied → 429 RATE_LIMITED with Retry-After, counted in
// ExchangeStats::rateLimited. Redis unavailable → the handler runs (fail open, with a warning
// at most every 10 s per worker) or 503 RATE_LIMITER_UNAVAILABLE (fail closed).
class RateLimitGate
{
public:
    RateLimitGate(RedisClient &redis, RateLimitSettings settings, ExchangeStats *stats,
                  RateLimiter::Clock clock = {});

    void operator()(const ExchangePtr &exchange, RouteClass routeClass,
                    const std::function<void()> &proceed);

    // A gate for the worker's router, built from the worker's Redis client and settings.
    static RequestGate forWorker(WorkerContext &context);

private:
    void decide(const ExchangePtr &exchange, const RateLimiter::Decision &decision,
                const std::function<void()> &proceed);
    void unavailable(const ExchangePtr &exchange, const QString &error,
                     const std::function<void()> &proceed);

    RateLimiter m_limiter;
    ExchangeStats *m_stats;
    QElapsedTimer m_lastWarning; // invalid until the first warning
    quint64 m_unloggedFailures = 0;
};
