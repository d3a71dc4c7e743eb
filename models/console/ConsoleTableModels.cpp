#include "ConsoleTableModels.h"

#include <QSqlQuery>

using C = KeysetTableModel::Column;

namespace {
C text(const QString &title, const QString &expr, bool sortable = true)
{
    return C{title, expr, sortable ? QStringLiteral("COALESCE(%1, '')").arg(expr) : QString(),
             QStringLiteral("text"), C::Text};
}
// A NOT NULL text column sorts by itself (so an index on it can serve the order).
C plain(const QString &title, const QString &expr)
{
    return C{title, expr, expr, QStringLiteral("text"), C::Text};
}
C time(const QString &title, const QString &expr, bool notNull)
{
    return C{title, expr,
             notNull ? expr : QStringLiteral("COALESCE(%1, '-infinity'::timestamptz)").arg(expr),
             QStringLiteral("timestamptz"), C::Time};
}
C flag(const QString &title, const QString &expr)
{
    return C{title, expr, QStringLiteral("COALESCE(%1, FALSE)").arg(expr), QStringLiteral("boolean"), C::Bool};
}
} // namespace

SessionsTableModel::SessionsTableModel(DatabaseProvider database, QObject *parent)
    : KeysetTableModel(std::move(database), QStringLiteral("s.id"), QStringLiteral("text"),
                       {plain(tr("User"), QStringLiteral("u.email")),
                        plain(tr("Status"), QStringLiteral("s.status")),
                        plain(tr("IP"), QStringLiteral("s.ip")),
                        text(tr("Country"), QStringLiteral("s.location_country")),
                        text(tr("City"), QStringLiteral("s.location_city")),
                        text(tr("Browser"), QStringLiteral("s.browser")),
                        text(tr("OS"), QStringLiteral("s.os")),
                        text(tr("Device"), QStringLiteral("s.device")),
                        time(tr("Created"), QStringLiteral("s.created_at"), true),
                        time(tr("Last activity"), QStringLiteral("s.last_activity_at"), true),
                        time(tr("Expires"), QStringLiteral("s.expires_at"), true),
                        time(tr("Revoked"), QStringLiteral("s.revoked_at"), false),
                        text(tr("Revocation reason"), QStringLiteral("s.revoked_reason"), false),
                        text(tr("User agent"), QStringLiteral("s.user_agent"), false),
                        text(tr("User id"), QStringLiteral("CAST(s.user_id AS text)"), false)},
                       Created, Qt::DescendingOrder, parent)
{
}

QString SessionsTableModel::fromClause() const
{
    return QStringLiteral("FROM sessions s JOIN users u ON u.id = s.user_id");
}

SqlWhere SessionsTableModel::whereClause() const
{
    return ConsoleSql::sessionWhere(m_filter);
}

QString SessionsTableModel::userOfSession(const QSqlDatabase &db, const QString &sessionId)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT CAST(user_id AS text) FROM sessions WHERE id = ?"));
    query.addBindValue(sessionId);
    return query.exec() && query.next() ? query.value(0).toString() : QString();
}

void SessionsTableModel::setFilter(const SessionFilter &filter)
{
    m_filter = filter;
    reload();
}

UsersTableModel::UsersTableModel(DatabaseProvider database, QObject *parent)
    : KeysetTableModel(std::move(database), QStringLiteral("u.id"), QStringLiteral("uuid"),
                       {plain(tr("Email"), QStringLiteral("u.email")),
                        C{tr("Name"),
                          QStringLiteral("COALESCE(u.display_name, u.first_name || ' ' || u.last_name)"),
                          QStringLiteral("(u.last_name || ' ' || u.first_name)"), QStringLiteral("text"), C::Text},
                        plain(tr("Status"), QStringLiteral("u.status")),
                        plain(tr("Role"), QStringLiteral("u.role")),
                        flag(tr("Email verified"), QStringLiteral("u.email_verified")),
                        text(tr("Phone"), QStringLiteral("u.phone")),
                        flag(tr("Phone verified"), QStringLiteral("u.phone_verified")),
                        flag(tr("TOTP"), QStringLiteral("u.totp_enabled")),
                        time(tr("Created"), QStringLiteral("u.created_at"), true),
                        time(tr("Last sign-in"), QStringLiteral("u.last_login_at"), false),
                        text(tr("Id"), QStringLiteral("CAST(u.id AS text)"), false)},
                       Created, Qt::DescendingOrder, parent)
{
}

