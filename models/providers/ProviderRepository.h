#pragma once

#include "models/common/Result.h"
#include "models/database/PreparedStatements.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

// A social login linked to a user (an auth_providers row other than the internal `email` and
// `passkey` rows), as GET /api/v1/me/providers and the console show it.
struct LinkedProvider
{
    int id = 0;
    QString type;        // google, apple, github, microsoft, oidc
    QString providerId;
    QString email;       // empty = NULL
    QDateTime linkedAt;
    QJsonObject toJson() const; // {type, email, linkedAt} (the provider's id for the user is
                                // no business of the page)
};

// Lists and removes the social logins of one user. Creating them is UserRepository's
// (createWithProvider, addProvider). Error codes: LAST_SIGN_IN_METHOD, PROVIDER_NOT_LINKED,
// DATABASE_UNAVAILABLE, DATABASE_ERROR.
class ProviderRepository
{
public:
    explicit ProviderRepository(PreparedStatements &statements) : m_sql(statements) {}

    Result<QList<LinkedProvider>> listForUser(const QString &userId);
    // Removes the user's links of `type`, unless that would leave no way to sign in: the user
    // row is locked for the transaction, so two unlinks at once cannot both pass the count.
    Status unlink(const QString &userId, const QString &type);

private:
    PreparedStatements &m_sql;
};
