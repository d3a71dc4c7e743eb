#include "SessionCache.h"

#include "server/redis/RedisClient.h"
#include "server/redis/RedisScript.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace {
QString timeText(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QDateTime parseTime(const QJsonValue &value)
{
    QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return time.isValid() ? time.toUTC() : QDateTime();
}

// SET both keys unless the tombstone exists. KEYS: valid, data, revoked; ARGV: json, ttl.
const RedisScript &refillScript()
{
    static const RedisScript script(QByteArrayLiteral(
        "if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end\n"
        "redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])\n"
        "redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])\n"
        "return 1\n"));
    return script;
}
} // namespace

QByteArray CachedSession::toJson() const
{
    const QJsonObject json{{QStringLiteral("userId"), userId},
                           {QStringLiteral("role"), role},
                           {QStringLiteral("status"), status},
                           {QStringLiteral("expiresAt"), timeText(expiresAt)},
                           {QStringLiteral("email"), email},
                           {QStringLiteral("lastActivityAt"), timeText(lastActivityAt)}};
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}

std::optional<CachedSession> CachedSession::fromJson(const QByteArray &json)
{
    const QJsonObject object = QJsonDocument::fromJson(json).object();
    CachedSession session;
    session.userId = object.value(QStringLiteral("userId")).toString();
    session.role = object.value(QStringLiteral("role")).toString();
    session.status = object.value(QStringLiteral("status")).toString();
    session.email = object.value(QStringLiteral("email")).toString();
    session.expiresAt = parseTime(object.value(QStringLiteral("expiresAt")));
    session.lastActivityAt = parseTime(object.value(QStringLiteral("lastActivityAt")));
    // Anything unreadable is treated as a miss and refilled from PostgreSQL.
    if (session.userId.isEmpty() || !session.expiresAt.isValid() || !session.lastActivityAt.isValid())
        return std::nullopt;
    return session;
}

SessionCache::SessionCache(RedisClient *redis, int ttlSeconds) : m_redis(redis), m_ttlSeconds(ttlSeconds) {}

QByteArray SessionCache::validKey(const QString &id)
{
    return QByteArrayLiteral("session:valid:") + id.toLatin1();
}

QByteArray SessionCache::dataKey(const QString &id)
{
    return QByteArrayLiteral("session:") + id.toLatin1();
}

QByteArray SessionCache::revokedKey(const QString &id)
{
    return QByteArrayLiteral("session:revoked:") + id.toLatin1();
}

void SessionCache::lookup(const QString &id, std::function<void(const Lookup &)> done) const
{
    m_redis->command({QByteArrayLiteral("MGET"), validKey(id), dataKey(id)},
                     [done = std::move(done)](const RedisReply &reply) {
                         Lookup lookup;
                         if (reply.isError()) {
                             lookup.outcome = Outcome::Unavailable;
                         } else if (reply.elements.size() == 2 &&
                                    reply.elements.at(0).string == "1" &&
                                    !reply.elements.at(1).isNil()) {
                             if (auto session = CachedSession::fromJson(reply.elements.at(1).string)) {
                                 lookup.outcome = Outcome::Hit;
                                 lookup.session = std::move(*session);
                             }
                         }
                         done(lookup);
                     });
}

void SessionCache::store(const QString &id, const CachedSession &session,
                         std::function<void(bool)> done) const
{
    refillScript().run(*m_redis, {validKey(id), dataKey(id), revokedKey(id)},
                       {session.toJson(), QByteArray::number(m_ttlSeconds)},
                       [done = std::move(done)](const RedisReply &reply) {
                           if (done)
                               done(!reply.isError() && reply.integer == 1);
                       });
}

void SessionCache::update(const QString &id, const CachedSession &session) const
{
    // XX: only while cached (a revocation may have removed it); KEEPTTL: same expiry.
    m_redis->command({QByteArrayLiteral("SET"), dataKey(id), session.toJson(), QByteArrayLiteral("XX"),
                      QByteArrayLiteral("KEEPTTL")},
                     [](const RedisReply &) {});
}

void SessionCache::invalidate(const QStringList &ids, bool tombstone, std::function<void(bool)> done) const
{
    if (ids.isEmpty()) {
        if (done)
            done(true);
        return;
    }
    QList<QByteArray> del{QByteArrayLiteral("DEL")};
    for (const QString &id : ids)
        del << validKey(id) << dataKey(id);
    const bool withTombstones = tombstone;
    auto remaining = std::make_shared<int>(1 + (withTombstones ? static_cast<int>(ids.size()) : 0));
    auto allOk = std::make_shared<bool>(true);
    auto finish = [remaining, allOk, done](const RedisReply &reply) {
        if (reply.isError())
            *allOk = false;
        if (--*remaining == 0 && done)
            done(*allOk);
    };
    // Tombstones first: a refill racing with this DEL then finds one.
    if (withTombstones)
        for (const QString &id : ids)
            m_redis->command({QByteArrayLiteral("SET"), revokedKey(id), QByteArrayLiteral("1"),
                              QByteArrayLiteral("EX"), QByteArray::number(m_ttlSeconds)},
                             finish);
    m_redis->command(del, finish);
}
