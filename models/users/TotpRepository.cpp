#include "TotpRepository.h"

#include "UserRepository.h"
#include "models/sessions/SessionRepository.h" // SqlRows::UserColumns, readUser

#include <QSqlQuery>
#include <QVariant>

namespace {
constexpr int kUserColumnCount = 16; // SqlRows::UserColumns
} // namespace

Result<std::optional<TotpRepository::Account>> TotpRepository::find(const QString &userId)
{
    // Not a uuid: ask for one that cannot exist rather than skip the query, so a lookup for
    // nobody takes as long as one for somebody.
    const QString id = UserRepository::isUuid(userId) ? userId : UserRepository::newId();
    auto query = m_sql.run(QStringLiteral("SELECT ") + SqlRows::UserColumns +
                               QStringLiteral(", u.totp_secret, u.totp_last_step FROM users u "
                                              "WHERE u.id = ?::uuid"),
                           {id});
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    if (!q->next())
        return std::optional<Account>{};
    Account account;
    account.user = SqlRows::readUser(*q);
    account.sealedSecret = q->value(kUserColumnCount).toString();
    const QVariant last = q->value(kUserColumnCount + 1);
    if (!last.isNull())
        account.lastUsedStep = last.toLongLong();
    q->finish();
    return std::optional<Account>{std::move(account)};
}

Result<std::optional<User>> TotpRepository::useStep(const QString &userId, qint64 step)
{
    return SqlRows::oneUser(m_sql.run(
        QStringLiteral("UPDATE users u SET totp_last_step = ? WHERE u.id = ?::uuid "
                       "AND (u.totp_last_step IS NULL OR u.totp_last_step < ?) RETURNING ") +
            SqlRows::UserColumns,
        {step, userId, step}));
}
