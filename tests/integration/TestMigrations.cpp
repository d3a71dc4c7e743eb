// The migration runner and its SQL statement splitter, against a real PostgreSQL
// (scripts/test-servers).

#include "models/database/MigrationRunner.h"
#include "tests/support/ScratchDatabase.h"

#include <QDir>
#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <array>
#include <atomic>
#include <chrono>
#include <latch>
#include <optional>
#include <thread>

namespace {

// version|name|checksum|applied_at per row: compares the bookkeeping before and after a run.
QStringList migrationRows(const QSqlDatabase &db)
{
    QSqlQuery query(db);
    query.exec(QStringLiteral("SELECT version, name, checksum, applied_at "
                              "FROM schema_migrations ORDER BY version"));
    QStringList rows;
    while (query.next())
        rows << QStringLiteral("%1|%2|%3|%4")
                    .arg(query.value(0).toString(), query.value(1).toString(),
                         query.value(2).toString(),
                         query.value(3).toDateTime().toString(Qt::ISODateWithMs));
    return rows;
}

// True when nobody holds the migration lock (the runner must release it on every path).
bool migrationLockIsFree(const QSqlDatabase &db)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT pg_try_advisory_lock(:key)"));
    query.bindValue(QStringLiteral(":key"), MigrationRunner::AdvisoryLockKey);
    if (!query.exec() || !query.next() || !query.value(0).toBool())
        return false;
    query.prepare(QStringLiteral("SELECT pg_advisory_unlock(:key)"));
    query.bindValue(QStringLiteral(":key"), MigrationRunner::AdvisoryLockKey);
    return query.exec();
}

QByteArray builtInInitSql()
{
    const Result<QList<Migration>> migrations = MigrationRunner().load();
    return migrations ? migrations->first().sql : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

} // namespace

// Checks a Result and shows its error message when it is not ok.
#define VERIFY_ERROR(result, expectedCode)                                                         \
    QVERIFY(!(result).ok());                                                                       \
    QCOMPARE((result).error().code, QStringLiteral(expectedCode))
#define VERIFY_OK(result)                                                                          \
    QVERIFY2((result).ok(), (result).ok() ? "" : qPrintable((result).error().message))

class TestMigrations : public QObject
{
    Q_OBJECT

private slots:
    void splitStatements_data();
    void splitStatements();
    void splitStatementsErrors_data();
    void splitStatementsErrors();
    void builtInMigrations();
    void validFileNames();
    void badFileNames_data();
    void badFileNames();
    void duplicateVersions_data();
    void duplicateVersions();
    void missingDirectory();
    void badFilesChangeNothing();

    void migrateFromEmpty();
    void rerunIsNoop();
    void racingRunners();
    void runnerWaitsForLock();
    void refusesNewerSchema();
    void refusesNewerSchemaOnEmptyDatabase();
    void refusesChangedMigrationFile();
    void refusesChangedChecksum();
    void brokenMigrationRollsBack();
};

