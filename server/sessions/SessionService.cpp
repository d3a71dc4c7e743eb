#include "SessionService.h"

#include "models/common/Log.h"
#include "models/database/PreparedStatements.h"
#include "models/sessions/SessionRepository.h"
#include "server/crypto/Crypto.h"
#include "server/device/GeoLocator.h"
#include "server/device/UserAgentParser.h"
#include "server/events/EventPublisher.h"
#include "server/metrics/SessionCounters.h"
#include "server/redis/RedisClient.h"

#include <QTimer>

namespace {
Error cacheNotCleared()
{
    return makeError(QStringLiteral("CACHE_UNAVAILABLE"),
                     QStringLiteral("the session is revoked in the database, but Redis could not be "
                                    "updated; retry"));
}

Error invalidSession()
{
    return makeError(QStringLiteral("SESSION_INVALID"),
                     QStringLiteral("the session is missing, invalid, expired or revoked"));
}

CachedSession cachedFrom(const Session &session, const User &user)
{
    CachedSession cached;
    cached.userId = user.id;
    cached.role = user.role;
    cached.status = user.status;
    cached.email = user.email;
    cached.expiresAt = session.expiresAt;
    cached.lastActivityAt = session.lastActivityAt;
    return cached;
}
} // namespace

SessionService::SessionService(SessionSettings settings, Dependencies dependencies)
    : m_settings(settings),
      m_deps(std::move(dependencies)),
      m_cache(m_deps.redis, settings.cacheTtlSeconds)
{
}

bool SessionService::isWellFormedToken(QStringView token)
{
    if (token.size() != 43)
        return false;
    for (QChar c : token) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                        u == '-' || u == '_';
        if (!ok)
            return false;
    }
    return true;
}

QString SessionService::idForToken(const QString &token)
{
    return Crypto::sha256Hex(token.toLatin1());
}

template <typename T>
Result<T> SessionService::withRepository(const std::function<Result<T>(SessionRepository &)> &work)
{
    auto statements = m_deps.statements();
    if (!statements)
        return statements.error();
    SessionRepository repository(**statements);
    Result<T> result = work(repository);
    if (!result && result.error().code == QLatin1String("DATABASE_UNAVAILABLE") && m_deps.resetDatabase)
        m_deps.resetDatabase();
    return result;
}

bool SessionService::expired(const QDateTime &expiresAt, const QDateTime &lastActivityAt,
                             const QDateTime &now) const
{
    return now >= expiresAt || lastActivityAt.secsTo(now) >= m_settings.idleTimeoutSeconds;
}

void SessionService::create(const User &user, const QString &userAgent, const QHostAddress &client,
                            std::function<void(Result<Created>)> done)
{
    const QDateTime now = m_deps.clock();
    Created created;
    created.token = QString::fromLatin1(Crypto::base64UrlEncode(Crypto::randomBytes(32)));
    Session &s = created.session;
    s.id = idForToken(created.token);
    s.userId = user.id;
    // Empty, never null: a null QString binds as SQL NULL, and sessions.user_agent is NOT NULL,
    // so a client without a User-Agent header would fail its sign-in with a 500.
    s.userAgent = userAgent.isNull() ? QStringLiteral("") : userAgent.left(4096);
    s.ip = client.toString();
    if (m_deps.userAgents) {
        const ParsedUserAgent parsed = m_deps.userAgents->parse(userAgent);
        s.browser = parsed.browserLabel();
        s.os = parsed.osLabel();
        s.device = parsed.deviceLabel();
    }
    if (m_deps.geo) {
        const GeoLocation location = m_deps.geo->locate(client);
        s.country = location.country;
        s.city = location.city;
        s.timezone = location.timezone;
    }
    s.createdAt = now;
    s.expiresAt = now.addSecs(m_settings.lifetimeSeconds);
    s.lastActivityAt = now;

    auto inserted = withRepository<bool>([&](SessionRepository &repository) -> Result<bool> {
        Status status = repository.create(s);
        if (!status)
            return status.error();
        return true;
    });
    if (!inserted) {
        done(inserted.error());
        return;
    }
    if (m_deps.events)
        m_deps.events->publish({QStringLiteral("session:created"), user.id, s.id, user.id, {}});
    // Answer once the cache holds it, so the very next check is a hit. Key and value are taken
    // before the call: `s` refers into `created`, which the callback below moves from, and
    // argument evaluation order is unspecified (GCC builds the lambda first).
    const QString id = s.id;
    const CachedSession cached = cachedFrom(s, user);
    m_cache.store(id, cached,
                  [done = std::move(done), created = std::move(created)](bool) mutable {
                      done(std::move(created));
                  });
}

