// The migration runner and the database URL against a real PostgreSQL (scripts/test-servers).

#include "models/database/DatabaseSettings.h"
#include "models/database/MigrationRunner.h"
#include "tests/support/ScratchDatabase.h"

#include <QDir>
#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <array>
#include <atomic>
#include <chrono>
#include <latch>
#include <optional>
#include <thread>

namespace {

QStringList publicTables(const QSqlDatabase &db)
{
    QSqlQuery query(db);
    query.exec(QStringLiteral("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = 'public' ORDER BY table_name"));
    QStringList tables;
    while (query.next())
        tables << query.value(0).toString();
    return tables;
}

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

QStringList columnsOf(const QSqlDatabase &db, const QString &table)
{
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT column_name FROM information_schema.columns "
                                 "WHERE table_schema = 'public' AND table_name = :table "
                                 "ORDER BY ordinal_position"));
    query.bindValue(QStringLiteral(":table"), table);
    query.exec();
    QStringList columns;
    while (query.next())
        columns << query.value(0).toString();
    return columns;
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

const QString kPassword = QStringLiteral("Sup3rS3cret");

} // namespace

class TestMigrations : public QObject
{
    Q_OBJECT

private slots:
    void parseUrl_data();
    void parseUrl();
    void parseUrlErrors_data();
    void parseUrlErrors();
    void urlRoundTrip_data();
    void urlRoundTrip();
    void openDatabaseErrors();
    void connectOptionsReachServer();
    void connectThroughUnixSocket();

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

void TestMigrations::parseUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("socketDir");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("dbname");
    QTest::addColumn<int>("timeout");
    QTest::addColumn<QString>("sslmode");
    QTest::addColumn<QString>("appname");

    const QString none;
    QTest::newRow("full") << "postgresql://alice:s3cret@db.example.org:6543/gatehouse"
                          << "alice" << "s3cret" << "db.example.org" << none << 6543
                          << "gatehouse" << 5 << none << none;
    QTest::newRow("postgres scheme, default port") << "postgres://alice@localhost/gh" << "alice"
                                                   << none << "localhost" << none << 5432 << "gh"
                                                   << 5 << none << none;
    QTest::newRow("scheme is case-insensitive") << "PostgreSQL://alice@localhost/gh" << "alice"
                                                << none << "localhost" << none << 5432 << "gh"
                                                << 5 << none << none;
    QTest::newRow("socket dir in query") << "postgresql://alice@/gh?host=/run/postgresql"
                                         << "alice" << none << none << "/run/postgresql" << 5432
                                         << "gh" << 5 << none << none;
    QTest::newRow("socket dir with port") << "postgresql://alice@:5433/gh?host=%2Ftmp%2Fpg"
                                          << "alice" << none << none << "/tmp/pg" << 5433 << "gh"
                                          << 5 << none << none;
    QTest::newRow("socket dir as encoded host")
        << "postgresql://alice@%2Fvar%2Frun%2Fpostgresql:5433/gh" << "alice" << none << none
        << "/var/run/postgresql" << 5433 << "gh" << 5 << none << none;
    QTest::newRow("percent-encoding") << "postgresql://al%40ice:p%40ss%3Aw%2Fo%20rd%25@host/db%20x"
                                      << "al@ice" << "p@ss:w/o rd%" << "host" << none << 5432
                                      << "db x" << 5 << none << none;
    QTest::newRow("utf-8 password") << "postgresql://alice:%C3%A9t%C3%A9@host/gh" << "alice"
                                    << QStringLiteral("\u00e9t\u00e9") << "host" << none << 5432
                                    << "gh" << 5 << none << none;
    QTest::newRow("default dbname is user") << "postgresql://alice@host" << "alice" << none
                                            << "host" << none << 5432 << "alice" << 5 << none
                                            << none;
    QTest::newRow("empty path: dbname is user") << "postgresql://alice@host:1/" << "alice"
                                                << none << "host" << none << 1 << "alice" << 5
                                                << none << none;
    QTest::newRow("ipv6") << "postgresql://alice@[::1]:5433/gh" << "alice" << none << "::1"
                          << none << 5433 << "gh" << 5 << none << none;
    QTest::newRow("options") << "postgresql://alice@host/gh?connect_timeout=10&sslmode=require"
                                "&application_name=gatehouse%20test"
                             << "alice" << none << "host" << none << 5432 << "gh" << 10
                             << "require" << "gatehouse test";
    QTest::newRow("query overrides") << "postgresql://host/gh?user=bob&password=pw&port=6000"
                                        "&dbname=other"
                                     << "bob" << "pw" << "host" << none << 6000 << "other" << 5
                                     << none << none;
    QTest::newRow("query host replaces authority host")
        << "postgresql://alice@ignored/gh?host=/sock" << "alice" << none << none << "/sock"
        << 5432 << "gh" << 5 << none << none;
    QTest::newRow("surrounding spaces") << "  postgresql://alice@host/gh \n" << "alice" << none
                                        << "host" << none << 5432 << "gh" << 5 << none << none;
}

