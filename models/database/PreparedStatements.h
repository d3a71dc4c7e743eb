#pragma once

#include "models/common/Result.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>

#include <memory>

// Prepared statements of one connection, prepared once and executed many times: QPSQL turns
// every prepare() into a PREPARE round trip, which would double the cost of the one short
// statement a request may run. Belongs to the connection's thread; drop it with the connection.
class PreparedStatements
{
public:
    explicit PreparedStatements(QSqlDatabase database) : m_database(std::move(database)) {}

    // The statement for `sql`, prepared on first use. Errors: DATABASE_ERROR.
    Result<QSqlQuery *> get(const QString &sql);
    QSqlDatabase &database() { return m_database; }

    // Runs a prepared statement with `values` bound in order. Connection failures come back as
    // DATABASE_UNAVAILABLE, unique violations as DATABASE_CONFLICT, everything else as
    // DATABASE_ERROR; the message is the driver's.
    Result<QSqlQuery *> run(const QString &sql, const QVariantList &values);

private:
    QSqlDatabase m_database;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_statements;
};

// The error for a failed query, with the code that tells a lost connection from a bad query.
Error sqlError(const QSqlQuery &query);
