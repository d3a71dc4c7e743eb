#pragma once

#include "OAuthFlow.h"
#include "models/common/Result.h"
#include "models/domain/User.h"

class PreparedStatements;

// The account rules of social sign-in, once the provider has said who the user is:
//  - a known (type, provider id) signs in as its user;
//  - else a new user is registered with the provider's names and email (email_verified only
//    when the provider asserts it), in one transaction with its auth_providers row;
//  - else, when a user already has that email, the provider is linked to it only if the
//    provider asserts the email verified, the account's email is verified too, the provider's
//    link policy is verified-only, and the address is not an Apple private relay; otherwise
//    ACCOUNT_EXISTS (sign in the usual way and link the provider from the account page).
// A signed-in user linking a provider (linkUserId) gets the row added to their own account.
//
// Error codes: EMAIL_REQUIRED, EMAIL_INVALID, ACCOUNT_EXISTS, PROVIDER_TAKEN (the provider
// account belongs to another user), USER_NOT_FOUND, and the database's.
namespace OAuthAccounts {

struct Outcome
{
    User user;
    bool created = false; // registered now
    bool linked = false;  // provider row added to an existing user
};

Result<Outcome> signIn(PreparedStatements &statements, bool linkByVerifiedEmail,
                       const OAuthIdentity &identity);
Result<Outcome> link(PreparedStatements &statements, const QString &userId, const OAuthIdentity &identity);

// first_name/last_name are VARCHAR(50) NOT NULL: the provider's names, else the email's local
// part, cut to fit.
void fillNames(const OAuthIdentity &identity, const QString &email, QString *first, QString *last,
               QString *display);

} // namespace OAuthAccounts