void TestMigrations::parseUrl()
{
    QFETCH(QString, url);
    const Result<DatabaseSettings> parsed = DatabaseSettings::fromUrl(url);
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : qPrintable(parsed.error().message));
    QTEST(parsed->user, "user");
    QTEST(parsed->password, "password");
    QTEST(parsed->host, "host");
    QTEST(parsed->socketDir, "socketDir");
    QTEST(parsed->port, "port");
    QTEST(parsed->databaseName, "dbname");
    QTEST(parsed->connectTimeoutSeconds, "timeout");
    QTEST(parsed->sslMode, "sslmode");
    QTEST(parsed->applicationName, "appname");
}

void TestMigrations::parseUrlErrors_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("expected"); // part of the message

    const QString base = QStringLiteral("postgresql://gh:Sup3rS3cret@db/gh");
    QTest::newRow("empty") << "" << "empty";
    QTest::newRow("bad scheme") << "mysql://gh:Sup3rS3cret@db/gh" << "scheme 'mysql'";
    QTest::newRow("http scheme") << "http://gh:Sup3rS3cret@db/gh" << "scheme 'http'";
    QTest::newRow("no scheme") << "gh:Sup3rS3cret@db/gh" << "postgresql://";
    QTest::newRow("port too big") << "postgresql://gh:Sup3rS3cret@db:99999/gh" << "port '99999'";
    QTest::newRow("port zero") << "postgresql://gh:Sup3rS3cret@db:0/gh" << "port '0'";
    QTest::newRow("port not a number") << "postgresql://gh:Sup3rS3cret@db:54x2/gh" << "port '54x2'";
    QTest::newRow("port empty") << "postgresql://gh:Sup3rS3cret@db:/gh" << "port ''";
    QTest::newRow("port in query") << base + "?port=70000" << "port '70000'";
    QTest::newRow("missing host") << "postgresql://gh:Sup3rS3cret@/gh" << "no host";
    QTest::newRow("missing host with port") << "postgresql://gh:Sup3rS3cret@:5432/gh" << "no host";
    QTest::newRow("missing user") << "postgresql://:Sup3rS3cret@db/gh" << "no user name";
    QTest::newRow("bad escape in password") << "postgresql://gh:Sup3r%zzS3cret@db/gh"
                                            << "password has a malformed";
    QTest::newRow("truncated escape in password") << "postgresql://gh:Sup3rS3cret%4@db/gh"
                                                  << "password has a malformed";
    QTest::newRow("bad escape in query password") << "postgresql://gh@db/gh?password=Sup3rS3cret%g1"
                                                  << "password has a malformed";
    QTest::newRow("bad escape in host") << "postgresql://gh:Sup3rS3cret@d%zzb/gh"
                                        << "host has a malformed";
    QTest::newRow("several hosts") << "postgresql://gh:Sup3rS3cret@db1,db2/gh" << "several hosts";
    QTest::newRow("ipv6 without brackets") << "postgresql://gh:Sup3rS3cret@::1/gh" << "brackets";
    QTest::newRow("ipv6 unclosed") << "postgresql://gh:Sup3rS3cret@[::1/gh" << "closing ']'";
    QTest::newRow("fragment") << "postgresql://gh:Sup3r#S3cret@db/gh" << "'#'";
    QTest::newRow("bad sslmode") << base + "?sslmode=sometimes" << "sslmode 'sometimes'";
    QTest::newRow("negative timeout") << base + "?connect_timeout=-1" << "connect_timeout '-1'";
    QTest::newRow("word timeout") << base + "?connect_timeout=soon" << "connect_timeout 'soon'";
    QTest::newRow("unknown parameter") << base + "?frobnicate=1" << "unknown parameter 'frobnicate'";
    QTest::newRow("parameter twice") << base + "?sslmode=require&sslmode=disable" << "given twice";
    QTest::newRow("semicolon in option") << base + "?application_name=a;b" << "must not contain ';'";
    QTest::newRow("parameter without value") << base + "?sslmode" << "name=value";
}

