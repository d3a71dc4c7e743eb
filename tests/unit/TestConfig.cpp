// The config loader: defaults, precedence of file, environment and flags, value checks,
// unknown keys, flags and actions, describe() and URL masking, the default data directory.

#include "server/config/ConfigLoader.h"
#include "server/config/ConfigSchema.h"
#include "tests/support/ConfigTestSupport.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace ConfigTestSupport;

Q_DECLARE_METATYPE(LoadedConfig::Action)

namespace {

QString quotedForFile(const QString &value)
{
    QString escaped = value;
    escaped.replace(u"\\"_s, u"\\\\"_s).replace(u"\""_s, u"\\\""_s);
    return u'"' + escaped + u'"';
}

// The value describe() shows for `key`, unquoted.
QString described(const Config &config, const QString &key)
{
    const QStringList lines = ConfigLoader::describe(config).split(u'\n');
    for (const QString &line : lines) {
        if (!line.startsWith(key + u" = "_s))
            continue;
        QString value = line.mid(key.size() + 3);
        if (value.startsWith(u'"'))
            value = value.mid(1, value.size() - 2).replace(u"\\\""_s, u"\""_s);
        return value;
    }
    return u"<missing>"_s;
}

} // namespace

class TestConfig : public ConfigTestCase
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void defaults()
    {
        const auto loaded = loadWith({});
        VERIFY_LOADED(loaded);
        QCOMPARE(loaded->action, LoadedConfig::Action::Run);
        Config expected;
        expected.dataDir = kHome + u"/.local/share/gatehouse"_s;
        QCOMPARE(loaded->config, expected);
        QCOMPARE(loaded->config.listenAddress, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(loaded->config.listenPort, quint16(8600));
        QVERIFY(loaded->config.embeddedDatabase());
        QVERIFY(loaded->config.embeddedRedis());
        QVERIFY(loaded->config.configFile.isEmpty());
    }

    // The defaults help shows are text; they must not drift from Config's initialisers.
    void helpDefaultsMatchConfig()
    {
        for (const char *key :
             {"listen", "workers", "shutdown-timeout", "service-user", "log-format", "log-level"}) {
            const ConfigSchema::Option *option = ConfigSchema::find(QString::fromLatin1(key));
            QVERIFY2(option, key);
            QCOMPARE(option->defaultText, described(Config{}, option->key));
        }
    }

    // Each option except `config` has a binding: describe() shows it and a flag sets it.
    void everyOptionIsBound()
    {
        for (const ConfigSchema::Option &option : ConfigSchema::options()) {
            if (option.key == u"config")
                continue;
            QVERIFY2(described(Config{}, option.key) != u"<missing>", qPrintable(option.key));
            QVERIFY2(!option.help.isEmpty() && !option.defaultText.isEmpty(),
                     qPrintable(option.key));
        }
        QCOMPARE(ConfigSchema::environmentName(u"database-url"), u"GATEHOUSE_DATABASE_URL"_s);
        QCOMPARE(ConfigSchema::environmentName(u"config"), u"GATEHOUSE_CONFIG"_s);
    }

    void precedence_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("fileValue");
        QTest::addColumn<QString>("envValue");
        QTest::addColumn<QString>("flagValue");
        QTest::addColumn<QString>("expected");

        // "-": that layer does not set the key.
        const auto row = [](const char *key, const char *file, const char *env, const char *flag,
                            const char *expected) {
            QTest::addRow("%s file=%s env=%s flag=%s", key, file, env, flag)
                << QString::fromUtf8(key) << QString::fromUtf8(file) << QString::fromUtf8(env)
                << QString::fromUtf8(flag) << QString::fromUtf8(expected);
        };
        row("data-dir", "/srv/a", "-", "-", "/srv/a");
        row("data-dir", "/srv/a", "/srv/b", "-", "/srv/b");
        row("data-dir", "/srv/a", "/srv/b", "/srv/c", "/srv/c");
        row("data-dir", "/srv/a", "-", "/srv/c", "/srv/c");
        row("workers", "2", "-", "-", "2");
        row("workers", "2", "3", "-", "3");
        row("workers", "2", "3", "4", "4");
        row("workers", "-", "3", "4", "4");
        row("listen", "0.0.0.0:80", "[::1]:81", "-", "[::1]:81");
        row("listen", "0.0.0.0:80", "[::1]:81", "127.0.0.1:82", "127.0.0.1:82");
        row("log-level", "debug", "error", "-", "error");
        row("log-level", "debug", "error", "warning", "warning");
        row("database-url", "postgresql://one@db1/gh", "postgres://two@db2:5433/gh", "-",
            "postgres://two@db2:5433/gh");
        row("database-url", "postgresql://one@db1/gh", "postgres://two@db2:5433/gh",
            "postgresql://three@db3/gh", "postgresql://three@db3/gh");
        row("log-format", "json", "-", "text", "text");
        row("service-user", "-", "gh_svc", "-", "gh_svc");
    }
    void precedence()
    {
        QFETCH(QString, key);
        QFETCH(QString, fileValue);
        QFETCH(QString, envValue);
        QFETCH(QString, flagValue);
        QFETCH(QString, expected);

        QStringList flags;
        QStringList assignments;
        if (fileValue != u"-")
            flags << u"--config"_s << writeFile((key + u" = "_s + fileValue + u'\n').toUtf8());
        if (envValue != u"-")
            assignments << ConfigSchema::environmentName(key) + u'=' + envValue;
        if (flagValue != u"-")
            flags << u"--"_s + key << flagValue;
        const auto loaded = loadWith(flags, assignments);
        VERIFY_LOADED(loaded);
        QCOMPARE(described(loaded->config, key), expected);
    }

    // Accepted spellings and what they become.
    void goodValues_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char *name, const char *key, const char *value,
                            const char *expected) {
            QTest::newRow(name) << QString::fromUtf8(key) << QString::fromUtf8(value)
                                << QString::fromUtf8(expected);
        };
        row("listen localhost", "listen", "localhost:80", "127.0.0.1:80");
        row("listen any v4", "listen", "0.0.0.0:443", "0.0.0.0:443");
        row("listen v6 loopback", "listen", "[::1]:8600", "[::1]:8600");
        row("listen v6 any", "listen", "[::]:65535", "[::]:65535");
        row("workers 0", "workers", "0", "0");
        row("workers max", "workers", "256", "256");
        row("shutdown max", "shutdown-timeout", "3600", "3600");
        row("data-dir tilde", "data-dir", "~/gh", "/home/tester/gh");
        row("data-dir cleaned", "data-dir", "/var/lib//gh/", "/var/lib/gh");
        row("pg short scheme", "database-url", "postgres://h/db", "postgres://h/db");
        row("pg socket host", "database-url", "postgresql:///gh?host=/run/postgresql",
            "postgresql:///gh?host=/run/postgresql");
        row("redis unix", "redis-url", "unix:///run/redis/redis.sock",
            "unix:///run/redis/redis.sock");
        row("redis+unix", "redis-url", "redis+unix:///run/r.sock", "redis+unix:///run/r.sock");
        row("service-user", "service-user", "_svc-1", "_svc-1");
        row("log-level upper", "log-level", "WARNING", "warning");
        row("log-format json", "log-format", "json", "json");
    }
    void goodValues()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        const auto loaded = loadWith({u"--"_s + key + u'=' + value});
        VERIFY_LOADED(loaded);
        QCOMPARE(described(loaded->config, key), expected);
    }

    void badValues_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("fragment"); // part of the complaint
        const auto row = [](const char *key, const char *value, const char *fragment) {
            QTest::addRow("%s %s", key, value) << QString::fromUtf8(key) << QString::fromUtf8(value)
                                               << QString::fromUtf8(fragment);
        };
        for (const char *key : {"listen", "workers", "shutdown-timeout", "data-dir", "service-user",
                                "log-format", "log-level"})
            row(key, "", "empty");
        row("listen", "abc", "\"abc\" is not HOST:PORT");
        row("listen", "127.0.0.1", "not HOST:PORT");
        row("listen", "127.0.0.1:0", "1..65535");
        row("listen", "127.0.0.1:65536", "1..65535");
        row("listen", "127.0.0.1:http", "1..65535");
        row("listen", "example.com:80", "IP address");
        row("listen", ":8600", "IP address");
        row("listen", "127.1:80", "IP address");
        row("listen", "256.0.0.1:80", "IP address");
        row("listen", "::1:8600", "brackets");
        row("listen", "[::1]8600", "brackets");
        row("listen", "[127.0.0.1]:80", "not an IPv6 address");
        row("workers", "-1", "out of range 0..256");
        row("workers", "257", "out of range 0..256");
        row("workers", "99999999999999999999", "out of range");
        row("workers", "four", "not an integer");
        row("workers", "1.5", "not an integer");
        row("shutdown-timeout", "-1", "out of range 0..3600");
        row("shutdown-timeout", "3601", "out of range 0..3600");
        row("shutdown-timeout", "10s", "not an integer");
        row("data-dir", "relative/dir", "absolute");
        row("data-dir", "./x", "absolute");
        row("data-dir", "~other/x", "absolute");
        row("database-url", "mysql://h/db", "postgresql://");
        row("database-url", "h/db", "postgresql://");
        row("database-url", "postgresql://", "no host");
        row("database-url", "postgresql://h:99999/db", "not a valid URL");
        row("database-url", "postgresql://u ser@h/db", "space");
        row("redis-url", "http://h", "redis://");
        row("redis-url", "rediss://cache:6380/2", "no TLS"); // hiredis 0.14 has none
        row("redis-url", "redis://", "no host");
        row("redis-url", "redis://h/abc", "database number");
        row("redis-url", "unix://redis.sock", "absolute socket path");
        row("redis-url", "unix:///", "absolute socket path");
        row("service-user", "Root", "user name");
        row("service-user", "1user", "user name");
        row("service-user", "a b", "user name");
        row("service-user", "user$", "user name");
        row("service-user", "abcdefghijklmnopqrstuvwxyz0123456", "user name");
        row("log-format", "xml", "one of text, json");
        row("log-level", "verbose", "one of debug, info, warning, error");
        row("log-level", "warn", "one of");
    }
    // The same bad value from each of the three sources names the key and that source.
    void badValues()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, fragment);

        const QString path = writeFile((key + u" = "_s + quotedForFile(value) + u'\n').toUtf8());
        const QString env = ConfigSchema::environmentName(key);
        const struct
        {
            Result<LoadedConfig> result;
            QString source;
        } cases[] = {
            {loadWith({u"--config"_s, path}), path + u":1)"_s},
            {loadWith({}, {env + u'=' + value}), u"(from "_s + env + u')'},
            {loadWith({u"--"_s + key + u'=' + value}), u"(from --"_s + key + u')'},
        };
        for (const auto &[result, source] : cases) {
            QVERIFY2(!result.ok(), qPrintable(source));
            QCOMPARE(result.error().code, u"CONFIG_INVALID"_s);
            const QString &message = result.error().message;
            QVERIFY2(message.startsWith(key + u": "_s), qPrintable(message));
            QVERIFY2(message.contains(fragment), qPrintable(message));
            QVERIFY2(message.contains(source), qPrintable(message));
            QVERIFY2(!message.contains(u'\n'), qPrintable(message));
        }
    }

    void errorsMaskSecrets()
    {
        const auto loaded = loadWith({u"--database-url=postgresql://app:hunter2@db:port/gh"_s,
                                      u"--redis-url=redis://:hunter3@cache/x"_s});
        QVERIFY(!loaded.ok());
        QVERIFY2(!loaded.error().message.contains(u"hunter"), qPrintable(loaded.error().message));
        QVERIFY(loaded.error().message.contains(u"postgresql://app:****@db:port/gh"));
        const QString path = writeFile("database-url postgresql://app:hunter2@db/gh\n");
        const auto malformed = loadWith({u"--config"_s, path});
        QVERIFY(!malformed.ok());
        QVERIFY2(!malformed.error().message.contains(u"hunter2"),
                 qPrintable(malformed.error().message));
    }

    void unknownKeys_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("assignments");
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("file") << u"workers = 2\nfrobnicate = 1\n"_s << QStringList()
                              << QStringList() << u"frobnicate: unknown option (from FILE:2)"_s;
        QTest::newRow("file near miss") << u"data_dir = /x\n"_s << QStringList() << QStringList()
                                        << u"did you mean data-dir?"_s;
        QTest::newRow("env") << QString() << QStringList{u"GATEHOUSE_FROB=1"_s} << QStringList()
                             << u"GATEHOUSE_FROB: unknown environment variable"_s;
        QTest::newRow("env lower case") << QString() << QStringList{u"GATEHOUSE_listen=x"_s}
                                        << QStringList() << u"GATEHOUSE_listen"_s;
        QTest::newRow("flag") << QString() << QStringList() << QStringList{u"--frob=1"_s}
                              << u"unknown flag --frob"_s;
        QTest::newRow("flag with value")
            << QString() << QStringList() << QStringList{u"--frob"_s, u"1"_s}
            << u"unknown flag --frob"_s;
        QTest::newRow("short flag")
            << QString() << QStringList() << QStringList{u"-x"_s} << u"unknown flag -x"_s;
    }
    void unknownKeys()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, assignments);
        QFETCH(QStringList, flags);
        QFETCH(QString, fragment);
        if (!file.isEmpty()) {
            const QString path = writeFile(file.toUtf8());
            flags << u"--config"_s << path;
            fragment.replace(u"FILE"_s, path);
        }
        const auto loaded = loadWith(flags, assignments);
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, u"CONFIG_UNKNOWN_KEY"_s);
        QVERIFY2(loaded.error().message.contains(fragment), qPrintable(loaded.error().message));
        // "--frob 1": the 1 is taken as the unknown flag's value, not a second complaint.
        QVERIFY2(!loaded.error().message.contains(u'\n'), qPrintable(loaded.error().message));
    }

    void flagForms_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<int>("workers");
        QTest::addColumn<QString>("databaseUrl");
        QTest::newRow("separate") << QStringList{u"--workers"_s, u"5"_s} << 5 << QString();
        QTest::newRow("equals") << QStringList{u"--workers=6"_s} << 6 << QString();
        QTest::newRow("last wins")
            << QStringList{u"--workers=6"_s, u"--workers"_s, u"9"_s} << 9 << QString();
        QTest::newRow("equals inside value")
            << QStringList{u"--database-url=postgresql://h/db?options=-c%20a=b"_s} << 0
            << u"postgresql://h/db?options=-c%20a=b"_s;
        QTest::newRow("separate url")
            << QStringList{u"--database-url"_s, u"postgres://h/db"_s} << 0 << u"postgres://h/db"_s;
    }
    void flagForms()
    {
        QFETCH(QStringList, flags);
        QFETCH(int, workers);
        QFETCH(QString, databaseUrl);
        const auto loaded = loadWith(flags);
        VERIFY_LOADED(loaded);
        QCOMPARE(loaded->config.workers, workers);
        QCOMPARE(loaded->config.databaseUrl, databaseUrl);
    }

    void flagErrors_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing last value") << QStringList{u"--workers=2"_s, u"--listen"_s}
                                            << u"listen: missing value (from --listen)"_s;
        QTest::newRow("flag as value") << QStringList{u"--workers"_s, u"--listen=[::1]:1"_s}
                                       << u"workers: missing value (from --workers)"_s;
        QTest::newRow("positional") << QStringList{u"serve"_s}
                                    << u"unexpected argument \"serve\"; options are written "_s
                                       u"--key value"_s;
        QTest::newRow("value for action") << QStringList{u"--check-config=yes"_s}
                                          << u"--check-config: takes no value (from "_s
                                             u"--check-config=yes)"_s;
    }
    void flagErrors()
    {
        QFETCH(QStringList, flags);
        QFETCH(QString, message);
        const auto loaded = loadWith(flags);
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, u"CONFIG_INVALID"_s);
        QCOMPARE(loaded.error().message, message);
    }

    void actions_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<LoadedConfig::Action>("action");
        using A = LoadedConfig::Action;
        QTest::newRow("none") << QStringList() << A::Run;
        QTest::newRow("--help") << QStringList{u"--help"_s} << A::Help;
        QTest::newRow("-h") << QStringList{u"-h"_s} << A::Help;
        QTest::newRow("--version") << QStringList{u"--version"_s} << A::Version;
        QTest::newRow("--check-config") << QStringList{u"--check-config"_s} << A::CheckConfig;
        QTest::newRow("check with flags")
            << QStringList{u"--workers=3"_s, u"--check-config"_s} << A::CheckConfig;
        QTest::newRow("first of help/version")
            << QStringList{u"--version"_s, u"--help"_s} << A::Version;
        // Help must stay reachable when the rest of the command line or environment is wrong.
        QTest::newRow("help despite errors")
            << QStringList{u"--workers=many"_s, u"--frob"_s, u"--help"_s} << A::Help;
    }
    void actions()
    {
        QFETCH(QStringList, flags);
        QFETCH(LoadedConfig::Action, action);
        const QStringList badEnvironment = action == LoadedConfig::Action::Help
                                               ? QStringList{u"GATEHOUSE_LISTEN=x"_s}
                                               : QStringList();
        const auto loaded = loadWith(flags, badEnvironment);
        VERIFY_LOADED(loaded);
        QCOMPARE(loaded->action, action);
    }

    // Problems from every layer are reported together, in precedence order.
    void allProblemsReported()
    {
        const QString path = writeFile("workers = many\n");
        const auto loaded = loadWith({u"--config"_s, path, u"--log-level=loud"_s},
                                     {u"GATEHOUSE_LISTEN=nowhere"_s, u"GATEHOUSE_NOPE=1"_s});
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, u"CONFIG_INVALID"_s);
        const QStringList lines = loaded.error().message.split(u'\n');
        QCOMPARE(lines.size(), 4);
        QVERIFY(lines[0].startsWith(u"workers:"));
        QVERIFY(lines[1].startsWith(u"GATEHOUSE_NOPE:"));
        QVERIFY(lines[2].startsWith(u"listen:"));
        QVERIFY(lines[3].startsWith(u"log-level:"));
    }

    void maskUrl_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("masked");
        const auto row = [](const char *url, const char *masked) {
            QTest::newRow(url) << QString::fromUtf8(url) << QString::fromUtf8(masked);
        };
        row("postgresql://app:s3cret@db:5432/gh", "postgresql://app:****@db:5432/gh");
        row("postgresql://app@db/gh", "postgresql://app@db/gh");
        row("postgresql://app:p@ss@db/gh", "postgresql://app:****@db/gh");
        row("postgresql://db/gh?user=a&password=x&sslmode=require",
            "postgresql://db/gh?user=a&password=****&sslmode=require");
        row("redis://:s3cret@cache:6379/0", "redis://:****@cache:6379/0");
        row("rediss://user:pw@cache", "rediss://user:****@cache");
        row("unix:///run/redis.sock", "unix:///run/redis.sock");
        row("redis://cache:6379", "redis://cache:6379");
        row("not a url", "not a url");
        row("", "");
    }
    void maskUrl()
    {
        QFETCH(QString, url);
        QFETCH(QString, masked);
        QCOMPARE(ConfigLoader::maskUrl(url), masked);
    }

    void describeMasksAndRoundTrips_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<bool>("hasSecret");
        QTest::newRow("defaults") << QStringList() << false;
        QTest::newRow("everything") << QStringList{u"--listen=[::1]:9001"_s,
                                                   u"--workers=4"_s,
                                                   u"--shutdown-timeout=0"_s,
                                                   u"--data-dir=/srv/gate house#1"_s,
                                                   u"--database-url=postgresql://app@db:5432/gh"_s,
                                                   u"--redis-url=unix:///run/redis.sock"_s,
                                                   u"--service-user=gh"_s,
                                                   u"--log-format=json"_s,
                                                   u"--log-level=error"_s}
                                    << false;
        QTest::newRow("passwords")
            << QStringList{u"--database-url=postgresql://app:pw1@db:5432/gh"_s,
                           u"--redis-url=redis://:pw2@cache:6379/1"_s}
            << true;
    }
    void describeMasksAndRoundTrips()
    {
        QFETCH(QStringList, flags);
        QFETCH(bool, hasSecret);
        const auto loaded = loadWith(flags);
        VERIFY_LOADED(loaded);
        const QString text = ConfigLoader::describe(loaded->config);
        QVERIFY(!text.contains(u"pw1") && !text.contains(u"pw2"));
        if (hasSecret) {
            QVERIFY(text.contains(u"database-url = postgresql://app:****@db:5432/gh\n"));
            QVERIFY(text.contains(u"redis-url = redis://:****@cache:6379/1\n"));
        }

        const QString path = writeFile(text.toUtf8());
        const auto reread = loadWith({u"--config"_s, path});
        VERIFY_LOADED(reread);
        Config expected = loaded->config;
        expected.configFile = path;
        expected.databaseUrl = ConfigLoader::maskUrl(expected.databaseUrl);
        expected.redisUrl = ConfigLoader::maskUrl(expected.redisUrl);
        QCOMPARE(reread->config, expected);
        // And describing the re-read config shows the file it came from.
        QVERIFY(ConfigLoader::describe(reread->config).startsWith(u"# config file: "_s + path));
    }

    void defaultDataDir_data()
    {
        QTest::addColumn<QStringList>("assignments");
        QTest::addColumn<bool>("root");
        QTest::addColumn<QString>("expected");
        QTest::newRow("home") << QStringList() << false << kHome + u"/.local/share/gatehouse"_s;
        QTest::newRow("xdg") << QStringList{u"XDG_DATA_HOME=/data/xdg/"_s} << false
                             << u"/data/xdg/gatehouse"_s;
        QTest::newRow("relative xdg ignored")
            << QStringList{u"XDG_DATA_HOME=rel"_s} << false << kHome + u"/.local/share/gatehouse"_s;
        QTest::newRow("root") << QStringList{u"XDG_DATA_HOME=/data/xdg"_s} << true
                              << u"/var/lib/gatehouse"_s;
    }
    void defaultDataDir()
    {
        QFETCH(QStringList, assignments);
        QFETCH(bool, root);
        QFETCH(QString, expected);
        const auto loaded = ConfigLoader::load({kProgram}, environmentWith(assignments),
                                               ConfigLoader::LoadOptions{.runningAsRoot = root});
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->config.dataDir, expected);
        QCOMPARE(ConfigLoader::defaultDataDir(environmentWith(assignments), root), expected);
    }

    void tildeNeedsHome()
    {
        QProcessEnvironment empty;
        const auto loaded = ConfigLoader::load({kProgram, u"--data-dir=~/x"_s}, empty, asUser());
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error().message.contains(u"HOME is not set"),
                 qPrintable(loaded.error().message));
    }

    void helpText()
    {
        const QString help = ConfigLoader::helpText(kProgram);
        QVERIFY(help.startsWith(u"Usage: gatehoused [OPTIONS]\n"_s));
        for (const ConfigSchema::Option &option : ConfigSchema::options()) {
            QVERIFY2(help.contains(u"--"_s + option.key + u' ' + option.valueName),
                     qPrintable(option.key));
            QVERIFY(help.contains(ConfigSchema::environmentName(option.key)));
            QVERIFY(help.contains(u"Default: "_s + option.defaultText));
            QVERIFY(help.contains(option.help));
        }
        for (const char *flag : {"--check-config", "--version", "-h, --help"})
            QVERIFY(help.contains(QString::fromLatin1(flag)));
        QVERIFY(ConfigLoader::versionText(kProgram).startsWith(u"gatehoused "_s));
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "TestConfig.moc"
