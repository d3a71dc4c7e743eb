#pragma once

#include "models/common/Result.h"
#include "models/database/PreparedStatements.h"
#include "models/domain/User.h"

#include <QJsonObject>

#include <functional>
#include <optional>

// The `users` row as a sign-up flow creates it. The TOTP secret arrives already encrypted
// (AES-256-GCM, see server/crypto): the repository never sees it in clear.
struct NewUser
{
    QString id;                // UserRepository::newId(), or the id a pending registration chose
    QString email;             // already normalised (EmailAddress::normalise)
    QString firstName;
    QString lastName;
    QString displayName;       // empty = NULL
    bool emailVerified = false;
    QByteArray totpSecretEncrypted; // empty = no TOTP; stored base64url in users.totp_secret
};

// One `auth_providers` row: how a user proves who they are (`email` for TOTP, `passkey`,
// `google`, `apple`, `github`, `microsoft`, `oidc`…) and the provider's id for them.
struct ProviderLink
{
    QString type;
    QString providerId;
    QString email;             // empty = NULL
    QJsonObject metadata;      // empty = NULL
};

// Reads and creates users. Every statement is prepared once per connection and bound with
// values. Feature code that owns other columns (TOTP secret, contact verification, profile,
// avatar) keeps its statements in its own repository; this one holds what every flow needs.
//
// Error codes: EMAIL_TAKEN, PROVIDER_TAKEN (unique violations), DATABASE_UNAVAILABLE,
// DATABASE_ERROR.
class UserRepository
{
public:
    explicit UserRepository(PreparedStatements &statements) : m_sql(statements) {}

    Result<std::optional<User>> findById(const QString &id);
    // `email` must be normalised (lower case): that is how every flow stores it.
    Result<std::optional<User>> findByEmail(const QString &email);
    // The user linked to (type, providerId) in auth_providers.
    Result<std::optional<User>> findByProvider(const QString &type, const QString &providerId);

    // Inserts the user and its first auth_providers row in one transaction, so a user never
    // exists without a way to sign in. Returns the row as stored. `alsoInTransaction` (optional)
    // writes the rows that belong with them (a passkey credential) on the same connection before
    // the commit; its error rolls everything back.
    Result<User> createWithProvider(const NewUser &user, const ProviderLink &provider,
                                    const std::function<Status()> &alsoInTransaction = {});
    // Adds a provider row to an existing user (linking). PROVIDER_TAKEN when that
    // (type, providerId) already belongs to someone.
    Status addProvider(const QString &userId, const ProviderLink &provider);
    // How many ways in the user has: social providers, TOTP when enabled (the `email` provider
    // row alone is no way in once TOTP is reset) and passkeys, counted by credential (a passkey
    // sign-up also writes a `passkey` provider row, which is not counted again).
    Result<int> countSignInMethods(const QString &userId);

    // A random (version 4) UUID in the lower-case form PostgreSQL prints.
    static QString newId();
    static bool isUuid(const QString &text);

private:
    Result<std::optional<User>> findOne(const QString &sql, const QVariantList &values);
    PreparedStatements &m_sql;
};
