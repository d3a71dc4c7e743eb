#include "UserDetails.h"

#include "models/database/PreparedStatements.h"

#include <QSqlQuery>

namespace {
Result<QSqlQuery> select(const QSqlDatabase &db, const QString &sql, const QString &userId)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return sqlError(query);
    query.addBindValue(userId);
    if (!query.exec())
        return sqlError(query);
    return query;
}
} // namespace

Result<UserDetails> UserDetails::load(const QSqlDatabase &db, const QString &userId)
{
    auto user = select(db,
                       QStringLiteral("SELECT CAST(id AS text), email, first_name, last_name, display_name, phone, "
                                      "status, role, avatar_url, avatar_key, COALESCE(email_verified, FALSE), "
                                      "COALESCE(phone_verified, FALSE), COALESCE(totp_enabled, FALSE), created_at, "
                                      "updated_at, last_login_at FROM users WHERE id = CAST(? AS uuid)"),
                       userId);
    if (!user)
        return user.error();
    if (!user->next())
        return makeError(QStringLiteral("NOT_FOUND"), QStringLiteral("no such user"));
    UserDetails d;
    int i = 0;
    for (QString *field : {&d.id, &d.email, &d.firstName, &d.lastName, &d.displayName, &d.phone, &d.status,
                           &d.role, &d.avatarUrl, &d.avatarKey})
        *field = user->value(i++).toString();
    d.emailVerified = user->value(i++).toBool();
    d.phoneVerified = user->value(i++).toBool();
    d.totpEnabled = user->value(i++).toBool();
    d.createdAt = user->value(i++).toDateTime();
    d.updatedAt = user->value(i++).toDateTime();
    d.lastLoginAt = user->value(i++).toDateTime();

    auto providers = select(db,
                            QStringLiteral("SELECT id, type, provider_id, email, linked_at FROM auth_providers "
                                           "WHERE user_id = CAST(? AS uuid) ORDER BY linked_at"),
                            userId);
    if (!providers)
        return providers.error();
    while (providers->next())
        d.providers.append({providers->value(0).toInt(), providers->value(1).toString(),
                            providers->value(2).toString(), providers->value(3).toString(),
                            providers->value(4).toDateTime()});
    auto passkeys = select(db,
                           QStringLiteral("SELECT id, device_type, COALESCE(backed_up, FALSE), created_at, last_used_at "
                                          "FROM passkey_credentials WHERE user_id = CAST(? AS uuid) ORDER BY created_at"),
                           userId);
    if (!passkeys)
        return passkeys.error();
    while (passkeys->next())
        d.passkeys.append({passkeys->value(0).toString(), passkeys->value(1).toString(), passkeys->value(2).toBool(),
                           passkeys->value(3).toDateTime(), passkeys->value(4).toDateTime()});
    auto sessions = select(db,
                           QStringLiteral("SELECT id, ip, browser, os, location_country, created_at, last_activity_at "
                                          "FROM sessions WHERE user_id = CAST(? AS uuid) AND status = 'active' "
                                          "ORDER BY created_at DESC LIMIT 100"),
                           userId);
    if (!sessions)
        return sessions.error();
    while (sessions->next())
        d.sessions.append({sessions->value(0).toString(), sessions->value(1).toString(), sessions->value(2).toString(),
                           sessions->value(3).toString(), sessions->value(4).toString(),
                           sessions->value(5).toDateTime(), sessions->value(6).toDateTime()});
    return d;
}
