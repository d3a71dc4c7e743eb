#include "AdminService.h"

#include "models/common/Log.h"
#include "models/console/ConsoleSql.h"
#include "models/database/PreparedStatements.h"
#include "server/events/EventPublisher.h"
#include "server/redis/RedisClient.h"

#include <QTimer>

struct AdminService::Batch
{
    SqlWhere where;
    QString reason;
    int size = 500;
};

namespace {
Error notFound(const QString &what)
{
    return makeError(QStringLiteral("NOT_FOUND"), what);
}

Error cacheNotCleared()
{
    return makeError(QStringLiteral("CACHE_UNAVAILABLE"),
                     QStringLiteral("the database was changed, but Redis could not drop the cached "
                                    "sessions; retry"));
}

// Binds and runs one prepared statement; the statement text has `?` placeholders.
Result<QSqlQuery *> run(Result<PreparedStatements *> statements, const QString &sql,
                        const QVariantList &values)
{
    if (!statements)
        return statements.error();
    return (*statements)->run(sql, values);
}

QString pgArray(const QStringList &ids)
{
    // A text[] literal for `= ANY(CAST(? AS text[]))`: one bound value however many ids. Ids
    // are our own hex/uuid strings, but quote them anyway so no value can break the literal.
    QStringList quoted;
    quoted.reserve(ids.size());
    for (QString id : ids) {
        id.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
        id.replace(QLatin1Char('"'), QLatin1String("\\\""));
        quoted.append(QLatin1Char('"') + id + QLatin1Char('"'));
    }
    return QLatin1Char('{') + quoted.join(QLatin1Char(',')) + QLatin1Char('}');
}
} // namespace

AdminService::AdminService(Dependencies dependencies, SessionSettings settings)
    : m_deps(std::move(dependencies)),
      m_settings(settings),
      m_sessions(settings, SessionService::Dependencies{m_deps.redis, m_deps.statements,
                                                        m_deps.resetDatabase, nullptr, nullptr,
                                                        m_deps.events, m_deps.clock}),
      m_cache(m_deps.redis, settings.cacheTtlSeconds)
{
}

AdminService::~AdminService() = default;

Result<PreparedStatements *> AdminService::statements()
{
    return m_deps.statements();
}

void AdminService::revokeSession(const QString &sessionId, const QString &reason,
                                 std::function<void(Result<bool>)> done)
{
    m_sessions.revoke(sessionId, reason, QString::fromLatin1(By), {}, std::move(done));
}

void AdminService::revokeSessions(const QStringList &sessionIds, const QString &reason,
                                  std::function<void(Result<int>)> done)
{
    auto revoked = revokeBatch(sessionIds, reason);
    if (!revoked) {
        done(revoked.error());
        return;
    }
    finishRevocation(*revoked, reason, std::move(done));
}

Result<QList<QPair<QString, QString>>> AdminService::revokeBatch(const QStringList &ids,
                                                                 const QString &reason)
{
    QList<QPair<QString, QString>> revoked;
    if (ids.isEmpty())
        return revoked;
    auto q = run(statements(),
                 QStringLiteral("UPDATE sessions SET status = 'revoked', revoked_at = ?, revoked_reason = ? "
                                "WHERE id = ANY(CAST(? AS text[])) AND status = 'active' "
                                "RETURNING id, user_id"),
                 {m_deps.clock(), reason.left(255), pgArray(ids)});
    if (!q)
        return q.error();
    while ((*q)->next())
        revoked.append({(*q)->value(0).toString(), (*q)->value(1).toString()});
    return revoked;
}

void AdminService::finishRevocation(const QList<QPair<QString, QString>> &revoked,
                                    const QString &reason, std::function<void(Result<int>)> done)
{
    QStringList ids;
    for (const auto &[id, user] : revoked)
        ids.append(id);
    // Row first, then the cache (with tombstones, so no refill resurrects them), then events.
    auto attempt = std::make_shared<std::function<void(int)>>();
    *attempt = [this, ids, revoked, reason, done = std::move(done), attempt](int left) {
        m_cache.invalidate(ids, true, [this, revoked, reason, done, attempt, left](bool ok) {
            if (!ok && left > 1) {
                QTimer::singleShot(250, m_deps.redis, [attempt, left] { (*attempt)(left - 1); });
                return;
            }
            if (!ok) {
                done(cacheNotCleared());
                *attempt = nullptr; // break the cycle
                return;
            }
            if (m_deps.events)
                for (const auto &[id, user] : revoked)
                    m_deps.events->publish({QStringLiteral("session:revoked"), user, id,
                                            QString::fromLatin1(By), reason});
            done(static_cast<int>(revoked.size()));
            *attempt = nullptr;
        });
    };
    (*attempt)(5);
}

