#include "MigrationRunner.h"

#include "models/common/Log.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>
#include <mutex>
#include <utility>

// The migrations are compiled into the static library gatehouse_models; a static library's
// resource object is only linked in when something references its init function.
static void initMigrationResources()
{
    static std::once_flag once;
    std::call_once(once, [] { Q_INIT_RESOURCE(migrations); });
}

namespace {

Error failed(const QString &message)
{
    return makeError(QStringLiteral("MIGRATION_FAILED"), message);
}

// PostgreSQL's own message (what an administrator needs), on one line.
QString sqlMessage(const QSqlError &error)
{
    const QString text =
        error.databaseText().trimmed().isEmpty() ? error.text() : error.databaseText();
    return text.simplified();
}

struct AppliedRow
{
    int version = 0;
    QString name;
    QString checksum;
};

// Holds pg_advisory_lock for the lifetime of the object. Session-level (not transaction-level)
// because the run spans several transactions; released on every return path by the destructor,
// and by the server anyway should the connection die.
class AdvisoryLock
{
public:
    explicit AdvisoryLock(QSqlDatabase &db) : m_db(db) {}
    AdvisoryLock(const AdvisoryLock &) = delete;
    AdvisoryLock &operator=(const AdvisoryLock &) = delete;

    Status acquire()
    {
        QSqlQuery query(m_db);
        if (!query.prepare(QStringLiteral("SELECT pg_advisory_lock(:key)")))
            return failed(QStringLiteral("cannot take the migration lock: ") +
                          sqlMessage(query.lastError()));
        query.bindValue(QStringLiteral(":key"), MigrationRunner::AdvisoryLockKey);
        if (!query.exec())
            return failed(QStringLiteral("cannot take the migration lock: ") +
                          sqlMessage(query.lastError()));
        m_held = true;
        return {};
    }

    ~AdvisoryLock()
    {
        if (!m_held)
            return;
        QSqlQuery query(m_db);
        const bool prepared = query.prepare(QStringLiteral("SELECT pg_advisory_unlock(:key)"));
        query.bindValue(QStringLiteral(":key"), MigrationRunner::AdvisoryLockKey);
        if (!prepared || !query.exec() || !query.next() || !query.value(0).toBool())
            Log::warning(QStringLiteral("db.migration.unlock_failed"),
                         {{QStringLiteral("error"), sqlMessage(query.lastError())}});
    }

private:
    QSqlDatabase &m_db;
    bool m_held = false;
};

Status ensureBookkeepingTable(QSqlDatabase &db)
{
    // Checked first rather than CREATE TABLE IF NOT EXISTS alone, which makes the server send
    // a NOTICE that libpq prints to stderr on every start.
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT to_regclass('schema_migrations') IS NOT NULL")) ||
        !query.next())
        return failed(QStringLiteral("cannot look for schema_migrations: ") +
                      sqlMessage(query.lastError()));
    if (query.value(0).toBool())
        return {};
    if (!query.exec(QStringLiteral("CREATE TABLE schema_migrations ("
                                   " version INTEGER PRIMARY KEY,"
                                   " name TEXT NOT NULL,"
                                   " checksum TEXT NOT NULL,"
                                   " applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())")))
        return failed(QStringLiteral("cannot create schema_migrations: ") +
                      sqlMessage(query.lastError()));
    return {};
}

Result<QList<AppliedRow>> readApplied(QSqlDatabase &db)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version")))
        return failed(QStringLiteral("cannot read schema_migrations: ") +
                      sqlMessage(query.lastError()));
    QList<AppliedRow> rows;
    while (query.next())
        rows.append({query.value(0).toInt(), query.value(1).toString(), query.value(2).toString()});
    return rows;
}

// Refuses databases this binary must not migrate; nothing has been changed when it does.
Status checkApplied(const QList<AppliedRow> &applied, const QList<Migration> &known)
{
    const int newest = known.last().version;
    const int current = applied.isEmpty() ? 0 : applied.last().version;
    if (current > newest)
        return makeError(QStringLiteral("SCHEMA_TOO_NEW"),
                         QStringLiteral("database schema is at version %1 but this Gatehouse "
                                        "knows up to %2: upgrade Gatehouse")
                             .arg(current)
                             .arg(newest));

    QHash<int, const Migration *> byVersion;
    for (const Migration &migration : known)
        byVersion.insert(migration.version, &migration);
    for (const AppliedRow &row : applied) {
        const Migration *migration = byVersion.value(row.version);
        if (!migration)
            return makeError(QStringLiteral("SCHEMA_UNKNOWN_MIGRATION"),
                             QStringLiteral("database has migration %1 ('%2') applied, which "
                                            "this Gatehouse does not have")
                                 .arg(row.version)
                                 .arg(row.name));
        if (migration->checksum != row.checksum)
            return makeError(
                QStringLiteral("SCHEMA_CHECKSUM_MISMATCH"),
                QStringLiteral("migration %1 was changed after it was applied (checksum in the "
                               "database %2, file %3): restore the original file and put the "
                               "change into a new migration")
                    .arg(migration->fileName, row.checksum.left(12), migration->checksum.left(12)));
    }
    for (const Migration &migration : known) {
        const bool isApplied = std::any_of(applied.begin(), applied.end(), [&](const auto &row) {
            return row.version == migration.version;
        });
        if (!isApplied && migration.version < current)
            return makeError(QStringLiteral("SCHEMA_OUT_OF_ORDER"),
                             QStringLiteral("migration %1 is not applied but the database is "
                                            "already at version %2: give it a version above %2")
                                 .arg(migration.fileName)
                                 .arg(current));
    }
    return {};
}

