// GeoLocator against the installed data: libloc with Debian's packaged database
// (libloc-database) and libmaxminddb with a small City .mmdb written here by
// tests/support/make-test-mmdb.pl (libmaxmind-db-writer-perl). The .mmdb's data is synthetic but
// sits on real public blocks, because documentation ranges are (rightly) never located.

#include "server/config/Config.h"
#include "server/config/ConfigSchema.h"
#include "server/device/GeoLocator.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

QJsonObject cityRecord(const QString &country, const QString &city, const QString &zone)
{
    QJsonObject data;
    if (!country.isEmpty())
        data[u"country"_s] = QJsonObject{{u"iso_code"_s, country}};
    if (!city.isEmpty())
        data[u"city"_s] = QJsonObject{{u"names"_s, QJsonObject{{u"en"_s, city}}}};
    if (!zone.isEmpty())
        data[u"location"_s] = QJsonObject{{u"time_zone"_s, zone}};
    return data;
}

QJsonObject network(const QString &cidr, const QJsonObject &data)
{
    return QJsonObject{{u"network"_s, cidr}, {u"data"_s, data}};
}

// 99 letters, then a character outside the BMP (a surrogate pair in UTF-16), then more: the
// cut at 100 must not keep half of the pair.
QString longCityName()
{
    return QString(99, u'A') + QString::fromUtf8("\xF0\x9F\x8F\xB0") + QString(50, u'B');
}

// What the test .mmdb holds. Private and documentation networks carry data on purpose.
QJsonArray testNetworks()
{
    return {
        network(u"81.2.69.0/24"_s, cityRecord(u"GB"_s, u"London"_s, u"Europe/London"_s)),
        network(u"130.149.0.0/16"_s, cityRecord(u"DE"_s, u"Berlin"_s, u"Europe/Berlin"_s)),
        network(u"2001:67c:2e8::/48"_s, cityRecord(u"NL"_s, u"Amsterdam"_s, u"Europe/Amsterdam"_s)),
        network(u"9.9.9.0/24"_s, cityRecord(u"CH"_s, u"Zürich"_s, u"Europe/Zurich"_s)),
        // No country in the .mmdb: libloc fills it in.
        network(u"193.99.144.0/24"_s, cityRecord({}, u"Hannover"_s, u"Europe/Berlin"_s)),
        network(u"2001:4860::/32"_s, cityRecord({}, u"Mountain View"_s, u"America/Los_Angeles"_s)),
        // libloc says AU here; the City database wins where it has a country.
        network(u"1.1.1.0/24"_s, cityRecord(u"US"_s, {}, {})),
        // Values that need cleaning: lower-case code, control characters, a bad zone, a long name.
        network(u"194.25.0.0/16"_s, cityRecord(u"de"_s, u" Darm\tstadt\n"_s, u"../etc/passwd"_s)),
        network(u"212.58.224.0/19"_s, cityRecord(u"EU"_s, longCityName(), u"Etc/GMT+1"_s)),
        // Never to be reported.
        network(u"10.0.0.0/8"_s, cityRecord(u"DE"_s, u"Intranet"_s, u"Europe/Berlin"_s)),
        network(u"192.168.0.0/16"_s, cityRecord(u"DE"_s, u"Home"_s, u"Europe/Berlin"_s)),
        network(u"127.0.0.0/8"_s, cityRecord(u"DE"_s, u"Loopback"_s, u"Europe/Berlin"_s)),
        network(u"100.64.0.0/10"_s, cityRecord(u"DE"_s, u"Carrier"_s, u"Europe/Berlin"_s)),
        network(u"169.254.0.0/16"_s, cityRecord(u"DE"_s, u"Link"_s, u"Europe/Berlin"_s)),
        network(u"192.0.2.0/24"_s, cityRecord(u"DE"_s, u"Docs"_s, u"Europe/Berlin"_s)),
        network(u"fc00::/7"_s, cityRecord(u"DE"_s, u"ULA"_s, u"Europe/Berlin"_s)),
        network(u"fe80::/10"_s, cityRecord(u"DE"_s, u"Link6"_s, u"Europe/Berlin"_s)),
        network(u"2001:db8::/32"_s, cityRecord(u"DE"_s, u"Docs6"_s, u"Europe/Berlin"_s)),
    };
}

QString scriptPath()
{
    return QStringLiteral(GATEHOUSE_SOURCE_DIR "/tests/support/make-test-mmdb.pl");
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}

} // namespace