Result<qint64> AdminService::countRevocable(const SessionFilter &filter)
{
    SqlWhere where = ConsoleSql::sessionWhere(filter);
    where.add(QStringLiteral("s.status = 'active'"));
    auto q = run(statements(), QStringLiteral("SELECT count(*) FROM sessions s") + where.clause(),
                 where.values);
    if (!q)
        return q.error();
    (*q)->next();
    return (*q)->value(0).toLongLong();
}

BulkRevokeJob *AdminService::startBulkRevoke(const SessionFilter &filter, const QString &reason,
                                             QObject *parent, int batchSize)
{
    auto *job = new BulkRevokeJob(parent);
    auto batch = std::make_shared<Batch>();
    batch->where = ConsoleSql::sessionWhere(filter);
    batch->where.add(QStringLiteral("s.status = 'active'"));
    batch->reason = reason;
    batch->size = qMax(1, batchSize);
    auto total = countRevocable(filter);
    QPointer<BulkRevokeJob> guard(job);
    if (!total) {
        QTimer::singleShot(0, job, [guard, error = total.error().message] {
            if (guard)
                emit guard->finished(0, false, error);
        });
        return job;
    }
    job->m_total = *total;
    QTimer::singleShot(0, job, [this, guard, batch] { runBatch(guard, batch); });
    return job;
}

void AdminService::runBatch(QPointer<BulkRevokeJob> job, std::shared_ptr<Batch> batch)
{
    if (!job)
        return;
    if (job->m_cancelled) {
        emit job->finished(job->m_done, true, {});
        return;
    }
    // Each batch picks the next active matching sessions; revoked ones drop out of the filter,
    // so no offset is needed and sessions created meanwhile are included too.
    auto ids = run(statements(),
                   QStringLiteral("SELECT s.id FROM sessions s") + batch->where.clause() +
                       QStringLiteral(" LIMIT ") + QString::number(batch->size),
                   batch->where.values);
    if (!ids) {
        emit job->finished(job->m_done, false, ids.error().message);
        return;
    }
    QStringList list;
    while ((*ids)->next())
        list.append((*ids)->value(0).toString());
    if (list.isEmpty()) {
        emit job->finished(job->m_done, false, {});
        return;
    }
    auto revoked = revokeBatch(list, batch->reason);
    if (!revoked) {
        emit job->finished(job->m_done, false, revoked.error().message);
        return;
    }
    finishRevocation(*revoked, batch->reason, [this, job, batch](Result<int> count) {
        if (!job)
            return;
        if (!count) {
            emit job->finished(job->m_done, false, count.error().message);
            return;
        }
        job->m_done += *count;
        job->m_total = qMax(job->m_total, job->m_done);
        emit job->progress(job->m_done, job->m_total);
        QTimer::singleShot(0, job, [this, job, batch] { runBatch(job, batch); });
    });
}

void AdminService::signOutEverywhere(const QString &userId, std::function<void(Result<int>)> done)
{
    m_sessions.revokeAllForUser(userId, {}, QStringLiteral("signed out everywhere by an administrator"),
                                QString::fromLatin1(By), std::move(done));
}

void AdminService::evictUserSessions(const QString &userId, bool tombstone,
                                     std::function<void(Status)> done)
{
    // The cached session carries the user's status and role: drop the copies so the next
    // check reads the row again (and answers 401 for a disabled user).
    auto q = run(statements(),
                 QStringLiteral("SELECT id FROM sessions WHERE user_id = CAST(? AS uuid) AND status = 'active'"),
                 {userId});
    if (!q) {
        done(q.error());
        return;
    }
    QStringList ids;
    while ((*q)->next())
        ids.append((*q)->value(0).toString());
    m_cache.invalidate(ids, tombstone, [done = std::move(done)](bool ok) {
        if (ok)
            done({});
        else
            done(cacheNotCleared());
    });
}

void AdminService::publishUserUpdated(const QString &userId, const QString &reason) const
{
    if (m_deps.events)
        m_deps.events->publish({QStringLiteral("user:updated"), userId, {}, QString::fromLatin1(By), reason});
}

