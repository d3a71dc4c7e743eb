#pragma once

#include "models/common/Result.h"
#include "models/database/PreparedStatements.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

// The `jwt_public_keys` table (migration V0002): the public JWKs of every instance, so the
// JWKS any instance serves verifies tokens signed by all of them.
class PublicKeyRepository
{
public:
    explicit PublicKeyRepository(PreparedStatements &statements) : m_sql(statements) {}

    // Inserts or updates one key (retiredAt invalid = current).
    Status publish(const QString &kid, const QJsonObject &jwk, const QString &instance,
                   const QDateTime &createdAt, const QDateTime &retiredAt);
    // Current keys and keys retired less than retainSeconds before now, newest first.
    Result<QJsonArray> valid(const QDateTime &now, qint64 retainSeconds);

private:
    PreparedStatements &m_sql;
};