// One migration and its bookkeeping row in one transaction: either both or neither.
Status applyOne(QSqlDatabase &db, const Migration &migration)
{
    const auto failure = [&](const QString &what) {
        db.rollback();
        return failed(QStringLiteral("migration %1 failed and was rolled back: %2")
                          .arg(migration.fileName, what));
    };
    if (!db.transaction())
        return failed(QStringLiteral("cannot start a transaction for %1: %2")
                          .arg(migration.fileName, sqlMessage(db.lastError())));

    // One statement per exec: given several, QPSQL runs them all but reports only the first
    // one's result, so a failing later statement would go unnoticed. Not prepared: DDL takes
    // no parameters and a prepared statement could not hold some commands.
    QSqlQuery query(db);
    for (const SqlStatement &statement : migration.statements) {
        if (!query.exec(statement.text))
            return failure(QStringLiteral("statement at line %1: %2")
                               .arg(statement.line)
                               .arg(sqlMessage(query.lastError())));
    }

    if (!query.prepare(QStringLiteral("INSERT INTO schema_migrations (version, name, checksum) "
                                      "VALUES (:version, :name, :checksum)")))
        return failure(QStringLiteral("cannot record it in schema_migrations: ") +
                       sqlMessage(query.lastError()));
    query.bindValue(QStringLiteral(":version"), migration.version);
    query.bindValue(QStringLiteral(":name"), migration.name);
    query.bindValue(QStringLiteral(":checksum"), migration.checksum);
    if (!query.exec())
        return failure(QStringLiteral("cannot record it in schema_migrations: ") +
                       sqlMessage(query.lastError()));
    query.finish();
    if (!db.commit())
        return failure(QStringLiteral("commit failed: ") + sqlMessage(db.lastError()));
    return {};
}

} // namespace

MigrationRunner::MigrationRunner(QString directory) : m_directory(std::move(directory)) {}

Result<QList<Migration>> MigrationRunner::load() const
{
    if (m_directory.startsWith(QLatin1Char(':')))
        initMigrationResources();

    const QDir dir(m_directory);
    if (!dir.exists())
        return makeError(QStringLiteral("MIGRATION_INVALID"),
                         QStringLiteral("migration directory %1 does not exist").arg(m_directory));

    QList<Migration> migrations;
    const QStringList files = dir.entryList(QDir::Files | QDir::Hidden, QDir::Name);
    for (const QString &fileName : files) {
        QFile file(dir.filePath(fileName));
        if (!file.open(QIODevice::ReadOnly))
            return makeError(QStringLiteral("MIGRATION_INVALID"),
                             QStringLiteral("cannot read migration %1: %2")
                                 .arg(file.fileName(), file.errorString()));
        Result<Migration> migration = Migration::fromFile(fileName, file.readAll());
        if (!migration)
            return migration.error();
        migrations.append(std::move(migration).value());
    }
    if (migrations.isEmpty())
        return makeError(QStringLiteral("MIGRATION_INVALID"),
                         QStringLiteral("no migrations found in %1").arg(m_directory));

    std::stable_sort(migrations.begin(), migrations.end(),
                     [](const Migration &a, const Migration &b) { return a.version < b.version; });
    for (qsizetype i = 1; i < migrations.size(); ++i) {
        if (migrations[i].version == migrations[i - 1].version)
            return makeError(QStringLiteral("MIGRATION_INVALID"),
                             QStringLiteral("migrations %1 and %2 have the same version %3")
                                 .arg(migrations[i - 1].fileName, migrations[i].fileName)
                                 .arg(migrations[i].version));
    }
    return migrations;
}

Result<MigrationReport> MigrationRunner::run(QSqlDatabase &db) const
{
    // Validate the files before touching the database, so a broken build changes nothing.
    Result<QList<Migration>> known = load();
    if (!known)
        return known.error();
    if (!db.isOpen())
        return makeError(QStringLiteral("DATABASE_UNAVAILABLE"),
                         QStringLiteral("cannot migrate: the database connection is not open"));

    AdvisoryLock lock(db);
    if (Status locked = lock.acquire(); !locked)
        return locked.error();
    if (Status created = ensureBookkeepingTable(db); !created)
        return created.error();
    Result<QList<AppliedRow>> applied = readApplied(db);
    if (!applied)
        return applied.error();
    if (Status checked = checkApplied(*applied, *known); !checked)
        return checked.error();

    MigrationReport report;
    report.previousVersion = applied->isEmpty() ? 0 : applied->last().version;
    report.currentVersion = report.previousVersion;
    for (const Migration &migration : *known) {
        if (migration.version <= report.previousVersion)
            continue; // checkApplied made sure everything up to here is applied
        QElapsedTimer timer;
        timer.start();
        if (Status done = applyOne(db, migration); !done)
            return done.error();
        report.applied.append(migration.version);
        report.currentVersion = migration.version;
        Log::info(QStringLiteral("db.migration.applied"),
                  {{QStringLiteral("version"), migration.version},
                   {QStringLiteral("name"), migration.name},
                   {QStringLiteral("duration_ms"), timer.elapsed()}});
    }
    return report;
}