void TestMigrations::splitStatements_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QStringList>("statements"); // "<line>: <text>"
    const auto list = [](std::initializer_list<const char *> items) {
        QStringList out;
        for (const char *item : items)
            out << QString::fromUtf8(item);
        return out;
    };
    // clang-format off
    QTest::newRow("two") << "CREATE TABLE a (x INT);\nCREATE TABLE b (y INT);\n" << list({"1: CREATE TABLE a (x INT)", "2: CREATE TABLE b (y INT)"});
    QTest::newRow("no final semicolon") << "SELECT 1;\n\nSELECT 2" << list({"1: SELECT 1", "3: SELECT 2"});
    QTest::newRow("comments dropped") << "-- header; not code\n/* block; */\nSELECT 1; -- tail;\n" << list({"3: SELECT 1"});
    QTest::newRow("nested block comment") << "/* a /* b; */ c; */ SELECT 1;" << list({"1: SELECT 1"});
    QTest::newRow("string with semicolon") << "SELECT 'a;b', 'it''s;';SELECT 2;" << list({"1: SELECT 'a;b', 'it''s;'", "1: SELECT 2"});
    QTest::newRow("E string, backslash quote") << "SELECT E'a\\';b';SELECT 2;" << list({"1: SELECT E'a\\';b'", "1: SELECT 2"});
    QTest::newRow("plain string, backslash") << "SELECT 'a\\';SELECT 2;" << list({"1: SELECT 'a\\'", "1: SELECT 2"});
    QTest::newRow("quoted identifier") << "CREATE TABLE \"a;\"\"b\" (x INT);" << list({"1: CREATE TABLE \"a;\"\"b\" (x INT)"});
    QTest::newRow("dollar quoted") << "DO $$ BEGIN PERFORM 1; END $$;\nSELECT 2;" << list({"1: DO $$ BEGIN PERFORM 1; END $$", "2: SELECT 2"});
    QTest::newRow("tagged dollar quote") << "SELECT $fn$ a;$$;b $fn$;" << list({"1: SELECT $fn$ a;$$;b $fn$"});
    QTest::newRow("parameter is not a quote") << "PREPARE p AS SELECT $1;SELECT 2;" << list({"1: PREPARE p AS SELECT $1", "1: SELECT 2"});
    QTest::newRow("only comments") << "-- nothing\n/* here */\n;;" << QStringList();
    // clang-format on
}

void TestMigrations::splitStatements()
{
    QFETCH(QString, sql);
    const Result<QList<SqlStatement>> split = Migration::splitStatements(sql);
    VERIFY_OK(split);
    QStringList statements;
    for (const SqlStatement &statement : *split)
        statements << QString::number(statement.line) + QStringLiteral(": ") + statement.text;
    QTEST(statements, "statements");
}

void TestMigrations::splitStatementsErrors_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QString>("expected");
    // clang-format off
    QTest::newRow("string") << "SELECT 1;\nSELECT 'abc;" << "string literal starting at line 2";
    QTest::newRow("identifier") << "SELECT \"abc;" << "quoted identifier";
    QTest::newRow("comment") << "SELECT 1; /* /* */" << "/* comment";
    QTest::newRow("dollar") << "DO $x$ BEGIN END $y$;" << "dollar-quoted string $x$";
    QTest::newRow("E string escaped end") << "SELECT E'abc\\';" << "string literal";
    // clang-format on
}

void TestMigrations::splitStatementsErrors()
{
    QFETCH(QString, sql);
    QFETCH(QString, expected);
    const Result<QList<SqlStatement>> split = Migration::splitStatements(sql);
    VERIFY_ERROR(split, "MIGRATION_INVALID");
    QVERIFY2(split.error().message.contains(expected), qPrintable(split.error().message));
}

void TestMigrations::builtInMigrations()
{
    const Result<QList<Migration>> migrations = MigrationRunner().load();
    VERIFY_OK(migrations);
    QVERIFY(!migrations->isEmpty());
    const Migration &init = migrations->first();
    QCOMPARE(init.version, 1);
    QCOMPARE(init.name, QStringLiteral("init"));
    QCOMPARE(init.fileName, QStringLiteral("V0001__init.sql"));
    QVERIFY(init.sql.contains("CREATE TABLE users"));
    QCOMPARE(init.statements.size(), 13); // 4 tables, 9 indexes
    QCOMPARE(init.checksum.size(), 64);
}

void TestMigrations::validFileNames()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V10000__Big_Step2.sql")), "SELECT 1;"));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V0002__add_things.sql")), "SELECT 1;"));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V0001__init.sql")), "SELECT 1;"));
    const Result<QList<Migration>> migrations = MigrationRunner(dir.path()).load();
    VERIFY_OK(migrations);
    QCOMPARE(migrations->size(), 3);
    QCOMPARE(migrations->at(0).version, 1);
    QCOMPARE(migrations->at(1).version, 2);
    QCOMPARE(migrations->at(1).name, QStringLiteral("add_things"));
    QCOMPARE(migrations->at(2).version, 10000);
    QCOMPARE(migrations->at(2).name, QStringLiteral("Big_Step2"));
}