void TestMigrations::parseUrlErrors()
{
    QFETCH(QString, url);
    QFETCH(QString, expected);
    const Result<DatabaseSettings> parsed = DatabaseSettings::fromUrl(url);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, QStringLiteral("DATABASE_URL_INVALID"));
    const QString &message = parsed.error().message;
    QVERIFY2(message.contains(expected), qPrintable(message));
    // Neither half of the password, in any case, may leak into a message that gets logged.
    QVERIFY2(!message.contains(QStringLiteral("Sup3r"), Qt::CaseInsensitive), qPrintable(message));
    QVERIFY2(!message.contains(QStringLiteral("S3cret"), Qt::CaseInsensitive), qPrintable(message));
}

void TestMigrations::urlRoundTrip_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("tcp") << "postgresql://alice:Sup3rS3cret@db.example.org:6543/gatehouse";
    QTest::newRow("encoded") << "postgresql://al%40ice:Sup3rS3cret%2F%3A%40@host/db%20x";
    QTest::newRow("socket") << "postgresql://alice:Sup3rS3cret@/gh?host=/run/postgresql";
    QTest::newRow("ipv6") << "postgresql://alice:Sup3rS3cret@[::1]:5433/gh";
    QTest::newRow("options") << "postgresql://alice:Sup3rS3cret@h/gh?connect_timeout=9&"
                                "sslmode=verify-full&application_name=a%20b&sslrootcert=/ca.pem";
}

void TestMigrations::urlRoundTrip()
{
    QFETCH(QString, url);
    const Result<DatabaseSettings> parsed = DatabaseSettings::fromUrl(url);
    QVERIFY(parsed.ok());
    const Result<DatabaseSettings> again = DatabaseSettings::fromUrl(parsed->toUrl());
    QVERIFY2(again.ok(), qPrintable(parsed->redactedUrl()));
    QVERIFY(*again == *parsed);
    const QString redacted = parsed->redactedUrl();
    QVERIFY2(!redacted.contains(QStringLiteral("Sup3r")), qPrintable(redacted));
    QVERIFY(redacted.contains(QStringLiteral(":***@")));
    QVERIFY(!parsed->describeServer().contains(QStringLiteral("Sup3r")));
}

