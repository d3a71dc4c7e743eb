#include "OAuthAccounts.h"

#include "models/database/PreparedStatements.h"
#include "models/users/UserRepository.h"
#include "server/auth/EmailAddress.h"

namespace OAuthAccounts {

namespace {

QString fit(const QString &text, int characters)
{
    // Count code points like PostgreSQL's varchar; never cut a surrogate pair.
    const QList<uint> codePoints = text.simplified().toUcs4();
    return QString::fromUcs4(reinterpret_cast<const char32_t *>(codePoints.constData()),
                             std::min<qsizetype>(codePoints.size(), characters))
        .trimmed();
}

ProviderLink linkFor(const OAuthIdentity &identity, const QString &email)
{
    ProviderLink link;
    link.type = identity.provider;
    link.providerId = identity.subject;
    link.email = email;
    link.metadata = {{QStringLiteral("emailVerified"), identity.emailVerified}};
    if (identity.privateRelay)
        link.metadata.insert(QStringLiteral("privateRelay"), true);
    return link;
}

} // namespace

void fillNames(const OAuthIdentity &identity, const QString &email, QString *first, QString *last,
               QString *display)
{
    *first = fit(identity.firstName, 50);
    *last = fit(identity.lastName, 50);
    *display = fit(identity.displayName, 100);
    if (first->isEmpty())
        *first = fit(email.section(QLatin1Char('@'), 0, 0), 50);
    if (first->isEmpty())
        *first = identity.provider;
    // NOT NULL columns: an empty name must be '' (a null QString binds as NULL).
    if (last->isNull())
        *last = QString(QLatin1String(""));
}

Result<Outcome> signIn(PreparedStatements &statements, bool linkByVerifiedEmail,
                       const OAuthIdentity &identity)
{
    UserRepository users(statements);
    auto known = users.findByProvider(identity.provider, identity.subject);
    if (!known)
        return known.error();
    if (known->has_value())
        return Outcome{**known, false, false};

    if (identity.email.isEmpty())
        return makeError(QStringLiteral("EMAIL_REQUIRED"),
                         QStringLiteral("the provider shared no (verified) email address, which a new "
                                        "account needs; verify your email there or sign up another way"));
    auto email = EmailAddress::normalise(identity.email);
    if (!email)
        return makeError(QStringLiteral("EMAIL_INVALID"),
                         QStringLiteral("the provider's email address is not usable here"));
    auto existing = users.findByEmail(*email);
    if (!existing)
        return existing.error();
    if (existing->has_value()) {
        const User &user = **existing;
        const bool mayLink = linkByVerifiedEmail && identity.emailVerified && user.emailVerified &&
                             !identity.privateRelay;
        if (!mayLink)
            return makeError(QStringLiteral("ACCOUNT_EXISTS"),
                             QStringLiteral("an account with this email exists already; sign in to it "
                                            "and link %1 from the account page").arg(identity.provider));
        if (Status added = users.addProvider(user.id, linkFor(identity, *email)); !added)
            return added.error();
        return Outcome{user, false, true};
    }

    NewUser user;
    user.id = UserRepository::newId();
    user.email = *email;
    user.emailVerified = identity.emailVerified;
    fillNames(identity, *email, &user.firstName, &user.lastName, &user.displayName);
    auto created = users.createWithProvider(user, linkFor(identity, *email));
    if (!created) {
        // Someone registered that email between our read and the insert.
        if (created.error().code == QLatin1String("EMAIL_TAKEN"))
            return makeError(QStringLiteral("ACCOUNT_EXISTS"),
                             QStringLiteral("an account with this email exists already"));
        return created.error();
    }
    return Outcome{*created, true, false};
}

Result<Outcome> link(PreparedStatements &statements, const QString &userId, const OAuthIdentity &identity)
{
    UserRepository users(statements);
    auto owner = users.findByProvider(identity.provider, identity.subject);
    if (!owner)
        return owner.error();
    if (owner->has_value()) {
        if ((*owner)->id == userId)
            return Outcome{**owner, false, false}; // linked already: nothing to do
        return makeError(QStringLiteral("PROVIDER_TAKEN"),
                         QStringLiteral("this %1 account is linked to another Gatehouse account").arg(identity.provider));
    }
    auto user = users.findById(userId);
    if (!user)
        return user.error();
    if (!user->has_value())
        return makeError(QStringLiteral("USER_NOT_FOUND"), QStringLiteral("the account to link to is gone"));
    auto email = EmailAddress::normalise(identity.email);
    if (Status added = users.addProvider(userId, linkFor(identity, email ? *email : QString())); !added)
        return added.error();
    return Outcome{**user, false, true};
}

} // namespace OAuthAccounts
