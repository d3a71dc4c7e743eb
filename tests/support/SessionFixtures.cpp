#include "SessionFixtures.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUuid>
#include <QVariant>

namespace SessionFixtures {

QString newToken()
{
    QByteArray bytes(32, '\0');
    QRandomGenerator::system()->generate(bytes.begin(), bytes.end());
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString idFor(const QString &token)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(token.toLatin1(), QCryptographicHash::Sha256).toHex());
}

bool exec(const QSqlDatabase &db, const QString &sql, const QVariantList &values)
{
    QSqlQuery query(db);
    if (!query.prepare(sql)) {
        qWarning("prepare failed: %s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
        return false;
    }
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec()) {
        qWarning("exec failed: %s: %s", qPrintable(sql), qPrintable(query.lastError().text()));
        return false;
    }
    return true;
}

QString insertUser(const QSqlDatabase &db, const QString &email, const QString &role,
                   const QString &status)
{
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (!exec(db,
              QStringLiteral("INSERT INTO users (id, email, first_name, last_name, status, role) "
                             "VALUES (?::uuid, ?, 'Test', 'User', ?, ?)"),
              {id, email, status, role}))
        return {};
    return id;
}

QString insertSession(const QSqlDatabase &db, const QString &userId, const SessionRow &row)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString token = newToken();
    const QDateTime expires = row.expiresAt.isValid() ? row.expiresAt : now.addDays(1);
    const QDateTime activity = row.lastActivityAt.isValid() ? row.lastActivityAt : now;
    if (!exec(
            db,
            QStringLiteral("INSERT INTO sessions (id, user_id, status, user_agent, ip, created_at, "
                           "expires_at, last_activity_at, revoked_at, revoked_reason) "
                           "VALUES (?, ?::uuid, ?, 'TestAgent/1.0', '127.0.0.1', ?, ?, ?, ?, ?)"),
            {idFor(token), userId, row.status, qMin(activity, now), expires, activity,
             row.status == QLatin1String("revoked") ? QVariant(now)
                                                    : QVariant(QMetaType::fromType<QDateTime>()),
             row.status == QLatin1String("revoked") ? QVariant(QStringLiteral("test"))
                                                    : QVariant(QMetaType::fromType<QString>())}))
        return {};
    return token;
}

QString sessionsSnapshot(const QSqlDatabase &db)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT * FROM sessions ORDER BY id")))
        return QStringLiteral("query failed: ") + query.lastError().text();
    QString text;
    while (query.next()) {
        const QSqlRecord record = query.record();
        for (int i = 0; i < record.count(); ++i)
            text += record.fieldName(i) + QLatin1Char('=') + query.value(i).toString() +
                    QLatin1Char(';');
        text += QLatin1Char('\n');
    }
    return text;
}

QString sessionColumn(const QSqlDatabase &db, const QString &sessionId, const QString &column)
{
    QSqlQuery query(db);
    // The column name comes from the test itself, never from input.
    query.prepare(QStringLiteral("SELECT %1 FROM sessions WHERE id = ?").arg(column));
    query.addBindValue(sessionId);
    if (!query.exec() || !query.next())
        return {};
    return query.value(0).toString();
}

} // namespace SessionFixtures
