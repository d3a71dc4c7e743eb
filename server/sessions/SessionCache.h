#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class RedisClient;

// What `session:{id}` holds (API.md): {"userId","role","status","expiresAt"} plus the few
// fields the session check answers with, kept small because every live session has it:
// "email" and "lastActivityAt" (the idle timeout is judged from it without SQL).
struct CachedSession
{
    QString userId;
    QString role;
    QString status;  // the user's status: active | disabled
    QString email;
    QDateTime expiresAt;
    QDateTime lastActivityAt;

    QByteArray toJson() const;
    static std::optional<CachedSession> fromJson(const QByteArray &json);
};

// The Redis side of sessions, for one worker's connection. Keys (API.md):
//   session:valid:{id} = "1" and session:{id} = CachedSession, both with a TTL (300 s);
//   session:revoked:{id} = "1" for the TTL after a revocation: a tombstone, so a refill that
//   read the row just before the revocation cannot put a revoked session back in the cache.
class SessionCache
{
public:
    enum class Outcome { Hit, Miss, Unavailable };
    struct Lookup
    {
        Outcome outcome = Outcome::Miss;
        CachedSession session; // on Hit
    };

    SessionCache(RedisClient *redis, int ttlSeconds);

    // One round trip: MGET session:valid:{id} session:{id}.
    void lookup(const QString &id, std::function<void(const Lookup &)> done) const;
    // Refill after a miss; refused (stored = false) when the session was revoked meanwhile.
    void store(const QString &id, const CachedSession &session,
               std::function<void(bool stored)> done = {}) const;
    // Rewrites session:{id} keeping its TTL (after last_activity_at was written).
    void update(const QString &id, const CachedSession &session) const;
    // Deletes the keys of these sessions; with `tombstone`, also blocks refills for the TTL.
    void invalidate(const QStringList &ids, bool tombstone,
                    std::function<void(bool ok)> done = {}) const;

    static QByteArray validKey(const QString &id);
    static QByteArray dataKey(const QString &id);
    static QByteArray revokedKey(const QString &id);

private:
    RedisClient *m_redis;
    int m_ttlSeconds;
};
