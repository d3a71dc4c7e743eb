#pragma once

#include "models/common/Result.h"
#include "models/database/DatabaseSettings.h"

#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QTest>

// A fresh, uniquely named PostgreSQL database (gh_test_<random>) on the throwaway server named
// by GH_TEST_DATABASE_URL (a superuser URL to its `postgres` database), dropped WITH (FORCE)
// when the object goes away, so each test starts from a known state and leaves nothing behind.
//
//     ScratchDatabase scratch(ScratchDatabase::Schema::Migrated);
//     QVERIFY2(scratch.isValid(), qPrintable(scratch.errorString()));
//     QSqlQuery query(scratch.database());
//
// or, in one line, GH_SCRATCH_DATABASE(scratch, ScratchDatabase::Schema::Migrated);
//
// database() is opened in, and belongs to, the constructing thread. Other threads open their
// own connection with openConnection(). Not copyable.
class ScratchDatabase
{
public:
    enum class Schema
    {
        Empty,    // nothing in it
        Migrated, // MigrationRunner applied with the built-in migrations
    };

    explicit ScratchDatabase(Schema schema = Schema::Empty);
    ~ScratchDatabase();
    ScratchDatabase(const ScratchDatabase &) = delete;
    ScratchDatabase &operator=(const ScratchDatabase &) = delete;

    // False when the server is not configured or not reachable; errorString() says why and
    // how to fix it (GH_TEST_DATABASE_URL unset: run through scripts/test).
    bool isValid() const { return m_valid; }
    const QString &errorString() const { return m_error; }

    const QString &name() const { return m_settings.databaseName; }
    const DatabaseSettings &settings() const { return m_settings; }
    QString url() const { return m_settings.toUrl(); }
    const QString &connectionName() const { return m_connectionName; }
    // The connection opened by the constructor.
    QSqlDatabase database() const;

    // Another connection to this database, e.g. for another thread; call it from that thread.
    // The caller closes it and calls QSqlDatabase::removeDatabase(connectionName); connections
    // still open when the scratch database is dropped are terminated by the server.
    Result<QSqlDatabase> openConnection(const QString &connectionName) const;

    // Catalog helpers for assertions: tables of the public schema (sorted by name) and the
    // columns of one of them (in table order). Empty when the query fails.
    static QStringList tables(const QSqlDatabase &db);
    static QStringList columns(const QSqlDatabase &db, const QString &table);

    // The server from GH_TEST_DATABASE_URL, or the error that tells the developer what to do.
    static Result<DatabaseSettings> serverSettings();

private:
    bool m_valid = false;
    bool m_created = false;
    QString m_error;
    DatabaseSettings m_admin;
    DatabaseSettings m_settings;
    QString m_connectionName;
};

// Declares `var` and fails the current test function (returning from it) when it is unusable.
#define GH_SCRATCH_DATABASE(var, ...)                                                              \
    ScratchDatabase var{__VA_ARGS__};                                                              \
    QVERIFY2(var.isValid(), qPrintable(var.errorString()))
