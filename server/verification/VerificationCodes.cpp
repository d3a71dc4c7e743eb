#include "VerificationCodes.h"

#include "server/crypto/Crypto.h"
#include "server/redis/RedisClient.h"
#include "server/redis/RedisScript.h"
#include "server/totp/Totp.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace {
using VerificationCodes::Channel;

// KEYS: record, throttle. ARGV: record JSON, record TTL, throttle TTL, code hash.
// The throttle is its own key so that burning a code (5 wrong tries) cannot reset it.
constexpr char kIssueLua[] = R"lua(
local wait = redis.call('TTL', KEYS[2])
if wait > 0 then return wait end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[3])
return 0
)lua";

// KEYS: record. ARGV: max attempts. Counts one attempt and hands the record back for the
// comparison, or nil when there is none (expired, burnt, never sent). A record whose attempts
// are used up is deleted here, so it can never be tried again.
constexpr char kAttemptLua[] = R"lua(
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' then redis.call('DEL', KEYS[1]) return nil end
local attempts = tonumber(record.attempts) or 0
if attempts >= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) return nil end
record.attempts = attempts + 1
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
return {tostring(record.codeHash), tostring(record.target), record.attempts}
)lua";

// KEYS: record[, throttle]. ARGV: code hash. Deletes what still belongs to this code.
constexpr char kWithdrawLua[] = R"lua(
local deleted = 0
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, record = pcall(cjson.decode, raw)
  if ok and type(record) == 'table' and record.codeHash == ARGV[1] then
    deleted = redis.call('DEL', KEYS[1])
  end
end
if KEYS[2] and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return deleted
)lua";

// Shared by every worker (RedisScript is immutable).
const RedisScript &issueScript()
{
    static const RedisScript script{QByteArray(kIssueLua)};
    return script;
}

const RedisScript &attemptScript()
{
    static const RedisScript script{QByteArray(kAttemptLua)};
    return script;
}

const RedisScript &withdrawScript()
{
    static const RedisScript script{QByteArray(kWithdrawLua)};
    return script;
}

QString channelName(Channel channel)
{
    return channel == Channel::Email ? QStringLiteral("email") : QStringLiteral("phone");
}

Error redisError(const RedisReply &reply)
{
    return makeError(reply.transportError ? QStringLiteral("REDIS_UNAVAILABLE") : QStringLiteral("REDIS_ERROR"),
                     reply.errorText());
}
} // namespace

namespace VerificationCodes {

QByteArray recordKey(Channel channel, const QString &userId)
{
    return channelName(channel).toLatin1() + "_verification:" + userId.toLatin1();
}

QByteArray throttleKey(Channel channel, const QString &userId)
{
    return "verification_throttle:" + channelName(channel).toLatin1() + ':' + userId.toLatin1();
}

QString newCode()
{
    // 4 random bytes give 0..2^32-1; values from 4294000000 up would favour low codes, so
    // they are drawn again (rarely: p ≈ 0.0002).
    constexpr quint32 kLimit = 4294000000u; // a multiple of 10^6
    for (;;) {
        const QByteArray bytes = Crypto::randomBytes(4);
        quint32 value = 0;
        for (const char b : bytes)
            value = (value << 8) | quint8(b);
        if (value < kLimit)
            return QStringLiteral("%1").arg(value % 1000000u, kDigits, 10, QLatin1Char('0'));
    }
}

QByteArray codeHash(const QByteArray &serverKey, Channel channel, const QString &userId,
                    const QString &target, const QString &code)
{
    // A key of its own for this purpose, so the HMAC never shares a key with AES-GCM.
    const QByteArray key = Crypto::hmacSha256(serverKey, "gatehouse verification codes v1");
    const QByteArray data = channelName(channel).toUtf8() + '\n' + userId.toUtf8() + '\n' +
                            target.toUtf8() + '\n' + code.toUtf8();
    return Crypto::hmacSha256(key, data).toHex();
}

bool isWellFormed(const QString &code)
{
    static_assert(kDigits == Totp::kDigits, "one code format for the API");
    return Totp::isWellFormedCode(code); // the same six ASCII digits a TOTP code has
}

void issue(RedisClient &redis, Channel channel, const QString &userId, const QString &target,
           const QByteArray &hash, const QDateTime &now, std::function<void(Result<qint64>)> done)
{
    const QJsonObject record{{QStringLiteral("codeHash"), QString::fromLatin1(hash)},
                             {QStringLiteral("target"), target},
                             {QStringLiteral("attempts"), 0},
                             {QStringLiteral("createdAt"), now.toUTC().toString(Qt::ISODateWithMs)}};
    issueScript().run(redis, {recordKey(channel, userId), throttleKey(channel, userId)},
                          {QJsonDocument(record).toJson(QJsonDocument::Compact),
                           QByteArray::number(kTtlSeconds), QByteArray::number(kResendSeconds), hash},
                          [done = std::move(done)](const RedisReply &reply) {
                              if (reply.type != RedisReply::Type::Integer)
                                  done(redisError(reply));
                              else
                                  done(reply.integer);
                          });
}

void withdraw(RedisClient &redis, Channel channel, const QString &userId, const QByteArray &hash,
              std::function<void()> done)
{
    withdrawScript().run(redis, {recordKey(channel, userId), throttleKey(channel, userId)}, {hash},
                             [done = std::move(done)](const RedisReply &) { done(); });
}

void consume(RedisClient &redis, Channel channel, const QString &userId, const QByteArray &hash,
             std::function<void()> done)
{
    withdrawScript().run(redis, {recordKey(channel, userId)}, {hash},
                             [done = std::move(done)](const RedisReply &) { done(); });
}

void check(RedisClient &redis, Channel channel, const QString &userId, const QString &target,
           const QByteArray &presentedHash, std::function<void(Result<Check>)> done)
{
    RedisClient *client = &redis;
    attemptScript().run(
        redis, {recordKey(channel, userId)}, {QByteArray::number(kMaxAttempts)},
        [client, channel, userId, target, presentedHash, done = std::move(done)](const RedisReply &reply) {
            if (reply.isNil()) {
                done(Check{Check::Outcome::NoCode, 0});
                return;
            }
            if (reply.type != RedisReply::Type::Array || reply.elements.size() != 3) {
                done(reply.isError() ? redisError(reply)
                                     : makeError(QStringLiteral("REDIS_ERROR"), QStringLiteral("unexpected reply")));
                return;
            }
            const QByteArray stored = reply.elements[0].string;
            const bool sameTarget = QString::fromUtf8(reply.elements[1].string) == target;
            const int attempts = int(reply.elements[2].integer);
            const bool match = Crypto::equalConstantTime(stored, presentedHash) && sameTarget;
            Check result;
            result.outcome = match ? Check::Outcome::Match : Check::Outcome::Wrong;
            result.attemptsLeft = sameTarget ? qMax(0, kMaxAttempts - attempts) : 0;
            if (!match && result.attemptsLeft == 0) {
                // Burnt: the last try failed, or the code belongs to an address no longer ours.
                consume(*client, channel, userId, stored, [done, result] { done(result); });
                return;
            }
            done(result);
        });
}

} // namespace VerificationCodes
