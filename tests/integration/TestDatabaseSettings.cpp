// DatabaseSettings: URL parsing and its round trip, and openDatabase() against a real
// PostgreSQL (scripts/test-servers).

#include "models/database/DatabaseSettings.h"
#include "tests/support/ScratchDatabase.h"

#include <QSqlQuery>
#include <QTest>
#include <QUrl>

namespace {

const QString kPassword = QStringLiteral("Sup3rS3cret");

} // namespace

// Checks a Result and shows its error message when it is not ok.
#define VERIFY_ERROR(result, expectedCode)                                                         \
    QVERIFY(!(result).ok());                                                                       \
    QCOMPARE((result).error().code, QStringLiteral(expectedCode))
#define VERIFY_OK(result)                                                                          \
    QVERIFY2((result).ok(), (result).ok() ? "" : qPrintable((result).error().message))

class TestDatabaseSettings : public QObject
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
};

// Everything fromUrl() extracted, on one line so a data row stays readable.
static QString describe(const DatabaseSettings &s)
{
    return QStringList{s.user,
                       s.password,
                       s.host,
                       s.socketDir,
                       QString::number(s.port),
                       s.databaseName,
                       QString::number(s.connectTimeoutSeconds),
                       s.sslMode,
                       s.applicationName}
        .join(QLatin1Char('|'));
}

void TestDatabaseSettings::parseUrl_data()
{
    QTest::addColumn<QString>("url");
    // user|password|host|socketDir|port|dbname|connect_timeout|sslmode|application_name
    QTest::addColumn<QString>("expected");
    // clang-format off
    QTest::newRow("full") << "postgresql://alice:s3cret@db.example.org:6543/gatehouse" << "alice|s3cret|db.example.org||6543|gatehouse|5||";
    QTest::newRow("postgres scheme, default port") << "postgres://alice@localhost/gh" << "alice||localhost||5432|gh|5||";
    QTest::newRow("scheme is case-insensitive") << "PostgreSQL://alice@localhost/gh" << "alice||localhost||5432|gh|5||";
    QTest::newRow("socket dir in query") << "postgresql://alice@/gh?host=/run/postgresql" << "alice|||/run/postgresql|5432|gh|5||";
    QTest::newRow("socket dir with port") << "postgresql://alice@:5433/gh?host=%2Ftmp%2Fpg" << "alice|||/tmp/pg|5433|gh|5||";
    QTest::newRow("socket dir as encoded host") << "postgresql://alice@%2Fvar%2Frun%2Fpg:5433/gh" << "alice|||/var/run/pg|5433|gh|5||";
    QTest::newRow("percent-encoding") << "postgresql://al%40ice:p%40ss%3Aw%2Fo%20rd%25@host/db%20x" << "al@ice|p@ss:w/o rd%|host||5432|db x|5||";
    QTest::newRow("utf-8 password") << "postgresql://alice:%C3%A9t%C3%A9@host/gh" << "alice|\u00e9t\u00e9|host||5432|gh|5||";
    QTest::newRow("default dbname is user") << "postgresql://alice@host" << "alice||host||5432|alice|5||";
    QTest::newRow("empty path: dbname is user") << "postgresql://alice@host:1/" << "alice||host||1|alice|5||";
    QTest::newRow("ipv6") << "postgresql://alice@[::1]:5433/gh" << "alice||::1||5433|gh|5||";
    QTest::newRow("options") << "postgresql://alice@host/gh?connect_timeout=10&sslmode=require&application_name=gh%20test" << "alice||host||5432|gh|10|require|gh test";
    QTest::newRow("query overrides") << "postgresql://host/gh?user=bob&password=pw&port=6000&dbname=other" << "bob|pw|host||6000|other|5||";
    QTest::newRow("query host replaces host") << "postgresql://alice@ignored/gh?host=/sock" << "alice|||/sock|5432|gh|5||";
    QTest::newRow("surrounding spaces") << "  postgresql://alice@host/gh \n" << "alice||host||5432|gh|5||";
    // clang-format on
}

void TestDatabaseSettings::parseUrl()
{
    QFETCH(QString, url);
    const Result<DatabaseSettings> parsed = DatabaseSettings::fromUrl(url);
    VERIFY_OK(parsed);
    QTEST(describe(*parsed), "expected");
}