SqlWhere UsersTableModel::whereClause() const
{
    return ConsoleSql::userWhere(m_filter);
}

void UsersTableModel::setFilter(const UserFilter &filter)
{
    m_filter = filter;
    reload();
}

bool PasskeysTableModel::hasColumn(const QSqlDatabase &db, const QString &table, const QString &column)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT 1 FROM information_schema.columns WHERE table_schema = "
                                 "current_schema() AND table_name = ? AND column_name = ?"));
    query.addBindValue(table);
    query.addBindValue(column);
    return query.exec() && query.next();
}

namespace {
QList<C> passkeyColumns(const QSqlDatabase &db)
{
    // V0005 adds name and clone_suspected_at; an older schema gets empty columns instead.
    const bool details = PasskeysTableModel::hasColumn(db, QStringLiteral("passkey_credentials"),
                                                       QStringLiteral("clone_suspected_at"));
    return {plain(QObject::tr("User"), QStringLiteral("u.email")),
            details ? text(QObject::tr("Name"), QStringLiteral("p.name"))
                    : text(QObject::tr("Name"), QStringLiteral("CAST(NULL AS text)"), false),
            plain(QObject::tr("Device type"), QStringLiteral("p.device_type")),
            flag(QObject::tr("Backed up"), QStringLiteral("p.backed_up")),
            text(QObject::tr("Transports"), QStringLiteral("CAST(p.transports AS text)"), false),
            time(QObject::tr("Created"), QStringLiteral("p.created_at"), true),
            time(QObject::tr("Last used"), QStringLiteral("p.last_used_at"), false),
            details ? time(QObject::tr("Flagged as cloned"), QStringLiteral("p.clone_suspected_at"), false)
                    : C{QObject::tr("Flagged as cloned"), QStringLiteral("CAST(NULL AS timestamptz)"), {}, {}, C::Time},
            plain(QObject::tr("Credential id"), QStringLiteral("p.id")),
            text(QObject::tr("User id"), QStringLiteral("CAST(p.user_id AS text)"), false)};
}
} // namespace

PasskeysTableModel::PasskeysTableModel(DatabaseProvider database, QObject *parent)
    : KeysetTableModel(database, QStringLiteral("p.id"), QStringLiteral("text"), passkeyColumns(database()),
                       Created, Qt::DescendingOrder, parent)
{
}

QString PasskeysTableModel::fromClause() const
{
    return QStringLiteral("FROM passkey_credentials p JOIN users u ON u.id = p.user_id");
}

SqlWhere PasskeysTableModel::whereClause() const
{
    return ConsoleSql::passkeyWhere(m_filter);
}

void PasskeysTableModel::setFilter(const PasskeyFilter &filter)
{
    m_filter = filter;
    reload();
}

ProvidersTableModel::ProvidersTableModel(DatabaseProvider database, QObject *parent)
    : KeysetTableModel(std::move(database), QStringLiteral("a.id"), QStringLiteral("integer"),
                       {plain(tr("User"), QStringLiteral("u.email")),
                        plain(tr("Type"), QStringLiteral("a.type")),
                        plain(tr("Provider id"), QStringLiteral("a.provider_id")),
                        text(tr("Email"), QStringLiteral("a.email")),
                        time(tr("Linked"), QStringLiteral("a.linked_at"), true),
                        text(tr("User id"), QStringLiteral("CAST(a.user_id AS text)"), false)},
                       Linked, Qt::DescendingOrder, parent)
{
}

QString ProvidersTableModel::fromClause() const
{
    return QStringLiteral("FROM auth_providers a JOIN users u ON u.id = a.user_id");
}

SqlWhere ProvidersTableModel::whereClause() const
{
    return ConsoleSql::providerWhere(m_filter);
}

void ProvidersTableModel::setFilter(const ProviderFilter &filter)
{
    m_filter = filter;
    reload();
}
