#include "SessionRepository.h"

#include <QJsonDocument>
#include <QSqlQuery>
#include <QVariant>

namespace SqlRows {

const QString SessionColumns = QStringLiteral(
    "s.id, s.user_id, s.status, s.user_agent, s.ip, s.browser, s.os, s.device, "
    "s.location_country, s.location_city, s.location_timezone, s.created_at, s.expires_at, "
    "s.last_activity_at, s.revoked_at, s.revoked_reason");

const QString UserColumns = QStringLiteral(
    "u.id, u.email, u.email_verified, u.phone, u.phone_verified, u.first_name, u.last_name, "
    "u.display_name, u.avatar_url, u.status, u.role, u.totp_enabled, u.metadata, u.created_at, "
    "u.updated_at, u.last_login_at");

namespace {
QDateTime utc(const QVariant &value)
{
    QDateTime time = value.toDateTime();
    return time.isValid() ? time.toUTC() : QDateTime();
}
} // namespace

Session readSession(const QSqlQuery &q, int f)
{
    Session s;
    s.id = q.value(f + 0).toString();
    s.userId = q.value(f + 1).toString();
    s.status = q.value(f + 2).toString();
    s.userAgent = q.value(f + 3).toString();
    s.ip = q.value(f + 4).toString();
    s.browser = q.value(f + 5).toString();
    s.os = q.value(f + 6).toString();
    s.device = q.value(f + 7).toString();
    s.country = q.value(f + 8).toString();
    s.city = q.value(f + 9).toString();
    s.timezone = q.value(f + 10).toString();
    s.createdAt = utc(q.value(f + 11));
    s.expiresAt = utc(q.value(f + 12));
    s.lastActivityAt = utc(q.value(f + 13));
    s.revokedAt = utc(q.value(f + 14));
    s.revokedReason = q.value(f + 15).toString();
    return s;
}

User readUser(const QSqlQuery &q, int f)
{
    User u;
    u.id = q.value(f + 0).toString();
    u.email = q.value(f + 1).toString();
    u.emailVerified = q.value(f + 2).toBool();
    u.phone = q.value(f + 3).toString();
    u.phoneVerified = q.value(f + 4).toBool();
    u.firstName = q.value(f + 5).toString();
    u.lastName = q.value(f + 6).toString();
    u.displayName = q.value(f + 7).toString();
    u.avatarUrl = q.value(f + 8).toString();
    u.status = q.value(f + 9).toString();
    u.role = q.value(f + 10).toString();
    u.totpEnabled = q.value(f + 11).toBool();
    u.metadata = QJsonDocument::fromJson(q.value(f + 12).toByteArray()).object();
    u.createdAt = utc(q.value(f + 13));
    u.updatedAt = utc(q.value(f + 14));
    u.lastLoginAt = utc(q.value(f + 15));
    return u;
}

Result<std::optional<User>> oneUser(const Result<QSqlQuery *> &query)
{
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    if (!q->next())
        return std::optional<User>{};
    User user = readUser(*q);
    q->finish();
    return std::optional<User>{std::move(user)};
}

} // namespace SqlRows

namespace {
QVariant nullable(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}

// The `id` column as the API shows it: PostgreSQL gives UUIDs in lower case with hyphens.
QVariant uuid(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}
} // namespace

Status SessionRepository::create(const Session &session)
{
    // One statement (a data-modifying CTE is atomic on its own): no BEGIN/COMMIT round trips on
    // the sign-in path, which every flow ends in.
    auto inserted = m_sql.run(
        QStringLiteral("WITH created AS (INSERT INTO sessions (id, user_id, status, user_agent, ip, browser, os, "
                       "device, location_country, location_city, location_timezone, created_at, expires_at, "
                       "last_activity_at) VALUES (?, ?::uuid, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                       "RETURNING user_id, created_at) "
                       "UPDATE users SET last_login_at = created.created_at FROM created "
                       "WHERE users.id = created.user_id"),
        {session.id, uuid(session.userId), session.userAgent, session.ip, nullable(session.browser),
         nullable(session.os), nullable(session.device), nullable(session.country),
         nullable(session.city), nullable(session.timezone), session.createdAt, session.expiresAt,
         session.lastActivityAt});
    if (!inserted)
        return inserted.error();
    return {};
}

Result<std::optional<SessionRepository::SessionWithUser>> SessionRepository::findWithUser(const QString &id)
{
    auto query = m_sql.run(QStringLiteral("SELECT ") + SqlRows::SessionColumns + QStringLiteral(", ") +
                               SqlRows::UserColumns +
                               QStringLiteral(" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?"),
                           {id});
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    if (!q->next())
        return std::optional<SessionWithUser>{};
    SessionWithUser found{SqlRows::readSession(*q, 0), SqlRows::readUser(*q, 16)};
    q->finish();
    return std::optional<SessionWithUser>{std::move(found)};
}