void TestMigrations::badFileNames_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::newRow("too few digits") << "V2__two.sql";
    QTest::newRow("single underscore") << "V0002_two.sql";
    QTest::newRow("lowercase v") << "v0002__two.sql";
    QTest::newRow("no name") << "V0002__.sql";
    QTest::newRow("space in name") << "V0002__two things.sql";
    QTest::newRow("dash in name") << "V0002__two-things.sql";
    QTest::newRow("name starts with underscore") << "V0002___two.sql";
    QTest::newRow("wrong extension") << "V0002__two.txt";
    QTest::newRow("no extension") << "V0002__two";
    QTest::newRow("no V") << "0002__two.sql";
    QTest::newRow("version zero") << "V0000__zero.sql";
    QTest::newRow("version too big") << "V99999999999__huge.sql";
    QTest::newRow("stray file") << "README";
    QTest::newRow("hidden file") << ".V0002__two.sql";
    QTest::newRow("editor backup") << "V0002__two.sql~";
}

void TestMigrations::badFileNames()
{
    QFETCH(QString, fileName);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V0001__init.sql")), "SELECT 1;"));
    QVERIFY(writeFile(dir.filePath(fileName), "SELECT 1;"));
    const Result<QList<Migration>> migrations = MigrationRunner(dir.path()).load();
    VERIFY_ERROR(migrations, "MIGRATION_INVALID");
    QVERIFY2(migrations.error().message.contains(fileName), qPrintable(migrations.error().message));
}

void TestMigrations::duplicateVersions_data()
{
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("second");
    QTest::newRow("same version") << "V0002__one.sql"
                                  << "V0002__other.sql";
    QTest::newRow("same number, other padding") << "V0002__one.sql"
                                                << "V00002__other.sql";
}

void TestMigrations::duplicateVersions()
{
    QFETCH(QString, first);
    QFETCH(QString, second);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V0001__init.sql")), "SELECT 1;"));
    QVERIFY(writeFile(dir.filePath(first), "SELECT 1;"));
    QVERIFY(writeFile(dir.filePath(second), "SELECT 1;"));
    const Result<QList<Migration>> migrations = MigrationRunner(dir.path()).load();
    VERIFY_ERROR(migrations, "MIGRATION_INVALID");
    QVERIFY2(migrations.error().message.contains(first) &&
                 migrations.error().message.contains(second),
             qPrintable(migrations.error().message));
}

void TestMigrations::missingDirectory()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const Result<QList<Migration>> empty = MigrationRunner(dir.path()).load();
    VERIFY_ERROR(empty, "MIGRATION_INVALID");
    const Result<QList<Migration>> missing =
        MigrationRunner(dir.filePath(QStringLiteral("nowhere"))).load();
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().message.contains(QStringLiteral("does not exist")));
}

void TestMigrations::badFilesChangeNothing()
{
    GH_SCRATCH_DATABASE(scratch);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V0001__init.sql")), builtInInitSql()));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V0002_typo.sql")), "SELECT 1;"));
    QSqlDatabase db = scratch.database();
    const Result<MigrationReport> report = MigrationRunner(dir.path()).run(db);
    VERIFY_ERROR(report, "MIGRATION_INVALID");
    QCOMPARE(ScratchDatabase::tables(db), QStringList()); // not even schema_migrations
}

namespace {
// The versions this binary carries (V0001 and whatever came after it), in order.
QList<int> builtInVersions()
{
    QList<int> versions;
    const auto migrations = MigrationRunner().load();
    if (migrations)
        for (const Migration &migration : *migrations)
            versions.append(migration.version);
    return versions;
}
} // namespace

