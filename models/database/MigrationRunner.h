#pragma once

#include "models/common/Result.h"
#include "models/database/Migration.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

struct MigrationReport
{
    int previousVersion = 0; // schema version before this run (0: empty database)
    int currentVersion = 0;  // schema version after this run
    QList<int> applied;      // versions applied by this run, ascending; empty when up to date
};

// Brings a PostgreSQL database up to the newest migration this binary carries.
//
// Several gatehoused instances may start at once against one database, so the whole run holds
// a session-level advisory lock: the first instance migrates, the others wait and then find
// nothing to do. Each migration runs in its own transaction together with its
// schema_migrations row, so a failing migration leaves no trace. The runner refuses to touch a
// database that is newer than the binary or whose applied migrations were edited afterwards.
//
// Error codes: MIGRATION_INVALID (bad or missing migration files), SCHEMA_TOO_NEW,
// SCHEMA_CHECKSUM_MISMATCH, SCHEMA_UNKNOWN_MIGRATION, SCHEMA_OUT_OF_ORDER, MIGRATION_FAILED
// (a migration or the bookkeeping around it failed), DATABASE_UNAVAILABLE (db not open).
class MigrationRunner
{
public:
    // Key of pg_advisory_lock: fixed, so every Gatehouse version uses the same lock ("Gatehous").
    static constexpr qint64 AdvisoryLockKey = 0x47617465686f7573;

    // directory: a resource (":/migrations", compiled into gatehouse_models) or file system path.
    explicit MigrationRunner(QString directory = QStringLiteral(":/migrations"));

    const QString &directory() const { return m_directory; }

    // Reads and validates every file of the directory, sorted by version. Every file must be a
    // well-named migration and versions must be unique: a stray or misnamed file is an error.
    Result<QList<Migration>> load() const;

    // Uses db from the calling thread (its owner). Not to be called inside a transaction.
    Result<MigrationReport> run(QSqlDatabase &db) const;

private:
    QString m_directory;
};
