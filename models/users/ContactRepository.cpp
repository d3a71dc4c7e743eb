#include "ContactRepository.h"

#include "models/sessions/SessionRepository.h" // SqlRows::UserColumns, readUser

#include <QSqlQuery>
#include <QVariant>

Result<std::optional<User>> ContactRepository::updateOne(const QString &sql, const QVariantList &values)
{
    return SqlRows::oneUser(m_sql.run(sql + SqlRows::UserColumns, values));
}

Result<std::optional<User>> ContactRepository::markEmailVerified(const QString &userId, const QString &email)
{
    return updateOne(QStringLiteral("UPDATE users u SET email_verified = TRUE, email_verified_at = NOW(), "
                                    "updated_at = NOW() WHERE u.id = ?::uuid AND u.email = ? RETURNING "),
                     {userId, email});
}

Result<std::optional<User>> ContactRepository::setPhone(const QString &userId, const QString &phoneE164)
{
    // The CASEs read the row's old values (PostgreSQL evaluates SET expressions against the
    // row before the update), so "changed" is decided in the same statement that changes it.
    return updateOne(QStringLiteral("UPDATE users u SET phone = ?, "
                                    "phone_verified = CASE WHEN u.phone IS NOT DISTINCT FROM ? "
                                    "THEN u.phone_verified ELSE FALSE END, "
                                    "phone_verified_at = CASE WHEN u.phone IS NOT DISTINCT FROM ? "
                                    "THEN u.phone_verified_at END, "
                                    "updated_at = NOW() WHERE u.id = ?::uuid RETURNING "),
                     {phoneE164, phoneE164, phoneE164, userId});
}

Result<std::optional<User>> ContactRepository::markPhoneVerified(const QString &userId, const QString &phoneE164)
{
    return updateOne(QStringLiteral("UPDATE users u SET phone_verified = TRUE, phone_verified_at = NOW(), "
                                    "updated_at = NOW() WHERE u.id = ?::uuid AND u.phone = ? RETURNING "),
                     {userId, phoneE164});
}