void TestMigrations::migrateFromEmpty()
{
    GH_SCRATCH_DATABASE(scratch);
    QSqlDatabase db = scratch.database();
    const Result<MigrationReport> report = MigrationRunner().run(db);
    VERIFY_OK(report);
    QCOMPARE(report->previousVersion, 0);
    QCOMPARE(report->currentVersion, builtInVersions().last());
    QCOMPARE(report->applied, builtInVersions());
    const QStringList tables = ScratchDatabase::tables(db);
    for (const char *seedTable : {"auth_providers", "passkey_credentials", "schema_migrations",
                                  "sessions", "users"})
        QVERIFY2(tables.contains(QLatin1String(seedTable)), seedTable);

    QSqlQuery query(db);
    QVERIFY(query.exec(QStringLiteral("SELECT version, name, checksum, applied_at "
                                      "FROM schema_migrations ORDER BY version")));
    QVERIFY(query.next());
    QCOMPARE(query.value(0).toInt(), 1);
    QCOMPARE(query.value(1).toString(), QStringLiteral("init"));
    QCOMPARE(query.value(2).toString(), Migration::checksumOf(builtInInitSql()));
    QVERIFY(query.value(3).toDateTime().isValid());
    int rows = 1;
    while (query.next())
        ++rows;
    QCOMPARE(rows, builtInVersions().size());
    QVERIFY(migrationLockIsFree(db));
}

void TestMigrations::rerunIsNoop()
{
    GH_SCRATCH_DATABASE(scratch, ScratchDatabase::Schema::Migrated);
    QSqlDatabase db = scratch.database();
    const QStringList before = migrationRows(db);
    QCOMPARE(before.size(), builtInVersions().size());
    for (int i = 0; i < 2; ++i) {
        const Result<MigrationReport> report = MigrationRunner().run(db);
        VERIFY_OK(report);
        QCOMPARE(report->applied, QList<int>());
        QCOMPARE(report->previousVersion, builtInVersions().last());
        QCOMPARE(report->currentVersion, builtInVersions().last());
    }
    QCOMPARE(migrationRows(db), before);
}

void TestMigrations::racingRunners()
{
    // A few rounds, because one lucky interleaving proves little.
    for (int round = 0; round < 3; ++round) {
        GH_SCRATCH_DATABASE(scratch);
        std::latch start(2);
        std::array<std::optional<Result<MigrationReport>>, 2> results;
        const auto runner = [&](int index) {
            const QString name = QStringLiteral("race_%1_%2").arg(round).arg(index);
            {
                Result<QSqlDatabase> db = scratch.openConnection(name);
                if (!db) {
                    results[index].emplace(db.error());
                    start.count_down();
                    return;
                }
                start.arrive_and_wait(); // both connected: now race
                results[index].emplace(MigrationRunner().run(*db));
                db->close();
            }
            QSqlDatabase::removeDatabase(name);
        };
        std::thread first(runner, 0);
        std::thread second(runner, 1);
        first.join();
        second.join();

        QList<int> appliedByAnyone;
        for (const auto &result : results) {
            QVERIFY(result.has_value());
            VERIFY_OK(*result);
            QCOMPARE((*result)->currentVersion, builtInVersions().last());
            appliedByAnyone += (*result)->applied;
        }
        std::sort(appliedByAnyone.begin(), appliedByAnyone.end());
        QCOMPARE(appliedByAnyone, builtInVersions()); // each exactly once between the two
        QCOMPARE(migrationRows(scratch.database()).size(), builtInVersions().size());
    }
}

