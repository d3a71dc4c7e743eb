#include "SignInFailures.h"

#include "server/redis/RedisClient.h"

namespace SignInFailures {

QByteArray keyFor(const QDateTime &hour)
{
    return QByteArrayLiteral("stats:sign_in_failures:") +
           hour.toUTC().toString(QStringLiteral("yyyyMMddHH")).toLatin1();
}

void record(RedisClient *redis, const QDateTime &now)
{
    if (!redis)
        return;
    const QByteArray key = keyFor(now);
    // INCR then EXPIRE, pipelined: the count itself is atomic; the TTL is set again each time.
    redis->command({QByteArrayLiteral("INCR"), key}, [](const RedisReply &) {});
    redis->command({QByteArrayLiteral("EXPIRE"), key, QByteArray::number(kRetentionSeconds)},
                   [](const RedisReply &) {});
}

} // namespace SignInFailures
