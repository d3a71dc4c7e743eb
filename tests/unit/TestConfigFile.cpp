// The config file: its syntax (comments, quoting, BOM, CRLF), the line numbers its
// complaints carry, and where it is found (--config, GATEHOUSE_CONFIG) and read from.

#include "server/config/ConfigLoader.h"
#include "tests/support/ConfigTestSupport.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ConfigTestSupport;

class TestConfigFile : public ConfigTestCase
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void malformedFile_data()
    {
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<QString>("fragment"); // FILE = the path
        QTest::newRow("no equals")
            << QByteArray("# ok\n\nlisten 127.0.0.1:1\n") << u"FILE:3: expected key = value"_s;
        QTest::newRow("section") << QByteArray("workers = 1\n[server]\n") << u"FILE:2: [section]"_s;
        QTest::newRow("no key") << QByteArray("= 5\n") << u"FILE:1: expected key = value"_s;
        QTest::newRow("unterminated") << QByteArray("workers = 1\n\ndata-dir = \"/srv/x\n")
                                      << u"data-dir: unterminated quoted value (from FILE:3)"_s;
        QTest::newRow("text after quote") << QByteArray("workers = \"5\" six\n")
                                          << u"workers: unexpected text after the closing quote"_s;
        QTest::newRow("bad escape")
            << QByteArray("service-user = \"a\\qb\"\n")
            << u"service-user: unknown escape \\q in quoted value; only \\\" and \\\\ are "_s
               u"escapes (from FILE:1)"_s;
        QTest::newRow("twice") << QByteArray("workers = 1\nworkers = 2\n")
                               << u"workers: set twice, first on line 1 (from FILE:2)"_s;
        QTest::newRow("config in file") << QByteArray("config = /etc/other.conf\n")
                                        << u"config: cannot be set inside a config file"_s;
        QTest::newRow("bad value line 4")
            << QByteArray("\n\n\nworkers = lots\n") << u"workers: \"lots\" is not an integer"_s;
    }
    void malformedFile()
    {
        QFETCH(QByteArray, contents);
        QFETCH(QString, fragment);
        const QString path = writeFile(contents);
        fragment.replace(u"FILE"_s, path);
        const auto loaded = loadWith({u"--config"_s, path});
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, u"CONFIG_INVALID"_s);
        QVERIFY2(loaded.error().message.contains(fragment), qPrintable(loaded.error().message));
    }

    void fileSyntax()
    {
        const QByteArray contents = "\xEF\xBB\xBF# leading BOM and a comment\r\n"
                                    "; another comment\r\n"
                                    "\r\n"
                                    "  listen   =   [::1]:9000   # inline comment\r\n"
                                    "workers=7;not a comment because no space\n"
                                    "shutdown-timeout = 30 ; inline comment\n"
                                    "data-dir = \"/srv/with \\\"quotes\\\" and \\\\ # ;\" # c\n"
                                    "database-url = postgresql://app@db/gh?sslmode=require\n"
                                    "redis-url = \"\"\n"
                                    "log-level = \"DEBUG\"\n";
        const QString path = writeFile(contents);
        const auto loaded = loadWith({u"--config"_s, path});
        QVERIFY(!loaded.ok()); // "7;not…" is a bad integer: ';' only comments after a space
        QVERIFY2(loaded.error().message.startsWith(u"workers: \"7;not a comment"_s),
                 qPrintable(loaded.error().message));

        QByteArray fixed = contents;
        fixed.replace("workers=7;not a comment because no space", "workers=7");
        const auto good = loadWith({u"--config"_s, writeFile(fixed)});
        VERIFY_LOADED(good);
        const Config &c = good->config;
        QCOMPARE(c.listenAddress, QHostAddress(u"::1"_s));
        QCOMPARE(c.listenPort, quint16(9000));
        QCOMPARE(c.workers, 7);
        QCOMPARE(c.shutdownTimeoutSeconds, 30);
        QCOMPARE(c.dataDir, u"/srv/with \"quotes\" and \\ # ;"_s);
        QCOMPARE(c.databaseUrl, u"postgresql://app@db/gh?sslmode=require"_s);
        QVERIFY(c.embeddedRedis());
        QCOMPARE(c.logLevel, Log::Level::Debug);
    }

    void configFileSources()
    {
        const QString fromEnv = writeFile("workers = 11\n");
        const QString fromFlag = writeFile("workers = 12\n");
        const QString config = u"GATEHOUSE_CONFIG="_s;

        auto loaded = loadWith({}, {config + fromEnv});
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->config.workers, 11);
        QCOMPARE(loaded->config.configFile, fromEnv);

        loaded = loadWith({u"--config="_s + fromFlag}, {config + fromEnv});
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->config.workers, 12);
        QCOMPARE(loaded->config.configFile, fromFlag);

        loaded = loadWith({}, {config}); // empty GATEHOUSE_CONFIG: no file
        QVERIFY(loaded.ok());
        QVERIFY(loaded->config.configFile.isEmpty());

        const QString missing = m_dir.filePath(u"missing.conf"_s);
        loaded = loadWith({u"--config"_s, missing});
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, u"CONFIG_FILE_UNREADABLE"_s);
        QVERIFY2(loaded.error().message.startsWith(u"config: cannot read \""_s + missing),
                 qPrintable(loaded.error().message));
        QVERIFY(loaded.error().message.endsWith(u"(from --config)"_s));

        loaded = loadWith({}, {config + m_dir.path()});
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, u"CONFIG_FILE_UNREADABLE"_s);
        QVERIFY2(loaded.error().message.contains(u"directory (from GATEHOUSE_CONFIG)"),
                 qPrintable(loaded.error().message));

        loaded = loadWith({u"--config=/dev/zero"_s});
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, u"CONFIG_FILE_UNREADABLE"_s);
    }
};

QTEST_GUILESS_MAIN(TestConfigFile)
#include "TestConfigFile.moc"