void TestMigrations::openDatabaseErrors()
{
    // Nothing listens on port 1 of a test machine: connection refused, at once.
    DatabaseSettings closed;
    closed.user = QStringLiteral("gh");
    closed.password = kPassword;
    closed.host = QStringLiteral("127.0.0.1");
    closed.port = 1;
    closed.databaseName = QStringLiteral("gh");
    const Result<QSqlDatabase> refused = openDatabase(closed, QStringLiteral("refused"));
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("DATABASE_UNAVAILABLE"));
    QVERIFY2(refused.error().message.contains(QStringLiteral("127.0.0.1:1")),
             qPrintable(refused.error().message));
    QVERIFY(!refused.error().message.contains(kPassword));
    QVERIFY(!QSqlDatabase::contains(QStringLiteral("refused"))); // name freed for a retry

    Result<DatabaseSettings> server = ScratchDatabase::serverSettings();
    QVERIFY2(server.ok(), server.ok() ? "" : qPrintable(server.error().message));
    DatabaseSettings missing = *server;
    missing.databaseName = QStringLiteral("gh_no_such_database");
    missing.password = kPassword;
    const Result<QSqlDatabase> noDb = openDatabase(missing, QStringLiteral("missing"));
    QVERIFY(!noDb.ok());
    QCOMPARE(noDb.error().code, QStringLiteral("DATABASE_UNAVAILABLE"));
    QVERIFY2(noDb.error().message.contains(QStringLiteral("gh_no_such_database")),
             qPrintable(noDb.error().message));
    QVERIFY(!noDb.error().message.contains(kPassword));

    {
        const Result<QSqlDatabase> first = openDatabase(*server, QStringLiteral("twice"));
        QVERIFY(first.ok());
        const Result<QSqlDatabase> second = openDatabase(*server, QStringLiteral("twice"));
        QVERIFY(!second.ok());
        QVERIFY(second.error().message.contains(QStringLiteral("already in use")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("twice"));
}

void TestMigrations::connectOptionsReachServer()
{
    Result<DatabaseSettings> server = ScratchDatabase::serverSettings();
    QVERIFY2(server.ok(), server.ok() ? "" : qPrintable(server.error().message));
    DatabaseSettings settings = *server;
    settings.applicationName = QStringLiteral("gatehouse 'test' \\ name");
    settings.sslMode = QStringLiteral("disable");
    {
        const Result<QSqlDatabase> db = openDatabase(settings, QStringLiteral("options"));
        QVERIFY2(db.ok(), db.ok() ? "" : qPrintable(db.error().message));
        QSqlQuery query(*db);
        QVERIFY(query.exec(QStringLiteral("SELECT current_setting('application_name')")));
        QVERIFY(query.next());
        QCOMPARE(query.value(0).toString(), settings.applicationName);
    }
    QSqlDatabase::removeDatabase(QStringLiteral("options"));

    // The throwaway server has no TLS: sslmode=require must make libpq refuse, which shows the
    // option reaches it.
    settings.sslMode = QStringLiteral("require");
    const Result<QSqlDatabase> tls = openDatabase(settings, QStringLiteral("tls"));
    QVERIFY(!tls.ok());
    QCOMPARE(tls.error().code, QStringLiteral("DATABASE_UNAVAILABLE"));
    QVERIFY2(tls.error().message.contains(QStringLiteral("SSL"), Qt::CaseInsensitive),
             qPrintable(tls.error().message));
}

void TestMigrations::connectThroughUnixSocket()
{
    Result<DatabaseSettings> server = ScratchDatabase::serverSettings();
    QVERIFY2(server.ok(), server.ok() ? "" : qPrintable(server.error().message));
    QString socketDir;
    {
        const Result<QSqlDatabase> db = openDatabase(*server, QStringLiteral("tcp"));
        QVERIFY(db.ok());
        QSqlQuery query(*db);
        QVERIFY(query.exec(QStringLiteral("SHOW unix_socket_directories")) && query.next());
        socketDir = query.value(0).toString().section(QLatin1Char(','), 0, 0).trimmed();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tcp"));
    if (!socketDir.startsWith(QLatin1Char('/')))
        QSKIP("the test server listens on no unix socket directory");

    const QString url = QStringLiteral("postgresql://%1@/%2?host=%3&port=%4")
                            .arg(server->user, server->databaseName,
                                 QString::fromLatin1(QUrl::toPercentEncoding(socketDir)))
                            .arg(server->port);
    const Result<DatabaseSettings> settings = DatabaseSettings::fromUrl(url);
    QVERIFY(settings.ok());
    QCOMPARE(settings->socketDir, socketDir);
    {
        const Result<QSqlDatabase> db = openDatabase(*settings, QStringLiteral("socket"));
        QVERIFY2(db.ok(), db.ok() ? "" : qPrintable(db.error().message));
        QSqlQuery query(*db);
        // inet_client_addr() is NULL exactly for unix-socket connections.
        QVERIFY(query.exec(QStringLiteral("SELECT inet_client_addr() IS NULL")) && query.next());
        QVERIFY(query.value(0).toBool());
    }
    QSqlDatabase::removeDatabase(QStringLiteral("socket"));
}

void TestMigrations::builtInMigrations()
{
    const Result<QList<Migration>> migrations = MigrationRunner().load();
    QVERIFY2(migrations.ok(), migrations.ok() ? "" : qPrintable(migrations.error().message));
    QVERIFY(!migrations->isEmpty());
    const Migration &init = migrations->first();
    QCOMPARE(init.version, 1);
    QCOMPARE(init.name, QStringLiteral("init"));
    QCOMPARE(init.fileName, QStringLiteral("V0001__init.sql"));
    QVERIFY(init.sql.contains("CREATE TABLE users"));
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
    QVERIFY2(migrations.ok(), migrations.ok() ? "" : qPrintable(migrations.error().message));
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
    QVERIFY(!migrations.ok());
    QCOMPARE(migrations.error().code, QStringLiteral("MIGRATION_INVALID"));
    QVERIFY2(migrations.error().message.contains(fileName), qPrintable(migrations.error().message));
}

void TestMigrations::duplicateVersions_data()
{
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("second");
    QTest::newRow("same version") << "V0002__one.sql" << "V0002__other.sql";
    QTest::newRow("same number, other padding") << "V0002__one.sql" << "V00002__other.sql";
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
    QVERIFY(!migrations.ok());
    QCOMPARE(migrations.error().code, QStringLiteral("MIGRATION_INVALID"));
    QVERIFY2(migrations.error().message.contains(first) &&
                 migrations.error().message.contains(second),
             qPrintable(migrations.error().message));
}

void TestMigrations::missingDirectory()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const Result<QList<Migration>> empty = MigrationRunner(dir.path()).load();
    QVERIFY(!empty.ok());
    QCOMPARE(empty.error().code, QStringLiteral("MIGRATION_INVALID"));
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
    QVERIFY(!report.ok());
    QCOMPARE(report.error().code, QStringLiteral("MIGRATION_INVALID"));
    QCOMPARE(publicTables(db), QStringList()); // not even schema_migrations
}

void TestMigrations::migrateFromEmpty()
{
    GH_SCRATCH_DATABASE(scratch);
    QSqlDatabase db = scratch.database();
    const Result<MigrationReport> report = MigrationRunner().run(db);
    QVERIFY2(report.ok(), report.ok() ? "" : qPrintable(report.error().message));
    QCOMPARE(report->previousVersion, 0);
    QCOMPARE(report->currentVersion, 1);
    QCOMPARE(report->applied, QList<int>{1});
    QCOMPARE(publicTables(db),
             (QStringList{QStringLiteral("auth_providers"), QStringLiteral("passkey_credentials"),
                          QStringLiteral("schema_migrations"), QStringLiteral("sessions"),
                          QStringLiteral("users")}));

    QSqlQuery query(db);
    QVERIFY(query.exec(QStringLiteral("SELECT version, name, checksum, applied_at "
                                      "FROM schema_migrations")));
    QVERIFY(query.next());
    QCOMPARE(query.value(0).toInt(), 1);
    QCOMPARE(query.value(1).toString(), QStringLiteral("init"));
    QCOMPARE(query.value(2).toString(), Migration::checksumOf(builtInInitSql()));
    QVERIFY(query.value(3).toDateTime().isValid());
    QVERIFY(!query.next());
    QVERIFY(migrationLockIsFree(db));
}

void TestMigrations::rerunIsNoop()
{
    GH_SCRATCH_DATABASE(scratch, ScratchDatabase::Schema::Migrated);
    QSqlDatabase db = scratch.database();
    const QStringList before = migrationRows(db);
    QCOMPARE(before.size(), 1);
    for (int i = 0; i < 2; ++i) {
        const Result<MigrationReport> report = MigrationRunner().run(db);
        QVERIFY2(report.ok(), report.ok() ? "" : qPrintable(report.error().message));
        QCOMPARE(report->applied, QList<int>());
        QCOMPARE(report->previousVersion, 1);
        QCOMPARE(report->currentVersion, 1);
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
            QVERIFY2(result->ok(), result->ok() ? "" : qPrintable(result->error().message));
            QCOMPARE((*result)->currentVersion, 1);
            appliedByAnyone += (*result)->applied;
        }
        QCOMPARE(appliedByAnyone, QList<int>{1}); // exactly once between the two
        QCOMPARE(migrationRows(scratch.database()).size(), 1);
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
    const QStringList tablesWhileLocked = publicTables(holder);
    QSqlQuery unlock(holder);
    unlock.prepare(QStringLiteral("SELECT pg_advisory_unlock(:key)"));
    unlock.bindValue(QStringLiteral(":key"), MigrationRunner::AdvisoryLockKey);
    const bool unlocked = unlock.exec();
    waiter.join();

    QVERIFY(unlocked);
    QVERIFY(!finishedWhileLocked);
    QCOMPARE(tablesWhileLocked, QStringList()); // it waited before touching anything
    QVERIFY(result.has_value());
    QVERIFY2(result->ok(), result->ok() ? "" : qPrintable(result->error().message));
    QCOMPARE((*result)->applied, QList<int>{1});
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
    const QStringList tablesBefore = publicTables(db);
    const QStringList rowsBefore = migrationRows(db);

    const Result<MigrationReport> report = MigrationRunner().run(db);
    QVERIFY(!report.ok());
    QCOMPARE(report.error().code, QStringLiteral("SCHEMA_TOO_NEW"));
    QCOMPARE(report.error().message,
             QStringLiteral("database schema is at version 9999 but this Gatehouse knows up to "
                            "1: upgrade Gatehouse"));
    QCOMPARE(publicTables(db), tablesBefore);
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
    QVERIFY(!report.ok());
    QCOMPARE(report.error().code, QStringLiteral("SCHEMA_TOO_NEW"));
    QCOMPARE(publicTables(db), QStringList{QStringLiteral("schema_migrations")});
    QCOMPARE(migrationRows(db).size(), 1);
}

void TestMigrations::refusesChangedMigrationFile()
{
    GH_SCRATCH_DATABASE(scratch, ScratchDatabase::Schema::Migrated);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V0001__init.sql")),
                      builtInInitSql() + "\n-- edited after release\n"));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("V0002__more.sql")),
                      "CREATE TABLE should_not_exist (id INTEGER);"));
    QSqlDatabase db = scratch.database();
    const QStringList rowsBefore = migrationRows(db);
    const Result<MigrationReport> report = MigrationRunner(dir.path()).run(db);
    QVERIFY(!report.ok());
    QCOMPARE(report.error().code, QStringLiteral("SCHEMA_CHECKSUM_MISMATCH"));
    QVERIFY2(report.error().message.contains(QStringLiteral("V0001__init.sql")),
             qPrintable(report.error().message));
    QVERIFY(!publicTables(db).contains(QStringLiteral("should_not_exist")));
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
    QVERIFY(!report.ok());
    QCOMPARE(report.error().code, QStringLiteral("SCHEMA_CHECKSUM_MISMATCH"));
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
    QVERIFY(!report.ok());
    QCOMPARE(report.error().code, QStringLiteral("MIGRATION_FAILED"));
    QVERIFY2(report.error().message.contains(QStringLiteral("V0002__broken.sql")),
             qPrintable(report.error().message));
    QVERIFY2(report.error().message.contains(QStringLiteral("no_such_table")),
             qPrintable(report.error().message));

    QVERIFY(!publicTables(db).contains(QStringLiteral("extra_one")));
    QVERIFY(!columnsOf(db, QStringLiteral("users")).contains(QStringLiteral("nickname")));
    const QStringList rows = migrationRows(db);
    QCOMPARE(rows.size(), 1); // V0001 was committed on its own; V0002 left no row
    QVERIFY(rows.first().startsWith(QStringLiteral("1|init|")));
    QVERIFY(migrationLockIsFree(db));
    QVERIFY(db.isOpen()); // the connection stays usable after the failure

    // Fixing the file lets the next start finish the job.
    QVERIFY(writeFile(broken, "CREATE TABLE extra_one (id INTEGER);\n"
                              "ALTER TABLE users ADD COLUMN nickname TEXT;\n"));
    const Result<MigrationReport> fixed = MigrationRunner(dir.path()).run(db);
    QVERIFY2(fixed.ok(), fixed.ok() ? "" : qPrintable(fixed.error().message));
    QCOMPARE(fixed->applied, QList<int>{2});
    QCOMPARE(fixed->previousVersion, 1);
    QCOMPARE(fixed->currentVersion, 2);
    QVERIFY(publicTables(db).contains(QStringLiteral("extra_one")));
}

QTEST_GUILESS_MAIN(TestMigrations)
#include "TestMigrations.moc"
