#include "AdminRepository.h"

#include "models/sessions/SessionRepository.h" // SqlRows
#include "models/users/UserRepository.h"

#include <QRegularExpression>
#include <QSqlQuery>
#include <QVariant>

namespace {
QVariant textOrNull(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}
QVariant idOrNull(const std::optional<AdminRepository::Cursor> &cursor)
{
    return cursor ? QVariant(cursor->id) : QVariant(QMetaType::fromType<QString>());
}
// LIKE patterns from user text: its own wildcards are matched literally.
QString likePattern(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('%'), QLatin1String("\\%"))
        .replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QLatin1Char('%') + escaped.toLower() + QLatin1Char('%');
}
} // namespace

QString AdminRepository::Cursor::encode() const
{
    const QByteArray raw = "after|" + id.toLatin1();
    return QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<AdminRepository::Cursor> AdminRepository::Cursor::decode(const QString &text)
{
    if (text.size() > 200)
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(
        text.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QList<QByteArray> parts = decoded.decoded.split('|');
    if (parts.size() != 2)
        return std::nullopt;
    Cursor cursor{QString::fromLatin1(parts.at(1))};
    static const QRegularExpression id(QStringLiteral("^[0-9a-f-]{1,64}$"));
    if (parts.at(0) != "after" || !id.match(cursor.id).hasMatch())
        return std::nullopt;
    return cursor;
}

Result<AdminRepository::Page<User>> AdminRepository::users(const UserFilter &filter)
{
    const bool exactId = UserRepository::isUuid(filter.search);
    // One statement for every filter combination: NULL parameters switch conditions off, so it
    // is prepared once. (created_at, id) is the keyset, newest first.
    auto query = m_sql.run(
        QStringLiteral("SELECT ") + SqlRows::UserColumns +
            QStringLiteral(" FROM users u WHERE (?::uuid IS NULL OR u.id = ?::uuid) "
                           "AND (?::text IS NULL OR lower(u.email) LIKE ? OR lower(u.first_name || ' ' || u.last_name) LIKE ? "
                           "OR lower(coalesce(u.display_name, '')) LIKE ?) "
                           "AND (?::text IS NULL OR u.status = ?) AND (?::text IS NULL OR u.role = ?) "
                           "AND (?::uuid IS NULL OR (u.created_at, u.id) < "
                           "((SELECT created_at FROM users WHERE id = ?::uuid), ?::uuid)) "
                           "ORDER BY u.created_at DESC, u.id DESC LIMIT ?"),
        {exactId ? QVariant(filter.search) : QVariant(QMetaType::fromType<QString>()),
         exactId ? QVariant(filter.search) : QVariant(QMetaType::fromType<QString>()),
         exactId ? QVariant(QMetaType::fromType<QString>()) : textOrNull(filter.search),
         likePattern(filter.search), likePattern(filter.search), likePattern(filter.search),
         textOrNull(filter.status), filter.status, textOrNull(filter.role), filter.role,
         idOrNull(filter.after), idOrNull(filter.after), idOrNull(filter.after), filter.limit + 1});
    if (!query)
        return query.error();
    Page<User> page;
    while ((*query)->next())
        page.items.append(SqlRows::readUser(**query));
    if (page.items.size() > filter.limit) {
        page.items.removeLast();
        page.next = Cursor{page.items.last().id};
    }
    return page;
}

Result<AdminRepository::Page<Session>> AdminRepository::sessions(const SessionFilter &filter)
{
    auto query = m_sql.run(
        QStringLiteral("SELECT ") + SqlRows::SessionColumns +
            QStringLiteral(" FROM sessions s WHERE (?::uuid IS NULL OR s.user_id = ?::uuid) "
                           "AND (?::text IS NULL OR s.status = ?) "
                           "AND (?::text IS NULL OR (s.created_at, s.id) < "
                           "((SELECT created_at FROM sessions WHERE id = ?), ?)) "
                           "ORDER BY s.created_at DESC, s.id DESC LIMIT ?"),
        {textOrNull(filter.userId), textOrNull(filter.userId), textOrNull(filter.status), filter.status,
         idOrNull(filter.after), idOrNull(filter.after), idOrNull(filter.after), filter.limit + 1});
    if (!query)
        return query.error();
    Page<Session> page;
    while ((*query)->next())
        page.items.append(SqlRows::readSession(**query));
    if (page.items.size() > filter.limit) {
        page.items.removeLast();
        page.next = Cursor{page.items.last().id};
    }
    return page;
}

Result<std::optional<User>> AdminRepository::setStatus(const QString &userId, const QString &status)
{
    if (!UserRepository::isUuid(userId))
        return std::optional<User>{};
    return SqlRows::oneUser(m_sql.run(QStringLiteral("UPDATE users u SET status = ?, updated_at = NOW() "
                                                     "WHERE u.id = ?::uuid RETURNING ") + SqlRows::UserColumns,
                                      {status, userId}));
}