Result<std::optional<Session>> SessionRepository::find(const QString &id)
{
    auto query = m_sql.run(QStringLiteral("SELECT ") + SqlRows::SessionColumns +
                               QStringLiteral(" FROM sessions s WHERE s.id = ?"),
                           {id});
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    if (!q->next())
        return std::optional<Session>{};
    Session session = SqlRows::readSession(*q);
    q->finish();
    return std::optional<Session>{std::move(session)};
}

Result<QList<Session>> SessionRepository::listForUser(const QString &userId, bool activeOnly)
{
    const QString sql = QStringLiteral("SELECT ") + SqlRows::SessionColumns +
                        QStringLiteral(" FROM sessions s WHERE s.user_id = ?::uuid") +
                        (activeOnly ? QStringLiteral(" AND s.status = 'active'") : QString()) +
                        QStringLiteral(" ORDER BY s.last_activity_at DESC LIMIT 1000");
    auto query = m_sql.run(sql, {uuid(userId)});
    if (!query)
        return query.error();
    QList<Session> sessions;
    while ((*query)->next())
        sessions.append(SqlRows::readSession(**query));
    return sessions;
}

Result<bool> SessionRepository::markExpired(const QString &id)
{
    auto query = m_sql.run(
        QStringLiteral("UPDATE sessions SET status = 'expired' WHERE id = ? AND status = 'active'"), {id});
    if (!query)
        return query.error();
    return (*query)->numRowsAffected() > 0;
}

Result<bool> SessionRepository::touch(const QString &id, const QDateTime &at, int minimumIntervalSeconds)
{
    auto query = m_sql.run(
        QStringLiteral("UPDATE sessions SET last_activity_at = ? WHERE id = ? AND status = 'active' "
                       "AND last_activity_at <= ?"),
        {at, id, at.addSecs(-minimumIntervalSeconds)});
    if (!query)
        return query.error();
    return (*query)->numRowsAffected() > 0;
}

Result<std::optional<Session>> SessionRepository::revoke(const QString &id, const QString &reason,
                                                         const QDateTime &at, const QString &ownerUserId)
{
    QString sql = QStringLiteral("UPDATE sessions s SET status = 'revoked', revoked_at = ?, revoked_reason = ? "
                                 "WHERE s.id = ? AND s.status = 'active'");
    QVariantList values{at, reason, id};
    if (!ownerUserId.isEmpty()) {
        sql += QStringLiteral(" AND s.user_id = ?::uuid");
        values.append(uuid(ownerUserId));
    }
    sql += QStringLiteral(" RETURNING ") + SqlRows::SessionColumns;
    auto query = m_sql.run(sql, values);
    if (!query)
        return query.error();
    if (!(*query)->next())
        return std::optional<Session>{};
    Session session = SqlRows::readSession(**query);
    (*query)->finish();
    return std::optional<Session>{std::move(session)};
}

Result<QStringList> SessionRepository::revokeAllForUser(const QString &userId, const QString &exceptId,
                                                        const QString &reason, const QDateTime &at)
{
    auto query = m_sql.run(
        QStringLiteral("UPDATE sessions SET status = 'revoked', revoked_at = ?, revoked_reason = ? "
                       "WHERE user_id = ?::uuid AND status = 'active' AND id IS DISTINCT FROM ? RETURNING id"),
        {at, reason, uuid(userId), exceptId});
    if (!query)
        return query.error();
    QStringList ids;
    while ((*query)->next())
        ids.append((*query)->value(0).toString());
    return ids;
}

Result<QStringList> SessionRepository::endedSince(const QDateTime &since, int limit)
{
    auto query = m_sql.run(QStringLiteral("SELECT id FROM sessions WHERE status = 'revoked' AND "
                                          "revoked_at >= ? LIMIT ?"),
                           {since, limit});
    if (!query)
        return query.error();
    QStringList ids;
    while ((*query)->next())
        ids.append((*query)->value(0).toString());
    return ids;
}

Result<QStringList> SessionRepository::expireStale(const QDateTime &now, int idleTimeoutSeconds, int limit)
{
    // The index on expires_at finds absolute expiry; idle expiry needs the status scan, which
    // the status index narrows to active sessions.
    auto query = m_sql.run(
        QStringLiteral("UPDATE sessions SET status = 'expired' WHERE id IN ("
                       "SELECT id FROM sessions WHERE status = 'active' AND "
                       "(expires_at <= ? OR last_activity_at <= ?) LIMIT ? FOR UPDATE SKIP LOCKED) "
                       "RETURNING id"),
        {now, now.addSecs(-idleTimeoutSeconds), limit});
    if (!query)
        return query.error();
    QStringList ids;
    while ((*query)->next())
        ids.append((*query)->value(0).toString());
    return ids;
}