void TestDatabaseSettings::parseUrlErrors_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("expected"); // part of the message
    // Every URL carries the password Sup3rS3cret, which no message may repeat.
    // clang-format off
    QTest::newRow("empty") << "" << "empty";
    QTest::newRow("bad scheme") << "mysql://gh:Sup3rS3cret@db/gh" << "scheme 'mysql'";
    QTest::newRow("http scheme") << "http://gh:Sup3rS3cret@db/gh" << "scheme 'http'";
    QTest::newRow("no scheme") << "gh:Sup3rS3cret@db/gh" << "postgresql://";
    QTest::newRow("port too big") << "postgresql://gh:Sup3rS3cret@db:99999/gh" << "port '99999'";
    QTest::newRow("port zero") << "postgresql://gh:Sup3rS3cret@db:0/gh" << "port '0'";
    QTest::newRow("port not a number") << "postgresql://gh:Sup3rS3cret@db:54x2/gh" << "port '54x2'";
    QTest::newRow("port empty") << "postgresql://gh:Sup3rS3cret@db:/gh" << "port ''";
    QTest::newRow("port in query") << "postgresql://gh:Sup3rS3cret@db/gh?port=70000" << "port '70000'";
    QTest::newRow("missing host") << "postgresql://gh:Sup3rS3cret@/gh" << "no host";
    QTest::newRow("missing host with port") << "postgresql://gh:Sup3rS3cret@:5432/gh" << "no host";
    QTest::newRow("missing user") << "postgresql://:Sup3rS3cret@db/gh" << "no user name";
    QTest::newRow("bad escape in password") << "postgresql://gh:Sup3r%zzS3cret@db/gh" << "password has a malformed";
    QTest::newRow("truncated escape in password") << "postgresql://gh:Sup3rS3cret%4@db/gh" << "password has a malformed";
    QTest::newRow("bad escape in query password") << "postgresql://gh@db/gh?password=Sup3rS3cret%g1" << "password has a malformed";
    QTest::newRow("bad escape in host") << "postgresql://gh:Sup3rS3cret@d%zzb/gh" << "host has a malformed";
    QTest::newRow("several hosts") << "postgresql://gh:Sup3rS3cret@db1,db2/gh" << "several hosts";
    QTest::newRow("ipv6 without brackets") << "postgresql://gh:Sup3rS3cret@::1/gh" << "brackets";
    QTest::newRow("ipv6 unclosed") << "postgresql://gh:Sup3rS3cret@[::1/gh" << "closing ']'";
    QTest::newRow("fragment") << "postgresql://gh:Sup3r#S3cret@db/gh" << "'#'";
    QTest::newRow("unencoded slash in password") << "postgresql://gh:Sup3r/S3cret@db:5432/gh" << "percent-encode";
    QTest::newRow("unencoded ? in password") << "postgresql://gh:Sup3r?S3cret@db/gh?sslmode=require" << "percent-encode";
    QTest::newRow("numeric start, slash") << "postgresql://gh:5432/Sup3rS3cret@db/gh" << "percent-encode";
    QTest::newRow("bad sslmode") << "postgresql://gh:Sup3rS3cret@db/gh?sslmode=sometimes" << "sslmode 'sometimes'";
    QTest::newRow("negative timeout") << "postgresql://gh:Sup3rS3cret@db/gh?connect_timeout=-1" << "connect_timeout '-1'";
    QTest::newRow("word timeout") << "postgresql://gh:Sup3rS3cret@db/gh?connect_timeout=soon" << "connect_timeout 'soon'";
    QTest::newRow("unknown parameter") << "postgresql://gh:Sup3rS3cret@db/gh?frobnicate=1" << "unknown parameter 'frobnicate'";
    QTest::newRow("parameter twice") << "postgresql://gh:Sup3rS3cret@db/gh?sslmode=require&sslmode=disable" << "given twice";
    QTest::newRow("semicolon in option") << "postgresql://gh:Sup3rS3cret@db/gh?application_name=a;b" << "must not contain ';'";
    QTest::newRow("parameter without value") << "postgresql://gh:Sup3rS3cret@db/gh?sslmode" << "name=value";
    // clang-format on
}

