#include "VerificationFixtures.h"

#include <QJsonObject>
#include <QSqlQuery>
#include <QVariant>

namespace VerificationFixtures {

QString userColumn(const QSqlDatabase &db, const QString &userId, const QString &column)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT %1::text FROM users WHERE id = ?::uuid").arg(column));
    query.addBindValue(userId);
    if (!query.exec() || !query.next())
        return QStringLiteral("<none>");
    return query.value(0).isNull() ? QStringLiteral("<null>") : query.value(0).toString();
}

QStringList flowKeys(const LocalRedis &redis)
{
    QStringList keys;
    for (const QByteArray &key : redis.cli({QStringLiteral("KEYS"), QStringLiteral("*")}).split('\n'))
        if (!key.isEmpty() && !key.startsWith("ratelimit:") && !key.startsWith("session"))
            keys.append(QString::fromLatin1(key));
    keys.sort();
    return keys;
}

QString errorCode(const TestHttpResponse &response)
{
    return response.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

QString errorField(const TestHttpResponse &response)
{
    return response.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("field")).toString();
}

} // namespace VerificationFixtures