void SessionService::check(const QString &token, std::function<void(Result<Checked>)> done)
{
    if (!isWellFormedToken(token)) {
        done(invalidSession()); // no Redis, no SQL for garbage
        return;
    }
    const QString id = idForToken(token);
    m_cache.lookup(id, [this, id, done = std::move(done)](const SessionCache::Lookup &lookup) mutable {
        if (lookup.outcome != SessionCache::Outcome::Hit) {
            SessionCounters::countMiss();
            checkInDatabase(id, lookup.outcome == SessionCache::Outcome::Miss, std::move(done));
            return;
        }
        SessionCounters::countHit();
        const QDateTime now = m_deps.clock();
        const CachedSession &data = lookup.session;
        if (data.status != QLatin1String("active")) {
            done(invalidSession());
            return;
        }
        if (expired(data.expiresAt, data.lastActivityAt, now)) {
            expire(id);
            done(invalidSession());
            return;
        }
        touchIfDue(id, data, now);
        done(Checked{id, data});
    });
}

void SessionService::checkInDatabase(const QString &id, bool cacheAvailable,
                                     std::function<void(Result<Checked>)> done)
{
    using Found = std::optional<SessionRepository::SessionWithUser>;
    auto found = withRepository<Found>([&](SessionRepository &r) { return r.findWithUser(id); });
    if (!found) {
        done(found.error());
        return;
    }
    if (!found->has_value()) {
        done(invalidSession());
        return;
    }
    const auto &[session, user] = **found;
    const QDateTime now = m_deps.clock();
    if (!session.isActive() || !user.isActive()) {
        done(invalidSession());
        return;
    }
    if (expired(session.expiresAt, session.lastActivityAt, now)) {
        expire(id);
        done(invalidSession());
        return;
    }
    CachedSession data = cachedFrom(session, user);
    if (cacheAvailable)
        m_cache.store(id, data);
    touchIfDue(id, data, now);
    done(Checked{id, data});
}

void SessionService::touchIfDue(const QString &id, CachedSession data, const QDateTime &now)
{
    if (data.lastActivityAt.secsTo(now) < m_settings.touchIntervalSeconds)
        return;
    auto touched = withRepository<bool>(
        [&](SessionRepository &r) { return r.touch(id, now, m_settings.touchIntervalSeconds); });
    if (!touched) {
        Log::warning(QStringLiteral("session.touch_failed"), {{QStringLiteral("error"), touched.error().message}});
        return;
    }
    // Another instance may have written it first: either way the cache learns the new time.
    data.lastActivityAt = now;
    m_cache.update(id, data);
}

void SessionService::expire(const QString &id)
{
    (void)withRepository<bool>([&](SessionRepository &r) { return r.markExpired(id); });
    m_cache.invalidate({id}, false);
}

void SessionService::revoke(const QString &sessionId, const QString &reason, const QString &by,
                            const QString &ownerUserId, std::function<void(Result<bool>)> done)
{
    const QDateTime now = m_deps.clock();
    using Revoked = std::optional<Session>;
    auto revoked = withRepository<Revoked>(
        [&](SessionRepository &r) { return r.revoke(sessionId, reason, now, ownerUserId); });
    if (!revoked) {
        done(revoked.error());
        return;
    }
    if (!revoked->has_value()) {
        // Nothing active to revoke: perhaps a retry after Redis failed us. If the session is
        // the caller's and already ended, make sure no cache entry keeps it alive; another
        // user's session is left exactly as it was.
        using Found = std::optional<Session>;
        auto found = withRepository<Found>([&](SessionRepository &r) { return r.find(sessionId); });
        if (found && found->has_value() && !(*found)->isActive() &&
            (ownerUserId.isEmpty() || (*found)->userId == ownerUserId))
            m_cache.invalidate({sessionId}, true);
        done(false);
        return;
    }
    const QString userId = (*revoked)->userId;
    // Row first, then the cache, then the event: any instance that hears the event already
    // refuses the session.
    invalidateReliably({sessionId}, kInvalidateAttempts,
                       [this, sessionId, userId, by, reason, done = std::move(done)](bool ok) {
                           if (!ok) {
                               done(cacheNotCleared());
                               return;
                           }
                           if (m_deps.events)
                               m_deps.events->publish({QStringLiteral("session:revoked"), userId,
                                                       sessionId, by, reason});
                           done(true);
                       });
}