void TestMigrations::runnerWaitsForLock()
{
    GH_SCRATCH_DATABASE(scratch);
    QSqlDatabase holder = scratch.database();
    QSqlQuery lock(holder);
    lock.prepare(QStringLiteral("SELECT pg_advisory_lock(:key)"));
    lock.bindValue(QStringLiteral(":key"), MigrationRunner::AdvisoryLockKey);
    QVERIFY(lock.exec());

    std::atomic<bool> finished{false};
    std::optional<Result<MigrationReport>> result;
    std::thread waiter([&] {
        {
            Result<QSqlDatabase> db = scratch.openConnection(QStringLiteral("waiter"));
            if (db)
                result.emplace(MigrationRunner().run(*db));
            else
                result.emplace(db.error());
        }
        QSqlDatabase::removeDatabase(QStringLiteral("waiter"));
        finished = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // Record, release and join before any QVERIFY: a failed check returns, and a joinable
    // std::thread going out of scope would terminate the test binary.
    const bool finishedWhileLocked = finished;
    const QStringList tablesWhileLocked = ScratchDatabase::tables(holder);
    QSqlQuery unlock(holder);
    unlock.prepare(QStringLiteral("SELECT pg_advisory_unlock(:key)"));
    unlock.bindValue(QStringLiteral(":key"), MigrationRunner::AdvisoryLockKey);
    const bool unlocked = unlock.exec();
    waiter.join();

    QVERIFY(unlocked);
    QVERIFY(!finishedWhileLocked);
    QCOMPARE(tablesWhileLocked, QStringList()); // it waited before touching anything
    QVERIFY(result.has_value());
    VERIFY_OK(*result);
    QCOMPARE((*result)->applied, builtInVersions());
}

void TestMigrations::refusesNewerSchema()
{
    GH_SCRATCH_DATABASE(scratch, ScratchDatabase::Schema::Migrated);
    QSqlDatabase db = scratch.database();
    QSqlQuery insert(db);
    insert.prepare(QStringLiteral("INSERT INTO schema_migrations (version, name, checksum) "
                                  "VALUES (:version, :name, :checksum)"));
    insert.bindValue(QStringLiteral(":version"), 9999);
    insert.bindValue(QStringLiteral(":name"), QStringLiteral("from_the_future"));
    insert.bindValue(QStringLiteral(":checksum"), QStringLiteral("abc"));
    QVERIFY(insert.exec());
    const QStringList tablesBefore = ScratchDatabase::tables(db);
    const QStringList rowsBefore = migrationRows(db);

    const Result<MigrationReport> report = MigrationRunner().run(db);
    VERIFY_ERROR(report, "SCHEMA_TOO_NEW");
    QCOMPARE(report.error().message,
             QStringLiteral("database schema is at version 9999 but this Gatehouse knows up to %1: "
                            "upgrade Gatehouse")
                 .arg(builtInVersions().last()));
    QCOMPARE(ScratchDatabase::tables(db), tablesBefore);
    QCOMPARE(migrationRows(db), rowsBefore);
    QVERIFY(migrationLockIsFree(db));
}

void TestMigrations::refusesNewerSchemaOnEmptyDatabase()
{
    // Only the bookkeeping says "newer": V0001 must not be applied underneath it.
    GH_SCRATCH_DATABASE(scratch);
    QSqlDatabase db = scratch.database();
    QSqlQuery query(db);
    QVERIFY(query.exec(QStringLiteral("CREATE TABLE schema_migrations (version INTEGER PRIMARY "
                                      "KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, "
                                      "applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())")));
    QVERIFY(query.exec(QStringLiteral("INSERT INTO schema_migrations (version, name, checksum) "
                                      "VALUES (9999, 'future', 'abc')")));
    const Result<MigrationReport> report = MigrationRunner().run(db);
    VERIFY_ERROR(report, "SCHEMA_TOO_NEW");
    QCOMPARE(ScratchDatabase::tables(db), QStringList{QStringLiteral("schema_migrations")});
    QCOMPARE(migrationRows(db).size(), 1);
}

void TestMigrations::refusesChangedMigrationFile()
{
    GH_SCRATCH_DATABASE(scratch, ScratchDatabase::Schema::Migrated);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // Every built-in migration as released, but V0001 edited, plus one new migration.
    const auto builtIn = MigrationRunner().load();
    QVERIFY(builtIn);
    for (const Migration &migration : *builtIn)
        QVERIFY(writeFile(dir.filePath(migration.fileName),
                          migration.version == 1 ? builtInInitSql() + "\n-- edited after release\n"
                                                 : migration.sql));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V%1__more.sql").arg(builtIn->last().version + 1, 4, 10, QLatin1Char('0'))),
                      "CREATE TABLE should_not_exist (id INTEGER);"));
    QSqlDatabase db = scratch.database();
    const QStringList rowsBefore = migrationRows(db);
    const Result<MigrationReport> report = MigrationRunner(dir.path()).run(db);
    VERIFY_ERROR(report, "SCHEMA_CHECKSUM_MISMATCH");
    QVERIFY2(report.error().message.contains(QStringLiteral("V0001__init.sql")),
             qPrintable(report.error().message));
    QVERIFY(!ScratchDatabase::tables(db).contains(QStringLiteral("should_not_exist")));
    QCOMPARE(migrationRows(db), rowsBefore);
    QVERIFY(migrationLockIsFree(db));
}

