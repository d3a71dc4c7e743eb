#pragma once

#include "PasskeyCredential.h"
#include "models/common/Result.h"
#include "models/database/PreparedStatements.h"
#include "models/domain/User.h"

#include <QList>

#include <optional>

class UserRepository;
struct NewUser;

// Reads and writes `passkey_credentials`. Every statement is prepared once per connection and
// bound with values.
//
// Error codes: PASSKEY_TAKEN (the credential id is registered already), EMAIL_TAKEN (sign-up),
// DATABASE_UNAVAILABLE, DATABASE_ERROR.
class PasskeyRepository
{
public:
    explicit PasskeyRepository(PreparedStatements &statements) : m_sql(statements) {}

    Result<std::optional<PasskeyCredential>> findById(const QString &id);
    // Oldest first.
    Result<QList<PasskeyCredential>> listForUser(const QString &userId);

    struct Descriptor
    {
        QString id;
        QStringList transports;
    };
    struct Account
    {
        QString userId;
        QList<Descriptor> credentials; // may be empty
    };
    // The user with this (normalised) email and their credentials' ids, in one statement, so a
    // known and an unknown address cost the same round trip. nullopt: no such user.
    Result<std::optional<Account>> accountForEmail(const QString &email);

    // A new user, their `passkey` auth_providers row (provider_id = the credential id) and the
    // credential, in one transaction: the user never exists without the passkey.
    Result<User> createUserWithPasskey(UserRepository &users, const NewUser &user,
                                       const PasskeyCredential &credential);
    // Adds a credential to an existing user.
    Status insert(const PasskeyCredential &credential);

    // After a successful assertion: the new counter, the BS flag, last_used_at = now; returns
    // the credential's user in the same statement (one round trip less per sign-in).
    Result<std::optional<User>> recordUse(const QString &id, quint32 counter, bool backedUp,
                                          const QDateTime &now);
    // Marks the credential as possibly cloned (first time only; the earliest stays).
    Status flagCloneSuspected(const QString &id, const QDateTime &now);

    enum class Removal { Removed, NotFound, LastMethod };
    // Deletes one of the user's credentials (and its sign-up auth_providers row) unless it is
    // their last way to sign in. The user's row is locked for the check and the delete, so two
    // concurrent removals cannot both pass the count.
    Result<Removal> remove(UserRepository &users, const QString &userId, const QString &id);

private:
    Status insertRow(const PasskeyCredential &credential);
    PreparedStatements &m_sql;
};
