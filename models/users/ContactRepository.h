#pragma once

#include "models/common/Result.h"
#include "models/database/PreparedStatements.h"
#include "models/domain/User.h"

#include <optional>

// The contact columns of `users`: email_verified(_at), phone, phone_verified(_at). Each call is
// one UPDATE … RETURNING the whole row, conditional on the value that was verified, so a code
// sent to an old address can never verify a new one, even when both race.
//
// Error codes: DATABASE_UNAVAILABLE, DATABASE_ERROR.
class ContactRepository
{
public:
    explicit ContactRepository(PreparedStatements &statements) : m_sql(statements) {}

    // Marks the email verified (now) if it is still `email`; nullopt when it is not (changed
    // meanwhile) or the user is gone.
    Result<std::optional<User>> markEmailVerified(const QString &userId, const QString &email);
    // Sets the phone (E.164). A different number than before clears phone_verified and
    // phone_verified_at; the same number keeps them. nullopt when the user is gone.
    Result<std::optional<User>> setPhone(const QString &userId, const QString &phoneE164);
    // Marks the phone verified (now) if it is still `phoneE164`; nullopt otherwise.
    Result<std::optional<User>> markPhoneVerified(const QString &userId, const QString &phoneE164);

private:
    Result<std::optional<User>> updateOne(const QString &sql, const QVariantList &values);
    PreparedStatements &m_sql;
};
