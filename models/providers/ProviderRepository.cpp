#include "ProviderRepository.h"

#include "models/users/UserRepository.h"

#include <QSqlQuery>
#include <QVariant>

QJsonObject LinkedProvider::toJson() const
{
    return {{QStringLiteral("type"), type},
            {QStringLiteral("email"), email.isEmpty() ? QJsonValue() : QJsonValue(email)},
            {QStringLiteral("linkedAt"), linkedAt.toUTC().toString(Qt::ISODateWithMs)}};
}

Result<QList<LinkedProvider>> ProviderRepository::listForUser(const QString &userId)
{
    if (!UserRepository::isUuid(userId))
        return QList<LinkedProvider>{};
    auto query = m_sql.run(QStringLiteral("SELECT id, type, provider_id, email, linked_at FROM auth_providers "
                                          "WHERE user_id = ?::uuid AND type NOT IN ('passkey', 'email') "
                                          "ORDER BY linked_at, id"),
                           {userId});
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    QList<LinkedProvider> providers;
    while (q->next()) {
        LinkedProvider provider;
        provider.id = q->value(0).toInt();
        provider.type = q->value(1).toString();
        provider.providerId = q->value(2).toString();
        provider.email = q->value(3).toString();
        provider.linkedAt = q->value(4).toDateTime().toUTC();
        providers.append(provider);
    }
    q->finish();
    return providers;
}

Status ProviderRepository::unlink(const QString &userId, const QString &type)
{
    if (!UserRepository::isUuid(userId))
        return makeError(QStringLiteral("PROVIDER_NOT_LINKED"), QStringLiteral("no such linked provider"));
    QSqlDatabase &db = m_sql.database();
    if (!db.transaction())
        return makeError(QStringLiteral("DATABASE_UNAVAILABLE"), QStringLiteral("cannot begin a transaction"));
    const auto rollback = [&db](Error error) -> Status {
        db.rollback();
        return error;
    };
    auto locked = m_sql.run(QStringLiteral("SELECT id FROM users WHERE id = ?::uuid FOR UPDATE"), {userId});
    if (!locked)
        return rollback(locked.error());
    (*locked)->finish();
    auto counted = m_sql.run(QStringLiteral("SELECT count(*) FROM auth_providers WHERE user_id = ?::uuid AND type = ?"),
                             {userId, type});
    if (!counted)
        return rollback(counted.error());
    const int links = (*counted)->next() ? (*counted)->value(0).toInt() : 0;
    (*counted)->finish();
    if (links == 0)
        return rollback(makeError(QStringLiteral("PROVIDER_NOT_LINKED"),
                                  QStringLiteral("%1 is not linked to this account").arg(type)));
    auto methods = UserRepository(m_sql).countSignInMethods(userId);
    if (!methods)
        return rollback(methods.error());
    if (*methods - links < 1)
        return rollback(makeError(QStringLiteral("LAST_SIGN_IN_METHOD"),
                                  QStringLiteral("%1 is this account's only way to sign in; add a passkey, "
                                                 "TOTP or another provider first").arg(type)));
    auto deleted = m_sql.run(QStringLiteral("DELETE FROM auth_providers WHERE user_id = ?::uuid AND type = ?"),
                             {userId, type});
    if (!deleted)
        return rollback(deleted.error());
    (*deleted)->finish();
    if (!db.commit())
        return rollback(makeError(QStringLiteral("DATABASE_ERROR"), QStringLiteral("commit failed")));
    return {};
}
