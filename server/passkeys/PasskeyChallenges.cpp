#include "PasskeyChallenges.h"

#include "server/crypto/Crypto.h"
#include "server/redis/RedisClient.h"
#include "server/redis/RedisScript.h"

#include <QJsonDocument>

namespace PasskeyChallenges {

namespace {
Error unavailable(const RedisReply &reply)
{
    return makeError(QStringLiteral("CACHE_UNAVAILABLE"),
                     QStringLiteral("redis: ") + reply.errorText());
}
} // namespace

QByteArray registrationKey(const QString &userId)
{
    return QByteArrayLiteral("passkey_registration:") + userId.toUtf8();
}

QByteArray authKey(const QString &loginToken)
{
    return QByteArrayLiteral("passkey_auth:") + loginToken.toUtf8();
}

void put(RedisClient *redis, const QByteArray &key, const QJsonObject &value, int ttlSeconds,
         std::function<void(Status)> done)
{
    redis->command({QByteArrayLiteral("SET"), key, QJsonDocument(value).toJson(QJsonDocument::Compact),
                    QByteArrayLiteral("EX"), QByteArray::number(ttlSeconds)},
                   [done = std::move(done)](const RedisReply &reply) {
                       if (reply.isError())
                           done(unavailable(reply));
                       else
                           done(Status());
                   });
}

void take(RedisClient *redis, const QByteArray &key,
          std::function<void(Result<std::optional<QJsonObject>>)> done)
{
    redis->command({QByteArrayLiteral("GETDEL"), key}, [done = std::move(done)](const RedisReply &reply) {
        if (reply.isError()) {
            done(unavailable(reply));
            return;
        }
        if (reply.isNil() || reply.type != RedisReply::Type::String) {
            done(std::optional<QJsonObject>{});
            return;
        }
        const QJsonDocument document = QJsonDocument::fromJson(reply.string);
        // A value we did not write (or a corrupted one) counts as no flow at all.
        done(document.isObject() ? std::optional<QJsonObject>{document.object()}
                                 : std::optional<QJsonObject>{});
    });
}

void takeRegistration(RedisClient *redis, const QString &userId, RegistrationKind kind,
                      std::function<void(Result<std::optional<QJsonObject>>)> done)
{
    // KEYS: the flow; ARGV: "signup" or "addition". Returns the value and deletes it only when
    // it is of the asked kind; a value that is not our JSON is left alone and reads as absent.
    static const RedisScript script(QByteArrayLiteral(
        "local v = redis.call('GET', KEYS[1])\n"
        "if not v then return false end\n"
        "local ok, o = pcall(cjson.decode, v)\n"
        "if not ok or type(o) ~= 'table' then return false end\n"
        "local signup = type(o.email) == 'string'\n"
        "if signup ~= (ARGV[1] == 'signup') then return false end\n"
        "redis.call('DEL', KEYS[1])\n"
        "return v\n"));
    script.run(*redis, {registrationKey(userId)},
               {kind == RegistrationKind::SignUp ? QByteArrayLiteral("signup") : QByteArrayLiteral("addition")},
               [done = std::move(done)](const RedisReply &reply) {
                   if (reply.isError()) {
                       done(unavailable(reply));
                       return;
                   }
                   const QJsonDocument document = QJsonDocument::fromJson(reply.string);
                   done(reply.type == RedisReply::Type::String && document.isObject()
                            ? std::optional<QJsonObject>{document.object()}
                            : std::optional<QJsonObject>{});
               });
}

QByteArray challengeOf(const QJsonObject &flow, const QDateTime &now, int ttlSeconds)
{
    const QDateTime created =
        QDateTime::fromString(flow.value(QStringLiteral("createdAt")).toString(), Qt::ISODateWithMs);
    if (!created.isValid() || created.secsTo(now) > ttlSeconds || created.secsTo(now) < -ttlSeconds)
        return {};
    auto challenge = Crypto::base64UrlDecode(flow.value(QStringLiteral("challenge")).toString());
    if (!challenge || challenge->size() < 16)
        return {};
    return *challenge;
}

} // namespace PasskeyChallenges