void TestDatabaseSettings::parseUrlErrors()
{
    QFETCH(QString, url);
    QFETCH(QString, expected);
    const Result<DatabaseSettings> parsed = DatabaseSettings::fromUrl(url);
    VERIFY_ERROR(parsed, "DATABASE_URL_INVALID");
    const QString &message = parsed.error().message;
    QVERIFY2(message.contains(expected), qPrintable(message));
    // Neither half of the password, in any case, may leak into a message that gets logged.
    QVERIFY2(!message.contains(QStringLiteral("Sup3r"), Qt::CaseInsensitive), qPrintable(message));
    QVERIFY2(!message.contains(QStringLiteral("S3cret"), Qt::CaseInsensitive), qPrintable(message));
}

void TestDatabaseSettings::urlRoundTrip_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("tcp") << "postgresql://alice:Sup3rS3cret@db.example.org:6543/gatehouse";
    QTest::newRow("encoded") << "postgresql://al%40ice:Sup3rS3cret%2F%3A%40@host/db%20x";
    QTest::newRow("socket") << "postgresql://alice:Sup3rS3cret@/gh?host=/run/postgresql";
    QTest::newRow("ipv6") << "postgresql://alice:Sup3rS3cret@[::1]:5433/gh";
    QTest::newRow("options") << "postgresql://alice:Sup3rS3cret@h/gh?connect_timeout=9&"
                                "sslmode=verify-full&application_name=a%20b&sslrootcert=/ca.pem";
}

void TestDatabaseSettings::urlRoundTrip()
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

void TestDatabaseSettings::openDatabaseErrors()
{
    // Nothing listens on port 1 of a test machine: connection refused, at once.
    DatabaseSettings closed;
    closed.user = QStringLiteral("gh");
    closed.password = kPassword;
    closed.host = QStringLiteral("127.0.0.1");
    closed.port = 1;
    closed.databaseName = QStringLiteral("gh");
    const Result<QSqlDatabase> refused = openDatabase(closed, QStringLiteral("refused"));
    VERIFY_ERROR(refused, "DATABASE_UNAVAILABLE");
    QVERIFY2(refused.error().message.contains(QStringLiteral("127.0.0.1:1")),
             qPrintable(refused.error().message));
    QVERIFY(!refused.error().message.contains(kPassword));
    QVERIFY(!QSqlDatabase::contains(QStringLiteral("refused"))); // name freed for a retry

    Result<DatabaseSettings> server = ScratchDatabase::serverSettings();
    VERIFY_OK(server);
    DatabaseSettings missing = *server;
    missing.databaseName = QStringLiteral("gh_no_such_database");
    missing.password = kPassword;
    const Result<QSqlDatabase> noDb = openDatabase(missing, QStringLiteral("missing"));
    VERIFY_ERROR(noDb, "DATABASE_UNAVAILABLE");
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

void TestDatabaseSettings::connectOptionsReachServer()
{
    Result<DatabaseSettings> server = ScratchDatabase::serverSettings();
    VERIFY_OK(server);
    DatabaseSettings settings = *server;
    settings.applicationName = QStringLiteral("gatehouse 'test' \\ name");
    settings.sslMode = QStringLiteral("disable");
    {
        const Result<QSqlDatabase> db = openDatabase(settings, QStringLiteral("options"));
        VERIFY_OK(db);
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
    VERIFY_ERROR(tls, "DATABASE_UNAVAILABLE");
    QVERIFY2(tls.error().message.contains(QStringLiteral("SSL"), Qt::CaseInsensitive),
             qPrintable(tls.error().message));
}

void TestDatabaseSettings::connectThroughUnixSocket()
{
    Result<DatabaseSettings> server = ScratchDatabase::serverSettings();
    VERIFY_OK(server);
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
                                 QString::fromLatin1(QUrl::toPercentEncoding(socketDir)),
                                 QString::number(server->port));
    const Result<DatabaseSettings> settings = DatabaseSettings::fromUrl(url);
    VERIFY_OK(settings);
    QCOMPARE(settings->socketDir, socketDir);
    {
        const Result<QSqlDatabase> db = openDatabase(*settings, QStringLiteral("socket"));
        VERIFY_OK(db);
        QSqlQuery query(*db);
        // inet_client_addr() is NULL exactly for unix-socket connections.
        QVERIFY(query.exec(QStringLiteral("SELECT inet_client_addr() IS NULL")) && query.next());
        QVERIFY(query.value(0).toBool());
    }
    QSqlDatabase::removeDatabase(QStringLiteral("socket"));
}

QTEST_GUILESS_MAIN(TestDatabaseSettings)
#include "TestDatabaseSettings.moc"
