#pragma once

#include "models/common/Result.h"
#include "models/database/PreparedStatements.h"
#include "models/domain/Session.h"
#include "models/domain/User.h"

#include <optional>

// The `sessions` table. Every statement is prepared once per connection (PreparedStatements)
// and bound with values; nothing here caches, publishes or knows Redis: SessionService does.
class SessionRepository
{
public:
    struct SessionWithUser
    {
        Session session;
        User user;
    };

    explicit SessionRepository(PreparedStatements &statements) : m_sql(statements) {}

    // Inserts the session and sets users.last_login_at, in one statement.
    Status create(const Session &session);
    // The session check's one indexed read (primary key), joined with its user.
    Result<std::optional<SessionWithUser>> findWithUser(const QString &id);
    Result<std::optional<Session>> find(const QString &id);
    Result<QList<Session>> listForUser(const QString &userId, bool activeOnly);

    // active → expired; false when it was not active.
    Result<bool> markExpired(const QString &id);
    // Writes last_activity_at unless it was written less than `minimumIntervalSeconds` ago,
    // so several instances checking one session write it about once a minute in all.
    Result<bool> touch(const QString &id, const QDateTime &at, int minimumIntervalSeconds);
    // active → revoked with a reason. With `ownerUserId`, only a session of that user.
    // Returns the revoked session, or nothing when there was no such active session.
    Result<std::optional<Session>> revoke(const QString &id, const QString &reason,
                                          const QDateTime &at, const QString &ownerUserId = {});
    // Revokes every active session of a user but `exceptId`; returns the revoked ids.
    Result<QStringList> revokeAllForUser(const QString &userId, const QString &exceptId,
                                         const QString &reason, const QDateTime &at);
    // Marks sessions past their absolute or idle lifetime expired, at most `limit` at a time;
    // returns their ids (so their cache keys can be deleted).
    Result<QStringList> expireStale(const QDateTime &now, int idleTimeoutSeconds, int limit);
    // Sessions revoked since `since` (for evicting cache entries a failed revocation left).
    Result<QStringList> endedSince(const QDateTime &since, int limit);

private:
    PreparedStatements &m_sql;
};

// Row readers shared by the repositories (column lists below must match).
namespace SqlRows {
extern const QString SessionColumns; // s.id, s.user_id, … (16 columns, alias s)
extern const QString UserColumns;    // u.id, u.email, … (16 columns, alias u)
Session readSession(const QSqlQuery &query, int first = 0);
User readUser(const QSqlQuery &query, int first = 0);
// The first row of a statement that selects or returns UserColumns: the user, nothing when no
// row came back, or the statement's error.
Result<std::optional<User>> oneUser(const Result<QSqlQuery *> &query);
} // namespace SqlRows
