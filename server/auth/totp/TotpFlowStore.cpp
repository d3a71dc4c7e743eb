#include "TotpFlowStore.h"

#include "server/redis/RedisClient.h"
#include "server/redis/RedisScript.h"

namespace TotpFlowStore {

namespace {

// KEYS[1] pending registration, KEYS[2] its attempt counter; ARGV[1] max attempts, ARGV[2] TTL
// for the counter if the registration somehow has none.
const RedisScript &reservePendingScript()
{
    static const RedisScript script(QByteArrayLiteral(R"lua(
local raw = redis.call('GET', KEYS[1])
if not raw then
  redis.call('DEL', KEYS[2])
  return false
end
local n = redis.call('INCR', KEYS[2])
if n == 1 then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) else redis.call('EXPIRE', KEYS[2], ARGV[2]) end
end
if n > tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1], KEYS[2])
  return false
end
return {raw, n}
)lua"));
    return script;
}

// KEYS[1] login attempt; ARGV[1] max attempts, ARGV[2] the lockout key prefix. The lockout key
// is named from the user id inside the attempt, so it cannot be passed in KEYS; Gatehouse talks
// to one Redis (no cluster), where that is safe.
const RedisScript &reserveLoginScript()
{
    static const RedisScript script(QByteArrayLiteral(R"lua(
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local ok, attempt = pcall(cjson.decode, raw)
if not ok or type(attempt) ~= 'table' then
  redis.call('DEL', KEYS[1])
  return false
end
local attempts = tonumber(attempt.attempts) or 0
if attempts >= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return false
end
attempt.attempts = attempts + 1
redis.call('SET', KEYS[1], cjson.encode(attempt), 'KEEPTTL')
local userId = ''
local locked = 0
if type(attempt.userId) == 'string' then
  userId = attempt.userId
  locked = redis.call('EXISTS', ARGV[2] .. userId)
end
return {userId, attempt.attempts, locked}
)lua"));
    return script;
}

// KEYS[1] failure counter, KEYS[2] lockout; ARGV[1] attempts, ARGV[2] window, ARGV[3] duration.
const RedisScript &accountFailureScript()
{
    static const RedisScript script(QByteArrayLiteral(R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if n >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[3], 'NX')
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
)lua"));
    return script;
}

bool failed(const RedisReply &reply)
{
    return reply.isError();
}

} // namespace

QByteArray pendingKey(const QString &userId)
{
    return QByteArrayLiteral("pending_registration:") + userId.toUtf8();
}

QByteArray pendingAttemptsKey(const QString &userId)
{
    return QByteArrayLiteral("pending_registration_attempts:") + userId.toUtf8();
}

QByteArray loginKey(const QString &loginToken)
{
    return QByteArrayLiteral("login_attempt:") + loginToken.toUtf8();
}

QByteArray failuresKey(const QString &userId)
{
    return QByteArrayLiteral("totp_failures:") + userId.toUtf8();
}

QByteArray lockoutKey(const QString &userId)
{
    return QByteArrayLiteral("totp_lockout:") + userId.toUtf8();
}

Error redisError(const QByteArray &what, const QByteArray &reply, bool transport)
{
    if (transport)
        return makeError(QString::fromLatin1(reply), QString::fromLatin1(what) + QStringLiteral(": Redis unavailable"));
    return makeError(QStringLiteral("REDIS_ERROR"),
                     QString::fromLatin1(what) + QStringLiteral(": ") + QString::fromUtf8(reply));
}

void reservePendingAttempt(RedisClient &redis, const QString &userId,
                           std::function<void(Result<std::optional<PendingAttempt>>)> done)
{
    reservePendingScript().run(
        redis, {pendingKey(userId), pendingAttemptsKey(userId)},
        {QByteArray::number(kMaxAttempts), QByteArrayLiteral("600")},
        [done = std::move(done)](const RedisReply &reply) {
            if (failed(reply)) {
                done(redisError("pending registration", reply.string, reply.transportError));
                return;
            }
            if (reply.type != RedisReply::Type::Array || reply.elements.size() != 2) {
                done(std::optional<PendingAttempt>{});
                return;
            }
            PendingAttempt attempt;
            attempt.json = reply.elements[0].string;
            attempt.attempt = static_cast<int>(reply.elements[1].integer);
            done(std::optional<PendingAttempt>{std::move(attempt)});
        });
}

void reserveLoginAttempt(RedisClient &redis, const QString &loginToken,
                         std::function<void(Result<std::optional<LoginAttempt>>)> done)
{
    reserveLoginScript().run(
        redis, {loginKey(loginToken)}, {QByteArray::number(kMaxAttempts), QByteArrayLiteral("totp_lockout:")},
        [done = std::move(done)](const RedisReply &reply) {
            if (failed(reply)) {
                done(redisError("login attempt", reply.string, reply.transportError));
                return;
            }
            if (reply.type != RedisReply::Type::Array || reply.elements.size() != 3) {
                done(std::optional<LoginAttempt>{});
                return;
            }
            LoginAttempt attempt;
            attempt.userId = QString::fromUtf8(reply.elements[0].string);
            attempt.attempt = static_cast<int>(reply.elements[1].integer);
            attempt.locked = reply.elements[2].integer != 0;
            done(std::optional<LoginAttempt>{std::move(attempt)});
        });
}

void recordAccountFailure(RedisClient &redis, const QString &userId, const LockoutPolicy &policy,
                          std::function<void(Result<bool>)> done)
{
    accountFailureScript().run(
        redis, {failuresKey(userId), lockoutKey(userId)},
        {QByteArray::number(policy.attempts), QByteArray::number(policy.windowSeconds),
         QByteArray::number(policy.durationSeconds)},
        [done = std::move(done)](const RedisReply &reply) {
            if (failed(reply)) {
                done(redisError("lockout counter", reply.string, reply.transportError));
                return;
            }
            done(reply.integer == 1);
        });
}

} // namespace TotpFlowStore
