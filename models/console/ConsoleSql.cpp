#include "ConsoleSql.h"

#include <QRegularExpression>
#include <QUuid>

void SqlWhere::add(const QString &condition, const QVariantList &bound)
{
    conditions.append(condition);
    values.append(bound);
}

QString SqlWhere::clause() const
{
    return conditions.isEmpty() ? QString() : QStringLiteral(" WHERE ") + expression();
}

QString SqlWhere::expression() const
{
    return conditions.isEmpty() ? QStringLiteral("TRUE") : conditions.join(QStringLiteral(" AND "));
}

namespace ConsoleSql {

QString likePrefix(const QString &text)
{
    QString escaped = text.trimmed().toLower();
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('%'), QLatin1String("\\%"));
    escaped.replace(QLatin1Char('_'), QLatin1String("\\_"));
    return escaped + QLatin1Char('%');
}

bool isUuid(const QString &text)
{
    return text.size() == 36 && !QUuid::fromString(text).isNull();
}

bool looksLikeIpFilter(const QString &text)
{
    // Only the characters an address or block can have; PostgreSQL's inet parser judges the
    // rest (a bad one comes back as a database error naming the value).
    static const QRegularExpression pattern(QStringLiteral("^[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?$"));
    return pattern.match(text.trimmed()).hasMatch();
}

SqlWhere sessionWhere(const SessionFilter &f)
{
    SqlWhere w;
    const QString user = f.user.trimmed();
    if (!user.isEmpty()) {
        if (isUuid(user))
            w.add(QStringLiteral("s.user_id = CAST(? AS uuid)"), {user});
        else // an email or its beginning
            w.add(QStringLiteral("s.user_id IN (SELECT id FROM users WHERE lower(email) LIKE ?)"),
                  {likePrefix(user)});
    }
    if (!f.status.isEmpty())
        w.add(QStringLiteral("s.status = ?"), {f.status});
    if (!f.ip.trimmed().isEmpty()) {
        // network() turns 10.1.2.3/16 into 10.1.0.0/16 (cidr refuses host bits) and a single
        // address into its /32 or /128, so one condition serves both; the planner folds it
        // into a range on the expression index of V0007.
        if (looksLikeIpFilter(f.ip))
            w.add(QStringLiteral("CAST(s.ip AS inet) <<= network(CAST(? AS inet))"), {f.ip.trimmed()});
        else
            w.add(QStringLiteral("FALSE")); // not an address: nothing matches
    }
    if (!f.country.isEmpty())
        w.add(QStringLiteral("s.location_country = ?"), {f.country});
    if (!f.browser.isEmpty())
        w.add(QStringLiteral("s.browser = ?"), {f.browser});
    if (!f.os.isEmpty())
        w.add(QStringLiteral("s.os = ?"), {f.os});
    if (!f.device.isEmpty())
        w.add(QStringLiteral("s.device = ?"), {f.device});
    if (f.createdFrom.isValid())
        w.add(QStringLiteral("s.created_at >= ?"), {f.createdFrom.toUTC()});
    if (f.createdTo.isValid())
        w.add(QStringLiteral("s.created_at < ?"), {f.createdTo.toUTC()});
    if (f.activityFrom.isValid())
        w.add(QStringLiteral("s.last_activity_at >= ?"), {f.activityFrom.toUTC()});
    if (f.activityTo.isValid())
        w.add(QStringLiteral("s.last_activity_at < ?"), {f.activityTo.toUTC()});
    return w;
}

namespace {
void addFlag(SqlWhere &w, const std::optional<bool> &flag, const QString &column)
{
    if (flag)
        w.add(*flag ? QStringLiteral("COALESCE(%1, FALSE)").arg(column)
                    : QStringLiteral("NOT COALESCE(%1, FALSE)").arg(column));
}
} // namespace

SqlWhere userWhere(const UserFilter &f)
{
    SqlWhere w;
    const QString search = f.search.trimmed();
    if (!search.isEmpty()) {
        if (isUuid(search)) {
            w.add(QStringLiteral("u.id = CAST(? AS uuid)"), {search});
        } else {
            const QString pattern = likePrefix(search);
            w.add(QStringLiteral("(lower(u.email) LIKE ? OR lower(u.first_name) LIKE ? OR "
                                 "lower(u.last_name) LIKE ? OR lower(u.display_name) LIKE ?)"),
                  {pattern, pattern, pattern, pattern});
        }
    }
    if (!f.status.isEmpty())
        w.add(QStringLiteral("u.status = ?"), {f.status});
    if (!f.role.isEmpty())
        w.add(QStringLiteral("u.role = ?"), {f.role});
    addFlag(w, f.emailVerified, QStringLiteral("u.email_verified"));
    addFlag(w, f.phoneVerified, QStringLiteral("u.phone_verified"));
    addFlag(w, f.totpEnabled, QStringLiteral("u.totp_enabled"));
    if (f.hasPasskey)
        w.add(QStringLiteral("%1 EXISTS (SELECT 1 FROM passkey_credentials p WHERE p.user_id = u.id)")
                  .arg(*f.hasPasskey ? QString() : QStringLiteral("NOT")));
    return w;
}

SqlWhere passkeyWhere(const PasskeyFilter &f)
{
    SqlWhere w;
    if (isUuid(f.userId))
        w.add(QStringLiteral("p.user_id = CAST(? AS uuid)"), {f.userId});
    const QString search = f.search.trimmed();
    if (!search.isEmpty()) {
        const QString pattern = likePrefix(search);
        w.add(QStringLiteral("(lower(p.id) LIKE ? OR lower(u.email) LIKE ?)"), {pattern, pattern});
    }
    return w;
}

SqlWhere providerWhere(const ProviderFilter &f)
{
    SqlWhere w;
    if (isUuid(f.userId))
        w.add(QStringLiteral("a.user_id = CAST(? AS uuid)"), {f.userId});
    if (!f.type.isEmpty())
        w.add(QStringLiteral("a.type = ?"), {f.type});
    const QString search = f.search.trimmed();
    if (!search.isEmpty()) {
        const QString pattern = likePrefix(search);
        w.add(QStringLiteral("(lower(a.provider_id) LIKE ? OR lower(a.email) LIKE ? OR lower(u.email) LIKE ?)"),
              {pattern, pattern, pattern});
    }
    return w;
}

} // namespace ConsoleSql
