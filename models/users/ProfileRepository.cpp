#include "ProfileRepository.h"

#include "models/sessions/SessionRepository.h" // SqlRows::UserColumns, readUser

#include <QJsonDocument>
#include <QSqlQuery>
#include <QVariant>

namespace {
// First half of the two-key advisory lock: "ghav", so avatar locks never meet other locks.
constexpr int kAvatarLockClass = 0x67686176;

QVariant nullText()
{
    return QVariant(QMetaType::fromType<QString>());
}

QVariant textOrNull(const QString &text)
{
    return text.isEmpty() ? nullText() : QVariant(text);
}

QVariant jsonOrNull(const QJsonObject &object)
{
    if (object.isEmpty())
        return nullText();
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// The old key a `FROM (… FOR UPDATE) old … RETURNING old.avatar_key` statement gave back.
Result<std::optional<QString>> previousKey(Result<QSqlQuery *> query)
{
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    if (!q->next())
        return std::optional<QString>{};
    const QString key = q->value(0).toString();
    q->finish();
    return std::optional<QString>{key};
}
} // namespace

Result<std::optional<User>> ProfileRepository::update(const QString &userId,
                                                      const ProfileChanges &changes,
                                                      const QDateTime &at)
{
    return SqlRows::oneUser(m_sql.run(
        QStringLiteral("UPDATE users u SET "
                       "first_name = CASE WHEN ? THEN ? ELSE u.first_name END, "
                       "last_name = CASE WHEN ? THEN ? ELSE u.last_name END, "
                       "display_name = CASE WHEN ? THEN ? ELSE u.display_name END, "
                       "metadata = CASE WHEN ? THEN ?::jsonb ELSE u.metadata END, "
                       "updated_at = ? WHERE u.id = ?::uuid RETURNING ") +
            SqlRows::UserColumns,
        {changes.firstName.has_value(), changes.firstName.value_or(QString()),
         changes.lastName.has_value(), changes.lastName.value_or(QString()),
         changes.displayName.has_value(), textOrNull(changes.displayName.value_or(QString())),
         changes.metadata.has_value(), jsonOrNull(changes.metadata.value_or(QJsonObject())),
         at.toUTC(), userId}));
}

Result<std::optional<QString>> ProfileRepository::setAvatar(const QString &userId,
                                                             const AvatarColumns &avatar,
                                                             const QDateTime &at)
{
    // The row is locked and its old key read in the same statement that replaces it, so two
    // uploads at once each learn exactly the key they replaced.
    return previousKey(m_sql.run(
        QStringLiteral("UPDATE users u SET avatar_url = ?, avatar_key = ?, avatar_size = ?, "
                       "avatar_mime_type = ?, updated_at = ? "
                       "FROM (SELECT id, avatar_key FROM users WHERE id = ?::uuid FOR UPDATE) old "
                       "WHERE u.id = old.id RETURNING COALESCE(old.avatar_key, '')"),
        {avatar.url, avatar.key, avatar.size, avatar.mimeType, at.toUTC(), userId}));
}

Result<std::optional<QString>> ProfileRepository::clearAvatar(const QString &userId,
                                                              const QDateTime &at)
{
    return previousKey(m_sql.run(
        QStringLiteral("UPDATE users u SET avatar_url = NULL, avatar_key = NULL, "
                       "avatar_size = NULL, avatar_mime_type = NULL, updated_at = ? "
                       "FROM (SELECT id, avatar_key, avatar_url FROM users WHERE id = ?::uuid "
                       "FOR UPDATE) old WHERE u.id = old.id "
                       "AND (old.avatar_key IS NOT NULL OR old.avatar_url IS NOT NULL) "
                       "RETURNING COALESCE(old.avatar_key, '')"),
        {at.toUTC(), userId}));
}

Result<bool> ProfileRepository::avatarKeyInUse(const QString &key)
{
    auto query = m_sql.run(
        QStringLiteral("SELECT EXISTS (SELECT 1 FROM users WHERE avatar_key = ?)"), {key});
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    const bool used = q->next() && q->value(0).toBool();
    q->finish();
    return used;
}

Status ProfileRepository::lockAvatarKey(const QString &key)
{
    auto query = m_sql.run(QStringLiteral("SELECT pg_advisory_lock(?, hashtext(?))"),
                           {kAvatarLockClass, key});
    if (!query)
        return query.error();
    (*query)->finish();
    return {};
}

void ProfileRepository::unlockAvatarKey(const QString &key)
{
    // A lost connection releases its session locks by itself: nothing to do on failure.
    auto query = m_sql.run(QStringLiteral("SELECT pg_advisory_unlock(?, hashtext(?))"),
                           {kAvatarLockClass, key});
    if (query)
        (*query)->finish();
}
