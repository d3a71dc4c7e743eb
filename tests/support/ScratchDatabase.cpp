#include "ScratchDatabase.h"

#include "models/database/MigrationRunner.h"

#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QtGlobal>

namespace {

// Runs one administrative statement on the server's maintenance database through a short-lived
// connection (CREATE/DROP DATABASE cannot run inside the scratch database itself).
Status runOnServer(const DatabaseSettings &admin, const QString &statement, const QString &tag)
{
    const QString connectionName = QStringLiteral("gh_scratch_admin_") + tag;
    Status status;
    {
        Result<QSqlDatabase> db = openDatabase(admin, connectionName);
        if (!db)
            return db.error();
        QSqlQuery query(*db);
        if (!query.exec(statement))
            status = makeError(
                QStringLiteral("SCRATCH_DATABASE"),
                QStringLiteral("'%1' failed: %2").arg(statement, query.lastError().text()));
        query.finish();
        db->close();
    }
    QSqlDatabase::removeDatabase(connectionName);
    return status;
}

} // namespace

Result<DatabaseSettings> ScratchDatabase::serverSettings()
{
    const QString url = qEnvironmentVariable("GH_TEST_DATABASE_URL");
    if (url.isEmpty())
        return makeError(QStringLiteral("SCRATCH_DATABASE"),
                         QStringLiteral("GH_TEST_DATABASE_URL is not set: run the tests through "
                                        "scripts/test, or start throwaway servers first with "
                                        "eval \"$(scripts/test-servers start DIR)\""));
    Result<DatabaseSettings> settings = DatabaseSettings::fromUrl(url);
    if (!settings)
        return makeError(QStringLiteral("SCRATCH_DATABASE"),
                         QStringLiteral("GH_TEST_DATABASE_URL: ") + settings.error().message);
    return settings;
}

ScratchDatabase::ScratchDatabase(Schema schema)
{
    Result<DatabaseSettings> admin = serverSettings();
    if (!admin) {
        m_error = admin.error().message;
        return;
    }
    m_admin = *admin;

    // Only [a-z0-9_]: the name is spliced into CREATE/DROP DATABASE, where identifiers cannot
    // be bound as values.
    const QString suffix =
        QString::number(QRandomGenerator::global()->generate64(), 36).rightJustified(13, u'0');
    m_settings = m_admin;
    m_settings.databaseName = QStringLiteral("gh_test_") + suffix;
    m_connectionName = QStringLiteral("gh_scratch_") + suffix;

    if (Status created = runOnServer(
            m_admin, QStringLiteral("CREATE DATABASE ") + m_settings.databaseName, suffix);
        !created) {
        m_error = created.error().message;
        return;
    }
    m_created = true;

    Result<QSqlDatabase> db = openDatabase(m_settings, m_connectionName);
    if (!db) {
        m_error = db.error().message;
        return;
    }
    if (schema == Schema::Migrated) {
        Result<MigrationReport> migrated = MigrationRunner().run(*db);
        if (!migrated) {
            m_error = QStringLiteral("migrating the scratch database failed: %1 %2")
                          .arg(migrated.error().code, migrated.error().message);
            return;
        }
    }
    m_valid = true;
}

ScratchDatabase::~ScratchDatabase()
{
    if (!m_connectionName.isEmpty() && QSqlDatabase::contains(m_connectionName)) {
        QSqlDatabase::database(m_connectionName, false).close();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
    if (!m_created)
        return;
    // FORCE: a test that failed half-way may have left connections (e.g. from threads) open.
    const Status dropped = runOnServer(
        m_admin,
        QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_settings.databaseName),
        m_connectionName);
    if (!dropped)
        qWarning("ScratchDatabase: %s", qPrintable(dropped.error().message));
}

QSqlDatabase ScratchDatabase::database() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

Result<QSqlDatabase> ScratchDatabase::openConnection(const QString &connectionName) const
{
    if (!m_created)
        return makeError(QStringLiteral("SCRATCH_DATABASE"), m_error);
    return openDatabase(m_settings, connectionName);
}

QStringList ScratchDatabase::tables(const QSqlDatabase &db)
{
    QSqlQuery query(db);
    query.exec(QStringLiteral("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = 'public' ORDER BY table_name"));
    QStringList names;
    while (query.next())
        names << query.value(0).toString();
    return names;
}

QStringList ScratchDatabase::columns(const QSqlDatabase &db, const QString &table)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT column_name FROM information_schema.columns "
                                 "WHERE table_schema = 'public' AND table_name = :table "
                                 "ORDER BY ordinal_position"));
    query.bindValue(QStringLiteral(":table"), table);
    query.exec();
    QStringList names;
    while (query.next())
        names << query.value(0).toString();
    return names;
}