void SessionService::revokeAllForUser(const QString &userId, const QString &exceptSessionId,
                                      const QString &reason, const QString &by,
                                      std::function<void(Result<int>)> done)
{
    const QDateTime now = m_deps.clock();
    auto ids = withRepository<QStringList>([&](SessionRepository &r) {
        return r.revokeAllForUser(userId, exceptSessionId, reason, now);
    });
    if (!ids) {
        done(ids.error());
        return;
    }
    const QStringList revoked = *ids;
    invalidateReliably(revoked, kInvalidateAttempts,
                       [this, revoked, userId, by, reason, done = std::move(done)](bool ok) {
        if (!ok) {
            done(cacheNotCleared());
            return;
        }
        if (m_deps.events)
            for (const QString &id : revoked)
                m_deps.events->publish({QStringLiteral("session:revoked"), userId, id, by, reason});
        done(static_cast<int>(revoked.size()));
    });
}

void SessionService::invalidateReliably(const QStringList &ids, int attemptsLeft,
                                        std::function<void(bool)> done)
{
    // A revoked row with its cache keys still in Redis would be accepted by every instance
    // until the TTL ran out, so the keys must go: retry with backoff while Redis recovers, and
    // tell the caller when it did not work (the row stays revoked; the caller retries).
    m_cache.invalidate(ids, true, [this, ids, attemptsLeft, done = std::move(done)](bool ok) mutable {
        if (ok || attemptsLeft <= 1) {
            done(ok);
            return;
        }
        const int delayMs = 250 * (kInvalidateAttempts - attemptsLeft + 1);
        QTimer::singleShot(delayMs, m_deps.redis, [this, ids, attemptsLeft, done = std::move(done)]() mutable {
            invalidateReliably(ids, attemptsLeft - 1, std::move(done));
        });
    });
}

Result<QList<Session>> SessionService::listForUser(const QString &userId)
{
    auto sessions = withRepository<QList<Session>>([&](SessionRepository &r) { return r.listForUser(userId, true); });
    if (!sessions)
        return sessions;
    // Rows past their time stay 'active' until the sweeper runs: they are not active sessions.
    const QDateTime now = m_deps.clock();
    QList<Session> live;
    for (const Session &session : *sessions)
        if (!expired(session.expiresAt, session.lastActivityAt, now))
            live.append(session);
    return live;
}

void SessionService::sweep(int limit, std::function<void(Result<int>)> done)
{
    const QDateTime now = m_deps.clock();
    auto ids = withRepository<QStringList>(
        [&](SessionRepository &r) { return r.expireStale(now, m_settings.idleTimeoutSeconds, limit); });
    if (!ids) {
        done(ids.error());
        return;
    }
    const int count = static_cast<int>(ids->size());
    if (count > 0)
        Log::info(QStringLiteral("session.swept"), {{QStringLiteral("expired"), count}});
    // Backstop for revocations whose cache eviction failed while Redis was unreachable: drop
    // the keys of every session that ended within one cache TTL.
    auto ended = withRepository<QStringList>([&](SessionRepository &r) {
        return r.endedSince(now.addSecs(-m_settings.cacheTtlSeconds - 60), limit);
    });
    if (ended && !ended->isEmpty())
        m_cache.invalidate(*ended, false);
    m_cache.invalidate(*ids, false, [count, done = std::move(done)](bool) { done(count); });
}
