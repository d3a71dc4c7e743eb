#pragma once

#include "SessionCache.h"
#include "models/common/Clock.h"
#include "models/common/Result.h"
#include "models/domain/Session.h"
#include "models/domain/User.h"

#include <QHostAddress>

#include <functional>
#include <memory>

class CachedUserAgentParser;
class EventPublisher;
class GeoLocator;
class PreparedStatements;
class RedisClient;

struct SessionSettings
{
    int lifetimeSeconds = 30 * 24 * 3600;   // absolute: expires_at = created_at + this
    int idleTimeoutSeconds = 7 * 24 * 3600; // since last_activity_at
    int cacheTtlSeconds = 300;              // session:valid:{id} and session:{id}
    int touchIntervalSeconds = 60;          // last_activity_at is written at most this often
};

// Sessions for one HTTP worker: creation (every sign-in ends here), the check behind every
// authenticated call, revocation and the sweeper. Uses the worker's own PostgreSQL connection
// (one short statement at a time) and its async Redis connection; answers through callbacks.
// Not thread-safe: one per worker.
//
// Error codes: SESSION_INVALID (→ 401: unknown, malformed, revoked, expired, user disabled),
// DATABASE_UNAVAILABLE / DATABASE_ERROR (→ 503 / 500), CACHE_UNAVAILABLE (→ 503: a revocation
// is recorded but Redis could not drop the cached session after retries).
class SessionService
{
public:
    struct Dependencies
    {
        RedisClient *redis = nullptr;
        // The worker's statements, reopening the connection on demand; and how to drop it
        // after a connection failure.
        std::function<Result<PreparedStatements *>()> statements;
        std::function<void()> resetDatabase;
        CachedUserAgentParser *userAgents = nullptr; // optional
        std::shared_ptr<const GeoLocator> geo;       // optional
        const EventPublisher *events = nullptr;      // optional
        Clock clock = systemClock();
    };

    struct Created
    {
        QString token; // give to the client once; never stored or logged
        Session session;
    };
    struct Checked
    {
        QString sessionId;
        CachedSession data;
    };

    SessionService(SessionSettings settings, Dependencies dependencies);

    void create(const User &user, const QString &userAgent, const QHostAddress &client,
                std::function<void(Result<Created>)> done);
    void check(const QString &token, std::function<void(Result<Checked>)> done);
    // Revokes one active session (of ownerUserId, when given). Result: whether one was revoked.
    void revoke(const QString &sessionId, const QString &reason, const QString &by,
                const QString &ownerUserId, std::function<void(Result<bool>)> done);
    // Revokes every active session of the user except exceptSessionId. Result: how many.
    void revokeAllForUser(const QString &userId, const QString &exceptSessionId,
                          const QString &reason, const QString &by,
                          std::function<void(Result<int>)> done);
    Result<QList<Session>> listForUser(const QString &userId);
    // Marks up to `limit` expired or idle sessions expired and drops their cache keys.
    void sweep(int limit, std::function<void(Result<int>)> done);

    const SessionSettings &settings() const { return m_settings; }
    static bool isWellFormedToken(QStringView token); // 43 base64url characters
    static QString idForToken(const QString &token);  // sha256hex(token)

private:
    template <typename T>
    Result<T> withRepository(const std::function<Result<T>(class SessionRepository &)> &work);
    bool expired(const QDateTime &expiresAt, const QDateTime &lastActivityAt, const QDateTime &now) const;
    void checkInDatabase(const QString &id, bool cacheAvailable,
                         std::function<void(Result<Checked>)> done);
    void touchIfDue(const QString &id, CachedSession data, const QDateTime &now);
    void expire(const QString &id);
    void invalidateReliably(const QStringList &ids, int attemptsLeft, std::function<void(bool)> done);
    static constexpr int kInvalidateAttempts = 5; // about 2.5 s of retries in all

    SessionSettings m_settings;
    Dependencies m_deps;
    SessionCache m_cache;
};
