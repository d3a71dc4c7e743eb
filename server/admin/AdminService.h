#pragma once

#include "models/common/Clock.h"
#include "models/common/Result.h"
#include "models/console/ConsoleFilters.h"
#include "server/sessions/SessionService.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

class EventPublisher;
class PreparedStatements;
class RedisClient;

// A bulk revocation in progress (AdminService::startBulkRevoke): runs in batches on the GUI
// thread's event loop, reports progress, stops after the current batch when cancelled.
class BulkRevokeJob : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    qint64 total() const { return m_total; }
    qint64 done() const { return m_done; }
    void cancel() { m_cancelled = true; }
    bool isCancelled() const { return m_cancelled; }

signals:
    void progress(qint64 done, qint64 total);
    // revoked: sessions revoked; error set when a batch failed (those before it stay revoked).
    void finished(qint64 revoked, bool cancelled, const QString &error);

private:
    friend class AdminService;
    qint64 m_total = 0;
    qint64 m_done = 0;
    bool m_cancelled = false;
};

// What an administrator can do to users, sessions, passkeys and providers, with the same
// effects as the HTTP API: the database first, then the Redis cache, then a live event, with
// `by` = "admin:console". Lives in the GUI thread (or any one thread) with that thread's
// database connection and async Redis client; callbacks run on that thread. Revocation goes
// through SessionService so the console and the server revoke the same way.
//
// Errors: NOT_FOUND (no such user/session/passkey/provider), INVALID_ARGUMENT,
// DATABASE_UNAVAILABLE / DATABASE_ERROR, CACHE_UNAVAILABLE (the row changed, but Redis could not
// drop the cached copy: retry).
class AdminService
{
public:
    static constexpr auto By = "admin:console";

    struct Dependencies
    {
        RedisClient *redis = nullptr;
        std::function<Result<PreparedStatements *>()> statements;
        std::function<void()> resetDatabase;
        const EventPublisher *events = nullptr;
        Clock clock = systemClock();
    };

    AdminService(Dependencies dependencies, SessionSettings settings = {});
    ~AdminService();

    // Sessions. Result: whether it was active and is now revoked.
    void revokeSession(const QString &sessionId, const QString &reason,
                       std::function<void(Result<bool>)> done);
    // Result: how many were revoked (sessions no longer active are skipped).
    void revokeSessions(const QStringList &sessionIds, const QString &reason,
                        std::function<void(Result<int>)> done);
    // Active sessions matching the filter (what a bulk revocation would revoke).
    Result<qint64> countRevocable(const SessionFilter &filter);
    // Revokes every active session matching the filter in batches; the job belongs to `parent`.
    BulkRevokeJob *startBulkRevoke(const SessionFilter &filter, const QString &reason,
                                   QObject *parent, int batchSize = 500);

    // Users.
    void signOutEverywhere(const QString &userId, std::function<void(Result<int>)> done);
    // Disabling drops the user's cached sessions so every session check answers 401 at once
    // (the cache holds the user's status); enabling makes them valid again.
    void setUserDisabled(const QString &userId, bool disabled, std::function<void(Status)> done);
    void setUserAdmin(const QString &userId, bool admin, std::function<void(Status)> done);
    void resetTotp(const QString &userId, std::function<void(Status)> done);
    // Deletes the user and (cascade) sessions, passkeys and providers, and their cache keys.
    void deleteUser(const QString &userId, std::function<void(Status)> done);

    // Passkeys and providers.
    void removePasskey(const QString &credentialId, std::function<void(Status)> done);
    void unlinkProvider(int providerRowId, std::function<void(Status)> done);

private:
    struct Batch;
    Result<PreparedStatements *> statements();
    void evictUserSessions(const QString &userId, bool tombstone, std::function<void(Status)> done);
    void publishUserUpdated(const QString &userId, const QString &reason) const;
    // One UPDATE of users (NOT_FOUND when no row), then optionally dropping the user's cached
    // sessions, then user:updated.
    void updateUser(const QString &userId, const QString &assignment, const QVariant &value, bool evict,
                    const QString &reason, std::function<void(Status)> done);
    void runBatch(QPointer<BulkRevokeJob> job, std::shared_ptr<Batch> batch);
    Result<QList<QPair<QString, QString>>> revokeBatch(const QStringList &ids, const QString &reason);
    void finishRevocation(const QList<QPair<QString, QString>> &revoked, const QString &reason,
                          std::function<void(Result<int>)> done);

    Dependencies m_deps;
    SessionSettings m_settings;
    SessionService m_sessions;
    SessionCache m_cache;
};
