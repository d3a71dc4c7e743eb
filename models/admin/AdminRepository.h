#pragma once

#include "models/common/Result.h"
#include "models/database/PreparedStatements.h"
#include "models/domain/Session.h"
#include "models/domain/User.h"

#include <QDateTime>

#include <optional>

// The reads and writes behind the admin HTTP API (API.md `/api/v1/admin/...`): pages of users
// and sessions, newest first, with keyset cursors (never OFFSET: a page deep into a million
// rows costs the same as the first), and a user's status. The console has its own item models
// (models/console); this serves programs.
class AdminRepository
{
public:
    // The last row of a page. Only its id travels: the query reads that row's created_at
    // itself, at the database's full (microsecond) precision and in its own time zone, so a
    // page boundary never skips or repeats rows that share a millisecond.
    struct Cursor
    {
        QString id;
        QString encode() const;                        // opaque base64url text
        static std::optional<Cursor> decode(const QString &text);
    };
    struct UserFilter
    {
        QString search;   // part of the email or name, or an exact id
        QString status;   // active | disabled | empty = any
        QString role;     // user | admin | empty = any
        int limit = 50;
        std::optional<Cursor> after;
    };
    struct SessionFilter
    {
        QString userId;   // empty = any
        QString status;   // active | revoked | expired | empty = any
        int limit = 50;
        std::optional<Cursor> after;
    };
    template <typename T>
    struct Page
    {
        QList<T> items;
        std::optional<Cursor> next; // set when there may be more
    };

    explicit AdminRepository(PreparedStatements &statements) : m_sql(statements) {}

    Result<Page<User>> users(const UserFilter &filter);
    Result<Page<Session>> sessions(const SessionFilter &filter);
    // Sets users.status; the updated user, or nothing when there is no such user.
    Result<std::optional<User>> setStatus(const QString &userId, const QString &status);

private:
    PreparedStatements &m_sql;
};
