#include "Migration.h"

#include <QCryptographicHash>
#include <QRegularExpression>

#include <limits>

Result<Migration> Migration::fromFile(const QString &fileName, const QByteArray &sql)
{
    // Names are strict so that a typo (V1__x.sql, V0002_x.sql, v0002__x.sql) is an error at
    // startup rather than a migration that is silently skipped.
    static const QRegularExpression pattern(
        QStringLiteral("^V([0-9]{4,})__([A-Za-z0-9][A-Za-z0-9_]*)\\.sql$"));
    const QRegularExpressionMatch match = pattern.match(fileName);
    if (!match.hasMatch())
        return makeError(QStringLiteral("MIGRATION_INVALID"),
                         QStringLiteral("migration file name '%1' is not of the form "
                                        "V0001__short_name.sql (V, at least 4 digits, two "
                                        "underscores, letters/digits/underscores, .sql)")
                             .arg(fileName));
    bool ok = false;
    const qlonglong version = match.captured(1).toLongLong(&ok);
    if (!ok || version < 1 || version > std::numeric_limits<int>::max())
        return makeError(QStringLiteral("MIGRATION_INVALID"),
                         QStringLiteral("migration '%1' has version %2; versions go from 1 "
                                        "to %3")
                             .arg(fileName, match.captured(1))
                             .arg(std::numeric_limits<int>::max()));
    Migration migration;
    migration.version = static_cast<int>(version);
    migration.name = match.captured(2);
    migration.fileName = fileName;
    migration.sql = sql;
    migration.checksum = checksumOf(sql);
    return migration;
}

QString Migration::checksumOf(const QByteArray &sql)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(sql, QCryptographicHash::Sha256).toHex());
}
