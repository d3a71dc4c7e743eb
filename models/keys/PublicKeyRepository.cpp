#include "PublicKeyRepository.h"

#include <QJsonDocument>
#include <QSqlQuery>
#include <QVariant>

Status PublicKeyRepository::publish(const QString &kid, const QJsonObject &jwk, const QString &instance,
                                    const QDateTime &createdAt, const QDateTime &retiredAt)
{
    const QVariant retired = retiredAt.isValid() ? QVariant(retiredAt)
                                                 : QVariant(QMetaType::fromType<QDateTime>());
    auto query = m_sql.run(
        QStringLiteral("INSERT INTO jwt_public_keys (kid, jwk, instance, created_at, retired_at) "
                       "VALUES (?, ?::jsonb, ?, ?, ?) ON CONFLICT (kid) DO UPDATE SET "
                       "retired_at = EXCLUDED.retired_at"),
        {kid, QString::fromUtf8(QJsonDocument(jwk).toJson(QJsonDocument::Compact)), instance, createdAt,
         retired});
    if (!query)
        return query.error();
    return {};
}

Result<QJsonArray> PublicKeyRepository::valid(const QDateTime &now, qint64 retainSeconds)
{
    auto query = m_sql.run(QStringLiteral("SELECT jwk FROM jwt_public_keys WHERE retired_at IS NULL "
                                          "OR retired_at > ? ORDER BY created_at DESC LIMIT 100"),
                           {now.addSecs(-retainSeconds)});
    if (!query)
        return query.error();
    QJsonArray keys;
    while ((*query)->next())
        keys.append(QJsonDocument::fromJson((*query)->value(0).toByteArray()).object());
    return keys;
}
