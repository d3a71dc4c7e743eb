#pragma once

#include "RateLimitSettings.h"
#include "server/http/Router.h"

#include <QByteArray>
#include <QHostAddress>
#include <functional>

class RedisClient;
class RedisScript;

// Leaky buckets in Redis, one per client IP and route class, each step one atomic Lua script
// (kLeakyBucketLua in RateLimiter.cpp): a request adds 1 to the bucket's level, which drains at
// `perSecond`; a request that would overflow `capacity` is denied and told when one more will fit.
//
// Each request counts against exactly one bucket, its route class's: an Auth request does not
// also drain the Default bucket, so the strict classes cannot be used to starve the others, and
// the Default limit means "requests to ordinary routes". Exempt routes count against nothing.
//
// Time comes from an injectable clock (milliseconds since the epoch), passed to the script, so
// tests control it exactly. Instances share buckets; the script never lets a bucket's time run
// backwards, so small clock differences between instances cannot leak an interval twice.
// Lives in one worker thread with that worker's RedisClient.
class RateLimiter
{
public:
    using Clock = std::function<qint64()>;

    struct Decision
    {
        enum class Outcome
        {
            Allowed,
            Denied,
            Unavailable
        };
        Outcome outcome = Outcome::Unavailable;
        qint64 retryAfterMs = 0; // Denied: until one more request fits
        double level = 0;        // the bucket's fill after this request (Allowed) or before it
        QString error;           // Unavailable: why (transport failure or script error)

        bool allowed() const { return outcome == Outcome::Allowed; }
    };
    using Callback = std::function<void(const Decision &)>;

    RateLimiter(RedisClient &redis, RateLimitSettings settings, Clock clock = {});

    // One request from `client` to a route of `routeClass`. The callback runs exactly once,
    // from the Redis reply; for Exempt at once (synchronously) with Allowed.
    void check(const QHostAddress &client, RouteClass routeClass, Callback callback);
    // The step itself, on any bucket key.
    void hit(const QByteArray &key, const Config::Rate &rate, Callback callback);

    const RateLimitSettings &settings() const { return m_settings; }
    const Config::Rate &rateFor(RouteClass routeClass) const;

    // ratelimit:{ip} for Default, ratelimit:{ip}:auth and ratelimit:{ip}:session; the IP in
    // QHostAddress's canonical text (IPv6 compressed, lowercase, no scope id).
    static QByteArray bucketKey(const QHostAddress &client, RouteClass routeClass);
    static const RedisScript &script();
    static qint64 systemClock();

private:
    RedisClient &m_redis;
    RateLimitSettings m_settings;
    Clock m_clock;
};