void TestMigrations::refusesChangedChecksum()
{
    GH_SCRATCH_DATABASE(scratch, ScratchDatabase::Schema::Migrated);
    QSqlDatabase db = scratch.database();
    QSqlQuery query(db);
    query.prepare(QStringLiteral("UPDATE schema_migrations SET checksum = :checksum "
                                 "WHERE version = 1"));
    query.bindValue(QStringLiteral(":checksum"), QString(64, QLatin1Char('0')));
    QVERIFY(query.exec());
    const Result<MigrationReport> report = MigrationRunner().run(db);
    VERIFY_ERROR(report, "SCHEMA_CHECKSUM_MISMATCH");
}

void TestMigrations::brokenMigrationRollsBack()
{
    GH_SCRATCH_DATABASE(scratch);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V0001__init.sql")), builtInInitSql()));
    // Two statements that succeed, then one that fails: all three must vanish together.
    const QString broken = dir.filePath(QStringLiteral("V0002__broken.sql"));
    QVERIFY(writeFile(broken, "CREATE TABLE extra_one (id INTEGER);\n"
                              "ALTER TABLE users ADD COLUMN nickname TEXT;\n"
                              "INSERT INTO no_such_table VALUES (1);\n"));
    QSqlDatabase db = scratch.database();
    const Result<MigrationReport> report = MigrationRunner(dir.path()).run(db);
    VERIFY_ERROR(report, "MIGRATION_FAILED");
    QVERIFY2(report.error().message.contains(QStringLiteral("V0002__broken.sql")),
             qPrintable(report.error().message));
    QVERIFY2(report.error().message.contains(QStringLiteral("no_such_table")),
             qPrintable(report.error().message));

    QVERIFY(!ScratchDatabase::tables(db).contains(QStringLiteral("extra_one")));
    QVERIFY(!ScratchDatabase::columns(db, QStringLiteral("users"))
                 .contains(QStringLiteral("nickname")));
    const QStringList rows = migrationRows(db);
    QCOMPARE(rows.size(), 1); // V0001 was committed on its own; V0002 left no row
    QVERIFY(rows.first().startsWith(QStringLiteral("1|init|")));
    QVERIFY(migrationLockIsFree(db));
    QVERIFY(db.isOpen()); // the connection stays usable after the failure

    // Fixing the file lets the next start finish the job.
    QVERIFY(writeFile(broken, "CREATE TABLE extra_one (id INTEGER);\n"
                              "ALTER TABLE users ADD COLUMN nickname TEXT;\n"));
    const Result<MigrationReport> fixed = MigrationRunner(dir.path()).run(db);
    VERIFY_OK(fixed);
    QCOMPARE(fixed->applied, QList<int>{2});
    QCOMPARE(fixed->previousVersion, 1);
    QCOMPARE(fixed->currentVersion, 2);
    QVERIFY(ScratchDatabase::tables(db).contains(QStringLiteral("extra_one")));
}

QTEST_GUILESS_MAIN(TestMigrations)
#include "TestMigrations.moc"
