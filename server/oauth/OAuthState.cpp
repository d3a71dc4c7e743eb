#include "OAuthState.h"

#include "server/redis/RedisClient.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace OAuthState {

namespace {
Error unavailable(const RedisReply &reply)
{
    return makeError(QStringLiteral("CACHE_UNAVAILABLE"),
                     QStringLiteral("sign-in state cannot be stored: %1").arg(reply.errorText()));
}
} // namespace

QByteArray keyFor(const QString &provider, const QString &state)
{
    return (provider == QLatin1String("apple") ? QByteArrayLiteral("oauth_state:apple:")
                                               : QByteArrayLiteral("oauth_state:")) +
           state.toLatin1();
}

void save(RedisClient *redis, const QString &state, const OAuthStateData &data,
          std::function<void(Status)> done)
{
    QJsonObject json{{QStringLiteral("provider"), data.provider},
                     {QStringLiteral("codeVerifier"), data.codeVerifier},
                     {QStringLiteral("nonce"), data.nonce},
                     {QStringLiteral("returnTo"), data.returnTo},
                     {QStringLiteral("createdAt"), data.createdAt.toUTC().toString(Qt::ISODateWithMs)},
                     {QStringLiteral("browser"), data.browserHash}};
    if (!data.linkUserId.isEmpty())
        json.insert(QStringLiteral("linkUserId"), data.linkUserId);
    redis->command({QByteArrayLiteral("SET"), keyFor(data.provider, state),
                    QJsonDocument(json).toJson(QJsonDocument::Compact), QByteArrayLiteral("EX"),
                    QByteArray::number(kTtlSeconds), QByteArrayLiteral("NX")},
                   [done = std::move(done)](const RedisReply &reply) {
        if (reply.isError() || reply.isNil()) // nil: NX met a key, i.e. 256 random bits collided
            done(unavailable(reply));
        else
            done({});
    });
}

void take(RedisClient *redis, const QString &provider, const QString &state,
          std::function<void(Result<std::optional<OAuthStateData>>)> done)
{
    redis->command({QByteArrayLiteral("GETDEL"), keyFor(provider, state)},
                   [provider, done = std::move(done)](const RedisReply &reply) {
        if (reply.isError()) {
            done(unavailable(reply));
            return;
        }
        if (reply.type != RedisReply::Type::String) {
            done(std::optional<OAuthStateData>());
            return;
        }
        const QJsonObject json = QJsonDocument::fromJson(reply.string).object();
        OAuthStateData data;
        data.provider = json.value(QStringLiteral("provider")).toString();
        data.codeVerifier = json.value(QStringLiteral("codeVerifier")).toString();
        data.nonce = json.value(QStringLiteral("nonce")).toString();
        data.returnTo = json.value(QStringLiteral("returnTo")).toString();
        data.createdAt = QDateTime::fromString(json.value(QStringLiteral("createdAt")).toString(), Qt::ISODateWithMs);
        data.linkUserId = json.value(QStringLiteral("linkUserId")).toString();
        data.browserHash = json.value(QStringLiteral("browser")).toString();
        // A state made for another provider's callback is no state for this one.
        if (data.provider != provider || data.codeVerifier.isEmpty()) {
            done(std::optional<OAuthStateData>());
            return;
        }
        done(std::optional<OAuthStateData>(data));
    });
}

} // namespace OAuthState
