// gatehoused with its own PostgreSQL and Redis (the default): cold start, a crash (SIGKILL)
// and restart with committed data intact, a clean SIGTERM that stops both services, a warm
// restart, and a second instance on the same data directory. Prints the start-up timings.
#include "models/database/DatabaseSettings.h"
#include "tests/support/GatehousedProcess.h"
#include "tests/support/TestHttp.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

namespace {
// Processes whose command line mentions the data directory: the embedded postgres and redis.
QStringList processesUsing(const QString &dataDir)
{
    QStringList found;
    const QDir proc(QStringLiteral("/proc"));
    for (const QString &pid : proc.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool numeric = false;
        pid.toInt(&numeric);
        if (!numeric)
            continue;
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (!cmdline.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = cmdline.readAll().replace('\0', ' ');
        if (text.contains(dataDir.toUtf8()) && !text.contains("gatehoused"))
            found << pid + QLatin1Char(' ') + QString::fromUtf8(text);
    }
    return found;
}

QString loggedDatabaseUrl(const QString &log)
{
    for (const QString &line : log.split(QLatin1Char('\n'))) {
        const QJsonObject record = QJsonDocument::fromJson(line.toUtf8()).object();
        if (record.value(QStringLiteral("event")).toString() == QLatin1String("runtime.services"))
            return record.value(QStringLiteral("database")).toString();
    }
    return {};
}
} // namespace

class TestEmbeddedGatehoused : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_base{QDir::tempPath() + QStringLiteral("/ghd-XXXXXX")};
    QString m_dataDir;

    QStringList arguments() const
    {
        return {QStringLiteral("--data-dir"), m_dataDir, QStringLiteral("--log-format"),
                QStringLiteral("json"), QStringLiteral("--workers"), QStringLiteral("1")};
    }

    int countMarkers(const QString &databaseUrl)
    {
        auto settings = DatabaseSettings::fromUrl(databaseUrl);
        if (!settings)
            return -1;
        int count = -1;
        {
            auto db = openDatabase(*settings, QStringLiteral("embedded-check"));
            if (!db)
                return -1;
            {
                QSqlQuery query(*db);
                if (query.exec(QStringLiteral("SELECT count(*) FROM users WHERE email LIKE 'marker-%'")) &&
                    query.next())
                    count = query.value(0).toInt();
            }
            db->close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("embedded-check"));
        return count;
    }

    bool insertMarker(const QString &databaseUrl, const QString &email)
    {
        auto settings = DatabaseSettings::fromUrl(databaseUrl);
        if (!settings)
            return false;
        bool ok = false;
        {
            auto db = openDatabase(*settings, QStringLiteral("embedded-insert"));
            if (!db)
                return false;
            {
                QSqlQuery query(*db);
                query.prepare(QStringLiteral("INSERT INTO users (id, email, first_name, last_name) "
                                             "VALUES (gen_random_uuid(), ?, 'Ada', 'Lovelace')"));
                query.addBindValue(email);
                ok = query.exec();
            }
            db->close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("embedded-insert"));
        return ok;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_base.isValid());
        // Root runs the services as the gatehouse account, which must be able to reach the dir.
        QFile::setPermissions(m_base.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                                 QFile::ReadGroup | QFile::ExeGroup |
                                                 QFile::ReadOther | QFile::ExeOther);
        m_dataDir = m_base.filePath(QStringLiteral("data"));
    }

    void coldStartCrashAndRestart()
    {
        QElapsedTimer timer;
        timer.start();
        QString databaseUrl;
        {
            GatehousedProcess server(arguments());
            QVERIFY2(server.startAndWaitReady(180000), qPrintable(server.log()));
            qInfo("cold start (initdb, migrations) to ready: %lld ms", timer.elapsed());
            databaseUrl = loggedDatabaseUrl(server.log());
            QVERIFY2(databaseUrl.startsWith(QStringLiteral("postgresql://")), qPrintable(server.log()));
            QVERIFY(insertMarker(databaseUrl, QStringLiteral("marker-1@example.org")));
            server.kill(); // a crash: no shutdown at all
        }
        QVERIFY2(!processesUsing(m_dataDir).isEmpty(), "the embedded servers outlive a SIGKILL");

        timer.restart();
        GatehousedProcess restarted(arguments());
        QVERIFY2(restarted.startAndWaitReady(120000), qPrintable(restarted.log()));
        qInfo("restart after SIGKILL (services adopted) to ready: %lld ms", timer.elapsed());
        QCOMPARE(countMarkers(databaseUrl), 1);
        QVERIFY(insertMarker(databaseUrl, QStringLiteral("marker-2@example.org")));

        restarted.terminate();
        QVERIFY(restarted.waitForExit(90000));
        QCOMPARE(restarted.exitCode(), 0);
        QTRY_VERIFY2_WITH_TIMEOUT(processesUsing(m_dataDir).isEmpty(),
                                  qPrintable(processesUsing(m_dataDir).join(QLatin1Char('\n'))), 20000);
    }

    void warmStartKeepsData()
    {
        QElapsedTimer timer;
        timer.start();
        GatehousedProcess server(arguments());
        QVERIFY2(server.startAndWaitReady(120000), qPrintable(server.log()));
        qInfo("warm start (existing data dir) to ready: %lld ms", timer.elapsed());
        const QString databaseUrl = loggedDatabaseUrl(server.log());
        QCOMPARE(countMarkers(databaseUrl), 2);
        QVERIFY2(!server.log().contains(QStringLiteral("db.migration.applied")), "nothing to migrate");

        // A second instance on the same data directory is refused, and harms nothing.
        GatehousedProcess second(arguments());
        QVERIFY(second.start());
        QVERIFY(second.waitForExit(60000));
        QCOMPARE(second.exitCode(), 1);
        QVERIFY2(second.log().contains(QStringLiteral("DATA_DIR_IN_USE")), qPrintable(second.log()));
        QCOMPARE(TestHttp::get(server.url(QStringLiteral("/readyz"))).status, 200);

        server.terminate();
        QVERIFY(server.waitForExit(90000));
        QCOMPARE(server.exitCode(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(processesUsing(m_dataDir).isEmpty(), 20000);
    }
};

QTEST_GUILESS_MAIN(TestEmbeddedGatehoused)
#include "TestEmbeddedGatehoused.moc"