class TestGeoLocator : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_mmdb;

    std::shared_ptr<const GeoLocator> openOrFail(const GeoLocator::Options &options)
    {
        auto opened = GeoLocator::open(options);
        if (!opened) {
            qWarning("open failed: %s %s", qPrintable(opened.error().code),
                     qPrintable(opened.error().message));
            return {};
        }
        return *opened;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_mmdb = m_dir.filePath(u"test-city.mmdb"_s);
        QProcess perl;
        perl.start(u"perl"_s, {scriptPath(), m_mmdb});
        QVERIFY2(perl.waitForStarted(), "perl is missing");
        perl.write(QJsonDocument(testNetworks()).toJson(QJsonDocument::Compact));
        perl.closeWriteChannel();
        QVERIFY(perl.waitForFinished(60000));
        QVERIFY2(perl.exitStatus() == QProcess::NormalExit && perl.exitCode() == 0,
                 qPrintable(u"make-test-mmdb.pl failed (needs libmaxmind-db-writer-perl): "_s +
                            QString::fromUtf8(perl.readAllStandardError())));
        QVERIFY(QFileInfo(m_mmdb).size() > 0);

        // The packaged database is part of the runtime packages (scripts/packages.sh).
        QVERIFY2(QFileInfo::exists(GeoLocator::packagedLibLocPath()),
                 "install libloc-database (Debian 12: /usr/share/libloc-location/location.db)");
    }

    void defaultsAgree()
    {
        QCOMPARE(Config{}.geoipLibLocDatabase, GeoLocator::defaultLibLocPath());
        QCOMPARE(GeoLocator::Options{}.libLocDatabase, GeoLocator::defaultLibLocPath());
        const ConfigSchema::Option *option = ConfigSchema::find(u"geoip-libloc-database");
        QVERIFY(option);
        QCOMPARE(option->defaultText, GeoLocator::defaultLibLocPath());
        QVERIFY(Config{}.geoipCityDatabase.isEmpty());
        QVERIFY(ConfigSchema::find(u"geoip-city-database"));
    }

    void cityDatabase_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("country");
        QTest::addColumn<QString>("city");
        QTest::addColumn<QString>("zone");

        const auto row = [](const char *address, const char *country, const char *city,
                            const char *zone) {
            QTest::newRow(address) << QString::fromUtf8(address) << QString::fromUtf8(country)
                                   << QString::fromUtf8(city) << QString::fromUtf8(zone);
        };
        row("81.2.69.142", "GB", "London", "Europe/London");
        row("::ffff:81.2.69.142", "GB", "London", "Europe/London");
        row("130.149.7.201", "DE", "Berlin", "Europe/Berlin");
        row("2001:67c:2e8::1", "NL", "Amsterdam", "Europe/Amsterdam");
        row("2001:67c:2e8:ffff::1", "NL", "Amsterdam", "Europe/Amsterdam");
        row("9.9.9.9", "CH", "Zürich", "Europe/Zurich"); // UTF-8 all the way
        // City from the .mmdb, country from libloc.
        row("193.99.144.80", "DE", "Hannover", "Europe/Berlin");
        row("2001:4860:4860::8888", "US", "Mountain View", "America/Los_Angeles");
        // The .mmdb's country wins over libloc's (AU).
        row("1.1.1.1", "US", "", "");
        // Outside every .mmdb network: libloc's country only.
        row("8.8.8.8", "US", "", "");
        row("::ffff:8.8.8.8", "US", "", "");
        row("2a00:1450:4001::1", "IE", "", "");
        // Cleaned: code upper-cased, controls become spaces, a zone that is no IANA name dropped.
        row("194.25.0.60", "DE", "Darm stadt", "");
        // "EU" is no country; libloc's GB steps in.
        row("212.58.244.22", "GB", "", "Etc/GMT+1");
    }

    void cityDatabase()
    {
        QFETCH(QString, address);
        const auto locator = openOrFail({.cityMmdb = m_mmdb});
        QVERIFY(locator);
        QVERIFY(locator->hasCityDatabase());
        QVERIFY2(locator->hasLibLoc(), qPrintable(locator->describe()));

        const GeoLocation location = locator->locate(QHostAddress(address));
        QFETCH(QString, country);
        QFETCH(QString, city);
        QFETCH(QString, zone);
        if (address == u"212.58.244.22") {
            // The long name: 99 letters, the surrogate pair not split.
            QCOMPARE(location.city, QString(99, u'A'));
        } else {
            QCOMPARE(location.city, city);
        }
        QCOMPARE(location.country, country);
        QCOMPARE(location.timezone, zone);
    }

    void noLocationForNonGlobalAddresses_data()
    {
        QTest::addColumn<QString>("address");
        for (const char *address :
             {"127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.5.4", "172.31.255.255",
              "192.168.1.1", "100.64.0.1", "100.127.255.254", "169.254.1.1", "fe80::1",
              "fe80::1%lo", "fc00::1", "fd12:3456::1", "0.0.0.0", "0.1.2.3", "::", "224.0.0.1",
              "239.255.255.250", "ff02::1", "255.255.255.255", "240.0.0.1", "192.0.2.1",
              "198.51.100.7", "203.0.113.9", "198.18.0.1", "2001:db8::1", "fec0::1", "100::1",
              "::ffff:10.1.2.3", "::ffff:127.0.0.1", "::ffff:192.168.0.1", "::ffff:100.64.1.1",
              "::ffff:169.254.0.1", "::127.0.0.1"}) {
            QTest::newRow(address) << QString::fromUtf8(address);
        }
    }

    void noLocationForNonGlobalAddresses()
    {
        QFETCH(QString, address);
        const QHostAddress host(address);
        QVERIFY2(!host.isNull(), "test address does not parse");
        QVERIFY(!GeoLocator::isLocatable(host));
        const auto locator = openOrFail({.cityMmdb = m_mmdb});
        QVERIFY(locator);
        QCOMPARE(locator->locate(host), GeoLocation{});
        QVERIFY(locator->locate(host).isEmpty());
    }

    void locatableEdges()
    {
        for (const char *address : {"8.8.8.8", "::ffff:8.8.8.8", "11.0.0.1", "100.63.255.255",
                                    "100.128.0.1", "172.15.255.255", "172.32.0.1", "192.169.0.1",
                                    "223.255.255.254", "2001:4860:4860::8888", "2a00:1450::1"})
            QVERIFY2(GeoLocator::isLocatable(QHostAddress(QString::fromUtf8(address))), address);
        QVERIFY(!GeoLocator::isLocatable(QHostAddress()));
    }

    // Well-known addresses whose country has not moved in years (Debian 12 packages the
    // database of 2022-10-29; `location update` may replace the default link, not the answers).
    void libLocCountries_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("country");
        const auto row = [](const char *address, const char *country) {
            QTest::newRow(address) << QString::fromUtf8(address) << QString::fromUtf8(country);
        };
        row("8.8.8.8", "US");              // Google
        row("2001:4860:4860::8888", "US"); // Google
        row("::ffff:8.8.8.8", "US");
        row("193.99.144.80", "DE");  // heise.de
        row("130.149.7.201", "DE");  // TU Berlin (DFN)
        row("194.25.0.60", "DE");    // Deutsche Telekom
        row("212.58.244.22", "GB");  // BBC
        row("81.2.69.142", "GB");    // Andrews & Arnold
        row("2a00:1450:4001::1", "IE"); // Google Ireland
    }

    void libLocCountries()
    {
        QFETCH(QString, address);
        QFETCH(QString, country);
        const QStringList paths{GeoLocator::defaultLibLocPath(), GeoLocator::packagedLibLocPath()};
        for (const QString &path : paths) {
            const auto locator = openOrFail({.libLocDatabase = path});
            QVERIFY(locator);
            QVERIFY2(locator->hasLibLoc(), qPrintable(locator->describe()));
            QVERIFY(!locator->hasCityDatabase());
            const GeoLocation expected{.country = country, .city = {}, .timezone = {}};
            QCOMPARE(locator->locate(QHostAddress(address)), expected);
        }
    }

    void missingLibLocIsNotFatal()
    {
        const QString missing = m_dir.filePath(u"no-such.db"_s);
        const auto alone = openOrFail({.libLocDatabase = missing});
        QVERIFY(alone);
        QVERIFY(!alone->hasLibLoc());
        QVERIFY(alone->locate(QHostAddress(u"8.8.8.8"_s)).isEmpty());
        QVERIFY2(alone->describe().contains(missing), qPrintable(alone->describe()));

        // With a City database: its answers stay, nothing fills a missing country.
        const auto withCity = openOrFail({.libLocDatabase = missing, .cityMmdb = m_mmdb});
        QVERIFY(withCity);
        QCOMPARE(withCity->locate(QHostAddress(u"81.2.69.142"_s)).city, u"London"_s);
        const GeoLocation hannover = withCity->locate(QHostAddress(u"193.99.144.80"_s));
        QCOMPARE(hannover.city, u"Hannover"_s);
        QVERIFY(hannover.country.isEmpty());

        // Not a libloc file at all: also only a warning.
        const QString garbage = m_dir.filePath(u"garbage.db"_s);
        QVERIFY(writeFile(garbage, QByteArray(4096, 'x')));
        const auto notLibLoc = openOrFail({.libLocDatabase = garbage});
        QVERIFY(notLibLoc);
        QVERIFY(!notLibLoc->hasLibLoc());
        QVERIFY(notLibLoc->locate(QHostAddress(u"8.8.8.8"_s)).isEmpty());

        // Switched off.
        const auto off = openOrFail({.libLocDatabase = {}});
        QVERIFY(off);
        QVERIFY(!off->hasLibLoc());
        QVERIFY(off->describe().startsWith(u"libloc: off"_s));
    }

    void invalidCityDatabase_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content"); // written unless the name is "missing"/"dir"
        QTest::newRow("missing") << u"missing"_s << QByteArray();
        QTest::newRow("directory") << u"dir"_s << QByteArray();
        QTest::newRow("empty") << u"empty.mmdb"_s << QByteArray();
        QTest::newRow("text") << u"text.mmdb"_s << QByteArray("not a MaxMind database\n");
        QTest::newRow("truncated") << u"truncated.mmdb"_s << QByteArray("TRUNCATE");
        QTest::newRow("libloc") << u"libloc.mmdb"_s << QByteArray("LIBLOC");
    }

    void invalidCityDatabase()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QString path = m_dir.filePath(name);
        if (name == u"dir") {
            path = m_dir.path();
        } else if (content == "TRUNCATE") {
            QFile valid(m_mmdb);
            QVERIFY(valid.open(QIODevice::ReadOnly));
            QVERIFY(writeFile(path, valid.readAll().left(int(valid.size() / 2))));
        } else if (content == "LIBLOC") {
            QFile libloc(GeoLocator::packagedLibLocPath());
            QVERIFY(libloc.open(QIODevice::ReadOnly));
            QVERIFY(writeFile(path, libloc.read(64 * 1024)));
        } else if (name != u"missing") {
            QVERIFY(writeFile(path, content));
        }
        const auto opened = GeoLocator::open({.cityMmdb = path});
        QVERIFY(!opened);
        QCOMPARE(opened.error().code, u"GEOIP_DATABASE_INVALID"_s);
        QVERIFY2(opened.error().message.contains(path), qPrintable(opened.error().message));
    }

    void describeNamesDatabases()
    {
        const auto locator = openOrFail({.cityMmdb = m_mmdb});
        QVERIFY(locator);
        const QString text = locator->describe();
        QVERIFY2(text.contains(m_mmdb), qPrintable(text));
        QVERIFY2(text.contains(u"Gatehouse-Test-City"_s), qPrintable(text));
        QVERIFY2(text.contains(u"/location"_s), qPrintable(text)); // the libloc file
        const auto noCity = openOrFail({});
        QVERIFY(noCity);
        QVERIFY2(noCity->describe().endsWith(u"city: none"_s), qPrintable(noCity->describe()));
    }

    // One instance serves every worker: four threads at once must see what one thread sees.
    void concurrentLookupsMatchSerial()
    {
        const auto locator = openOrFail({.cityMmdb = m_mmdb});
        QVERIFY(locator);
        QList<QHostAddress> addresses;
        for (const char *address :
             {"81.2.69.142", "130.149.7.201", "2001:67c:2e8::1", "193.99.144.80", "8.8.8.8",
              "2001:4860:4860::8888", "1.1.1.1", "9.9.9.9", "212.58.244.22", "10.0.0.1", "::1",
              "2a00:1450:4001::1", "194.25.0.60", "::ffff:81.2.69.142", "203.0.113.5"})
            addresses.append(QHostAddress(QString::fromUtf8(address)));
        QList<GeoLocation> serial;
        for (const QHostAddress &address : addresses)
            serial.append(locator->locate(address));
        QCOMPARE(serial.at(0).city, u"London"_s);

        std::atomic<int> mismatches{0};
        std::atomic<int> lookups{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int round = 0; round < 2000; ++round) {
                    const qsizetype i = (round + t * 7) % addresses.size();
                    if (!(locator->locate(addresses.at(i)) == serial.at(i)))
                        ++mismatches;
                    ++lookups;
                }
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        QCOMPARE(lookups.load(), 4 * 2000);
        QCOMPARE(mismatches.load(), 0);
        // The shared libloc context survived every lookup's reference counting.
        QCOMPARE(locator->locate(QHostAddress(u"8.8.8.8"_s)).country, u"US"_s);
    }
};

QTEST_GUILESS_MAIN(TestGeoLocator)
#include "TestGeoLocator.moc"
