#include "PreparedStatements.h"

#include <QSqlDriver>
#include <QSqlError>

Error sqlError(const QSqlQuery &query)
{
    const QSqlError error = query.lastError();
    const bool connection = error.type() == QSqlError::ConnectionError ||
                            !query.driver() || !query.driver()->isOpen() ||
                            error.text().contains(QLatin1String("server closed the connection")) ||
                            error.text().contains(QLatin1String("no connection to the server"));
    if (connection)
        return makeError(QStringLiteral("DATABASE_UNAVAILABLE"), error.text());
    // SQLSTATE 23505: a unique constraint refused the row (an email or id taken meanwhile).
    if (error.nativeErrorCode() == QLatin1String("23505"))
        return makeError(QStringLiteral("DATABASE_CONFLICT"), error.text());
    return makeError(QStringLiteral("DATABASE_ERROR"), error.text());
}

Result<QSqlQuery *> PreparedStatements::get(const QString &sql)
{
    auto it = m_statements.constFind(sql);
    if (it != m_statements.constEnd())
        return it->get();
    auto query = std::make_shared<QSqlQuery>(m_database);
    if (!query->prepare(sql))
        return sqlError(*query);
    m_statements.insert(sql, query);
    return query.get();
}

Result<QSqlQuery *> PreparedStatements::run(const QString &sql, const QVariantList &values)
{
    auto query = get(sql);
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    for (qsizetype i = 0; i < values.size(); ++i)
        q->bindValue(static_cast<int>(i), values.at(i));
    if (!q->exec()) {
        const Error error = sqlError(*q);
        // A statement prepared on a connection that broke is useless: prepare afresh next time.
        m_statements.remove(sql);
        return error;
    }
    return q;
}