void AdminService::updateUser(const QString &userId, const QString &assignment, const QVariant &value,
                              bool evict, const QString &reason, std::function<void(Status)> done)
{
    if (!ConsoleSql::isUuid(userId)) {
        done(notFound(QStringLiteral("no such user")));
        return;
    }
    // `assignment` is one of our own fixed column lists; the value is bound.
    auto q = run(statements(),
                 QStringLiteral("UPDATE users SET %1, updated_at = now() WHERE id = CAST(? AS uuid)").arg(assignment),
                 value.isValid() ? QVariantList{value, userId} : QVariantList{userId});
    if (!q) {
        done(q.error());
        return;
    }
    if ((*q)->numRowsAffected() == 0) {
        done(notFound(QStringLiteral("no such user")));
        return;
    }
    if (!evict) {
        publishUserUpdated(userId, reason);
        done({});
        return;
    }
    evictUserSessions(userId, false, [this, userId, reason, done = std::move(done)](Status evicted) {
        if (evicted)
            publishUserUpdated(userId, reason);
        done(evicted);
    });
}

void AdminService::setUserDisabled(const QString &userId, bool disabled, std::function<void(Status)> done)
{
    const QString status = disabled ? QStringLiteral("disabled") : QStringLiteral("active");
    updateUser(userId, QStringLiteral("status = ?"), status, true, QStringLiteral("status:") + status, std::move(done));
}

void AdminService::setUserAdmin(const QString &userId, bool admin, std::function<void(Status)> done)
{
    const QString role = admin ? QStringLiteral("admin") : QStringLiteral("user");
    updateUser(userId, QStringLiteral("role = ?"), role, true, QStringLiteral("role:") + role, std::move(done));
}

void AdminService::resetTotp(const QString &userId, std::function<void(Status)> done)
{
    updateUser(userId, QStringLiteral("totp_enabled = FALSE, totp_secret = NULL"), {}, false,
               QStringLiteral("totp:reset"), std::move(done));
}

void AdminService::deleteUser(const QString &userId, std::function<void(Status)> done)
{
    if (!ConsoleSql::isUuid(userId)) {
        done(notFound(QStringLiteral("no such user")));
        return;
    }
    // The sessions go with the row (ON DELETE CASCADE): remember them to drop their cache keys.
    auto q = run(statements(),
                 QStringLiteral("WITH gone AS (DELETE FROM users WHERE id = CAST(? AS uuid) RETURNING id) "
                                "SELECT s.id FROM sessions s JOIN gone ON s.user_id = gone.id "
                                "UNION ALL SELECT '' FROM gone"),
                 {userId});
    if (!q) {
        done(q.error());
        return;
    }
    QStringList ids;
    bool deleted = false;
    while ((*q)->next()) {
        const QString id = (*q)->value(0).toString();
        if (id.isEmpty())
            deleted = true;
        else
            ids.append(id);
    }
    if (!deleted) {
        done(notFound(QStringLiteral("no such user")));
        return;
    }
    Log::info(QStringLiteral("admin.user_deleted"), {{QStringLiteral("userId"), userId},
                                                      {QStringLiteral("sessions"), ids.size()}});
    m_cache.invalidate(ids, true, [this, userId, ids, done = std::move(done)](bool ok) {
        if (m_deps.events) {
            for (const QString &id : ids)
                m_deps.events->publish({QStringLiteral("session:revoked"), userId, id,
                                        QString::fromLatin1(By), QStringLiteral("user deleted")});
        }
        publishUserUpdated(userId, QStringLiteral("deleted"));
        done(ok ? Status() : Status(cacheNotCleared()));
    });
}

void AdminService::removePasskey(const QString &credentialId, std::function<void(Status)> done)
{
    auto q = run(statements(), QStringLiteral("DELETE FROM passkey_credentials WHERE id = ? RETURNING user_id"),
                 {credentialId});
    if (!q) {
        done(q.error());
        return;
    }
    if (!(*q)->next()) {
        done(notFound(QStringLiteral("no such passkey")));
        return;
    }
    publishUserUpdated((*q)->value(0).toString(), QStringLiteral("passkey:removed"));
    done({});
}

void AdminService::unlinkProvider(int providerRowId, std::function<void(Status)> done)
{
    auto q = run(statements(), QStringLiteral("DELETE FROM auth_providers WHERE id = ? RETURNING user_id, type"),
                 {providerRowId});
    if (!q) {
        done(q.error());
        return;
    }
    if (!(*q)->next()) {
        done(notFound(QStringLiteral("no such linked provider")));
        return;
    }
    publishUserUpdated((*q)->value(0).toString(),
                       QStringLiteral("provider:unlinked:") + (*q)->value(1).toString());
    done({});
}
