#include "RateLimiter.h"

#include "server/http/ClientAddress.h"
#include "server/redis/RedisClient.h"
#include "server/redis/RedisScript.h"

#include <QDateTime>

namespace {

// One request against one bucket, atomically. Kept as a raw string (not a resource) so the
// static library needs no resource initialisation.
//   KEYS[1]  the bucket: a hash {level, ts}
//   ARGV[1]  capacity (requests)      ARGV[2]  leak rate (requests per second)
//   ARGV[3]  now (ms since the epoch, the caller's clock)
//   returns  {1, 0, level} allowed, or {0, retryAfterMs, level} denied; the level as text,
//            because Redis turns Lua numbers into integers
constexpr char kLeakyBucketLua[] = R"lua(
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'level', 'ts')
local level = tonumber(state[1]) or 0
local ts = tonumber(state[2]) or now
-- Instances share buckets and their clocks differ a little: a bucket's time never runs
-- backwards, so a lagging clock cannot drain the same interval twice.
if now < ts then now = ts end
level = math.max(0, level - (now - ts) * rate / 1000)
if level + 1 > capacity then
  -- The epsilon keeps float noise (1000.0000000001) from adding a millisecond.
  local retry = math.max(1, math.ceil((level + 1 - capacity) * 1000 / rate - 1e-6))
  return {0, retry, tostring(level)}
end
level = level + 1
redis.call('HSET', KEYS[1], 'level', tostring(level), 'ts', string.format('%.0f', now))
-- Expire when fully drained: an empty bucket and a missing one mean the same.
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(level * 1000 / rate)))
return {1, 0, tostring(level)}
)lua";

QByteArray number(double value)
{
    return QByteArray::number(value, 'g', 17);
}

RateLimiter::Decision decisionFrom(const RedisReply &reply)
{
    using Outcome = RateLimiter::Decision::Outcome;
    RateLimiter::Decision decision;
    if (reply.isError()) {
        decision.error = reply.errorText();
    } else if (reply.type == RedisReply::Type::Array && reply.elements.size() == 3 &&
               reply.elements.at(0).type == RedisReply::Type::Integer &&
               reply.elements.at(1).type == RedisReply::Type::Integer) {
        decision.outcome = reply.elements.at(0).integer == 1 ? Outcome::Allowed : Outcome::Denied;
        decision.retryAfterMs = reply.elements.at(1).integer;
        decision.level = reply.elements.at(2).string.toDouble();
    } else {
        decision.error = QStringLiteral("unexpected reply from the rate limit script");
    }
    return decision;
}

} // namespace

RateLimiter::RateLimiter(RedisClient &redis, RateLimitSettings settings, Clock clock)
    : m_redis(redis), m_settings(std::move(settings)), m_clock(std::move(clock))
{
    if (!m_clock)
        m_clock = &RateLimiter::systemClock;
}

qint64 RateLimiter::systemClock()
{
    return QDateTime::currentMSecsSinceEpoch();
}

const RedisScript &RateLimiter::script()
{
    static const RedisScript leakyBucket{QByteArray(kLeakyBucketLua)};
    return leakyBucket;
}

const Config::Rate &RateLimiter::rateFor(RouteClass routeClass) const
{
    switch (routeClass) {
    case RouteClass::Auth:
        return m_settings.authRate;
    case RouteClass::Session:
        return m_settings.sessionRate;
    case RouteClass::Default:
    case RouteClass::Exempt:
        break;
    }
    return m_settings.defaultRate;
}

QByteArray RateLimiter::bucketKey(const QHostAddress &client, RouteClass routeClass)
{
    QByteArray key =
        QByteArrayLiteral("ratelimit:") + ClientAddress::normalise(client).toString().toLatin1();
    switch (routeClass) {
    case RouteClass::Auth:
        key += QByteArrayLiteral(":auth");
        break;
    case RouteClass::Session:
        key += QByteArrayLiteral(":session");
        break;
    case RouteClass::Default:
    case RouteClass::Exempt:
        break;
    }
    return key;
}

void RateLimiter::check(const QHostAddress &client, RouteClass routeClass, Callback callback)
{
    if (routeClass == RouteClass::Exempt) {
        callback(Decision{Decision::Outcome::Allowed, 0, 0, {}});
        return;
    }
    hit(bucketKey(client, routeClass), rateFor(routeClass), std::move(callback));
}

void RateLimiter::hit(const QByteArray &key, const Config::Rate &rate, Callback callback)
{
    const QList<QByteArray> arguments{number(rate.capacity), number(rate.perSecond),
                                      QByteArray::number(m_clock())};
    script().run(m_redis, {key}, arguments,
                 [callback = std::move(callback)](const RedisReply &reply) {
                     callback(decisionFrom(reply));
                 });
}
