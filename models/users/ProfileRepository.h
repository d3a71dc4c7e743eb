#pragma once

#include "models/common/Result.h"
#include "models/database/PreparedStatements.h"
#include "models/domain/User.h"

#include <QDateTime>
#include <QJsonObject>

#include <optional>

// What PATCH /api/v1/me changes; fields left unset keep their value.
struct ProfileChanges
{
    std::optional<QString> firstName;
    std::optional<QString> lastName;
    std::optional<QString> displayName;    // set to an empty string: cleared (NULL)
    std::optional<QJsonObject> metadata;   // set to an empty object: cleared (NULL)

    bool isEmpty() const { return !firstName && !lastName && !displayName && !metadata; }
};

// The four avatar columns of `users`, written together.
struct AvatarColumns
{
    QString url;
    QString key;
    qint64 size = 0;
    QString mimeType;
};

// The profile columns of `users` (names, display name, metadata, avatar). Every statement is
// prepared once per connection and bound with values; every write sets updated_at.
//
// Avatar files are shared by content (two users with the same picture have the same key), so
// deleting one must not race with someone else starting to use it: both sides take a
// PostgreSQL advisory lock on the key (lockAvatarKey), which also holds across instances.
class ProfileRepository
{
public:
    explicit ProfileRepository(PreparedStatements &statements) : m_sql(statements) {}

    // The user as stored after the change, or nothing when there is no such user.
    Result<std::optional<User>> update(const QString &userId, const ProfileChanges &changes,
                                       const QDateTime &at);

    // Points the user at a new avatar in one statement and returns the key it replaced (empty
    // when there was none), or nothing when there is no such user.
    Result<std::optional<QString>> setAvatar(const QString &userId, const AvatarColumns &avatar,
                                             const QDateTime &at);
    // Clears the four avatar columns; returns the key that was there (empty when the user had
    // an avatar URL without a file of ours), or nothing when there was no avatar to clear.
    Result<std::optional<QString>> clearAvatar(const QString &userId, const QDateTime &at);
    // Whether any user still points at this key.
    Result<bool> avatarKeyInUse(const QString &key);

    // Session-level advisory lock on an avatar key; always pair with unlockAvatarKey.
    Status lockAvatarKey(const QString &key);
    void unlockAvatarKey(const QString &key);

private:
    PreparedStatements &m_sql;
};
