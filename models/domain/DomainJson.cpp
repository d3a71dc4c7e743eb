#include "Session.h"
#include "User.h"

namespace {
// RFC 3339 UTC with milliseconds, or null.
QJsonValue timeValue(const QDateTime &time)
{
    if (!time.isValid())
        return QJsonValue::Null;
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}
} // namespace

QJsonObject Session::toJson(bool current) const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("status"), status},
            {QStringLiteral("browser"), textOrNull(browser)},
            {QStringLiteral("os"), textOrNull(os)},
            {QStringLiteral("device"), textOrNull(device)},
            {QStringLiteral("ip"), ip},
            {QStringLiteral("location"),
             QJsonObject{{QStringLiteral("country"), textOrNull(country)},
                         {QStringLiteral("city"), textOrNull(city)},
                         {QStringLiteral("timezone"), textOrNull(timezone)}}},
            {QStringLiteral("createdAt"), timeValue(createdAt)},
            {QStringLiteral("expiresAt"), timeValue(expiresAt)},
            {QStringLiteral("lastActivityAt"), timeValue(lastActivityAt)},
            {QStringLiteral("revokedAt"), timeValue(revokedAt)},
            {QStringLiteral("revokedReason"), textOrNull(revokedReason)},
            {QStringLiteral("current"), current}};
}

QJsonObject User::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("email"), email},
            {QStringLiteral("emailVerified"), emailVerified},
            {QStringLiteral("phone"), textOrNull(phone)},
            {QStringLiteral("phoneVerified"), phoneVerified},
            {QStringLiteral("firstName"), firstName},
            {QStringLiteral("lastName"), lastName},
            {QStringLiteral("displayName"), textOrNull(displayName)},
            {QStringLiteral("avatarUrl"), textOrNull(avatarUrl)},
            {QStringLiteral("status"), status},
            {QStringLiteral("role"), role},
            {QStringLiteral("totpEnabled"), totpEnabled},
            {QStringLiteral("createdAt"), timeValue(createdAt)},
            {QStringLiteral("updatedAt"), timeValue(updatedAt)},
            {QStringLiteral("lastLoginAt"), timeValue(lastLoginAt)}};
}
