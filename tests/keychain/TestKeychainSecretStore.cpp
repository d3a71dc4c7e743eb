// The keychain store against a real Secret Service: gnome-keyring on a private session bus
// (run-with-keyring.sh, as ctest does). Values round-trip byte for byte, two data dirs never
// share keys, and a keychain that is missing, absent from the bus or silent gives
// SECRET_STORE_UNAVAILABLE with what to do, within the timeout. Cases that need another bus
// run in a child process (this binary again): libsecret keeps its first bus connection.

#include "keychain/KeychainSecretStore.h"
#include "server/config/Config.h"
#include "server/secrets/KeyRing.h"
#include "server/secrets/SecretStoreFactory.h"

#include <QDBusConnection>
#include <QDBusError>
#include <QDBusVirtualObject>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <cstdio>
#include <thread>

using namespace Qt::StringLiterals;

namespace {

const char kChildModeVariable[] = "GATEHOUSE_KEYCHAIN_CHILD";

QByteArray allBytes()
{
    QByteArray bytes;
    for (int i = 0; i < 256; ++i)
        bytes.append(static_cast<char>(i));
    return bytes;
}

// Child mode: one keychain operation on whatever bus DBUS_SESSION_BUS_ADDRESS names, reported
// as one JSON line on stdout: {"code": "OK" | error code, "message", "ms"}.
int childMain(int argc, char **argv, const QByteArray &mode)
{
    QCoreApplication app(argc, argv);
    const QString dataDir = qEnvironmentVariable("GATEHOUSE_KEYCHAIN_DATA_DIR");
    const int timeoutMs = qEnvironmentVariableIntValue("GATEHOUSE_KEYCHAIN_TIMEOUT_MS");
    QElapsedTimer timer;
    timer.start();
    Error outcome{u"OK"_s, QString()};
    if (mode == "read") {
        KeychainSecretStore store(dataDir, timeoutMs);
        if (auto value = store.read(u"data-encryption-key"_s); !value)
            outcome = value.error();
    } else if (mode == "write") {
        KeychainSecretStore store(dataDir, timeoutMs);
        if (Status written = store.write(u"data-encryption-key"_s, "k"); !written)
            outcome = written.error();
    } else if (mode == "ensure") {
        KeychainSecretStore store(dataDir, timeoutMs);
        if (auto key = KeyRing::ensureSecret(store, KeyRing::dataEncryptionKeyName(), 32); !key)
            outcome = key.error();
    } else if (mode == "auto") {
        Config config;
        config.dataDir = dataDir;
        auto store = makeSecretStore(config, desktopKeychain());
        outcome = store ? Error{u"OK"_s, (*store)->describe()} : store.error();
    }
    const QJsonObject report{
        {u"code"_s, outcome.code}, {u"message"_s, outcome.message}, {u"ms"_s, timer.elapsed()}};
    std::fputs(QJsonDocument(report).toJson(QJsonDocument::Compact).append('\n').constData(),
               stdout);
    std::fflush(stdout);
    return 0;
}

// Owns org.freedesktop.secrets and swallows every call: a Secret Service that hangs, like a
// keyring waiting on an unlock prompt nobody sees.
class SilentSecretService : public QDBusVirtualObject
{
public:
    QString introspect(const QString &) const override { return {}; }
    bool handleMessage(const QDBusMessage &, const QDBusConnection &) override { return true; }
};

} // namespace

class TestKeychainSecretStore : public QObject
{
    Q_OBJECT

private:
    struct ChildReport
    {
        QString code;
        QString message;
        qint64 ms = -1;     // as the child measured the operation
        qint64 wallMs = -1; // start to exit, seen from here
    };

    // Runs this binary in child mode on `busAddress`, or, when it is empty, in a session of its
    // own (dbus-run-session) whose gnome-keyring is started by D-Bus activation on the same
    // keyring files and left locked. Keeps our event loop turning meanwhile, so a fake service
    // in this process stays on the bus.
    ChildReport runChild(const QByteArray &mode, const QString &busAddress, const QString &dataDir,
                         int timeoutMs)
    {
        QProcess child;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QString::fromLatin1(kChildModeVariable), QString::fromLatin1(mode));
        QString program = QCoreApplication::applicationFilePath();
        QStringList arguments;
        if (busAddress.isEmpty()) {
            // Another runtime dir: the new daemon must not find the unlocked one's control
            // socket. No display: its unlock prompt fails at once instead of waiting.
            const QString runtime = m_dir.path() + u"/runtime-"_s + QString::number(++m_dataDirs);
            QDir().mkpath(runtime);
            QFile::setPermissions(runtime, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                               QFileDevice::ExeOwner);
            environment.insert(u"XDG_RUNTIME_DIR"_s, runtime);
            environment.remove(u"DBUS_SESSION_BUS_ADDRESS"_s);
            environment.remove(u"DISPLAY"_s);
            environment.remove(u"WAYLAND_DISPLAY"_s);
            arguments = QStringList{u"--"_s, program};
            program = u"dbus-run-session"_s;
        } else {
            environment.insert(u"DBUS_SESSION_BUS_ADDRESS"_s, busAddress);
        }
        environment.insert(u"GATEHOUSE_KEYCHAIN_DATA_DIR"_s, dataDir);
        environment.insert(u"GATEHOUSE_KEYCHAIN_TIMEOUT_MS"_s, QString::number(timeoutMs));
        child.setProcessEnvironment(environment);
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QElapsedTimer timer;
        timer.start();
        child.start(program, arguments);
        QEventLoop loop;
        connect(&child, &QProcess::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        if (child.state() != QProcess::NotRunning)
            loop.exec();
        ChildReport report;
        report.wallMs = timer.elapsed();
        if (child.state() != QProcess::NotRunning) {
            child.kill();
            child.waitForFinished();
            report.code = u"CHILD_HUNG"_s;
            return report;
        }
        const QJsonObject json = QJsonDocument::fromJson(child.readAllStandardOutput()).object();
        report.code = json.value(u"code"_s).toString(u"NO_REPORT"_s);
        report.message = json.value(u"message"_s).toString();
        report.ms = json.value(u"ms"_s).toInteger(-1);
        return report;
    }

    // A session bus of our own with no activatable services: nothing answers for
    // org.freedesktop.secrets unless this test claims the name.
    bool startEmptyBus(QProcess &daemon, QString *address)
    {
        const QString config = m_dir.path() + u"/bus.conf"_s;
        QFile file(config);
        if (!file.open(QIODevice::WriteOnly))
            return false;
        file.write(
            QStringLiteral(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
                "1.0//EN\"\n"
                " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                "<busconfig><type>session</type><listen>unix:dir=%1</listen>\n"
                "<auth>EXTERNAL</auth><policy context=\"default\">\n"
                "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>\n"
                "<allow own=\"*\"/></policy></busconfig>\n")
                .arg(m_dir.path())
                .toUtf8());
        file.close();
        daemon.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        daemon.start(u"dbus-daemon"_s,
                     {u"--config-file"_s + u'=' + config, u"--nofork"_s, u"--print-address=1"_s});
        if (!daemon.waitForStarted(5000))
            return false;
        while (!daemon.canReadLine() && daemon.waitForReadyRead(5000)) {
        }
        *address = QString::fromUtf8(daemon.readLine()).trimmed();
        return !address->isEmpty();
    }

    QString freshDataDir()
    {
        const QString path = m_dir.path() + u"/data-"_s + QString::number(++m_dataDirs);
        QDir().mkpath(path);
        return path;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
                 "no session bus: run through ctest (tests/keychain/run-with-keyring.sh)");
        KeychainSecretStore store(freshDataDir(), KeychainSecretStore::kProbeTimeoutMs);
        Status probed = store.probe();
        QVERIFY2(probed, qPrintable(probed.ok() ? QString() : probed.error().message));
    }

    void roundTrip_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("text") << QByteArray("hello");
        QTest::newRow("all 256 byte values") << allBytes();
        QTest::newRow("NUL only") << QByteArray(1, '\0');
        QTest::newRow("64 KiB") << QByteArray(SecretStore::kMaxValueBytes, '\xA5');
    }
    void roundTrip()
    {
        QFETCH(QByteArray, value);
        const QString dataDir = freshDataDir();
        KeychainSecretStore store(dataDir);
        QCOMPARE(store.describe(), u"keychain (Secret Service)"_s);
        QVERIFY(store.write(u"data-encryption-key"_s, value));
        auto read = store.read(u"data-encryption-key"_s);
        QVERIFY2(read, qPrintable(read.ok() ? QString() : read.error().message));
        QCOMPARE(*read, value);
        QCOMPARE(*KeychainSecretStore(dataDir).read(u"data-encryption-key"_s), value);
        QVERIFY(store.remove(u"data-encryption-key"_s));
    }

    void overwriteRemoveAndNotFound()
    {
        KeychainSecretStore store(freshDataDir());
        auto missing = store.read(u"jwt-signing-key-k1"_s);
        QCOMPARE(missing.error().code, u"SECRET_NOT_FOUND"_s);
        QVERIFY2(missing.error().message.contains(store.service()),
                 qPrintable(missing.error().message));
        QVERIFY(store.write(u"jwt-signing-key-k1"_s, "first"));
        QVERIFY(store.write(u"jwt-signing-key-k1"_s, "second, longer"));
        QCOMPARE(*store.read(u"jwt-signing-key-k1"_s), QByteArray("second, longer"));
        QVERIFY(store.remove(u"jwt-signing-key-k1"_s));
        QCOMPARE(store.read(u"jwt-signing-key-k1"_s).error().code, u"SECRET_NOT_FOUND"_s);
        QVERIFY(store.remove(u"jwt-signing-key-k1"_s)); // already gone: fine
        QVERIFY(store.create(u"k"_s, "one"));
        QCOMPARE(store.create(u"k"_s, "two").error().code, u"SECRET_EXISTS"_s);
    }

    void badNamesAndValues()
    {
        KeychainSecretStore store(freshDataDir());
        QCOMPARE(store.read(u"Bad Name"_s).error().code, u"SECRET_NAME_INVALID"_s);
        QCOMPARE(store.write(u"a/b"_s, "x").error().code, u"SECRET_NAME_INVALID"_s);
        QCOMPARE(store.remove(QString()).error().code, u"SECRET_NAME_INVALID"_s);
        QCOMPARE(store.write(u"k"_s, {}).error().code, u"SECRET_VALUE_INVALID"_s);
    }

    void twoDataDirsDoNotShareKeys()
    {
        const QString first = freshDataDir();
        const QString second = freshDataDir();
        KeychainSecretStore a(first);
        KeychainSecretStore b(second);
        QVERIFY(a.service() != b.service());
        QVERIFY(a.service().startsWith(u"io.gatehouse.Gatehouse/"_s));
        // The same directory reached through a symlink is the same keychain entry.
        QVERIFY(QFile::link(first, m_dir.path() + u"/link-to-first"_s));
        QCOMPARE(KeychainSecretStore::serviceFor(m_dir.path() + u"/link-to-first"_s), a.service());

        QVERIFY(a.write(u"data-encryption-key"_s, "key of a"));
        QCOMPARE(b.read(u"data-encryption-key"_s).error().code, u"SECRET_NOT_FOUND"_s);
        QVERIFY(b.write(u"data-encryption-key"_s, "key of b"));
        QCOMPARE(*a.read(u"data-encryption-key"_s), QByteArray("key of a"));
        QVERIFY(b.remove(u"data-encryption-key"_s));
        QCOMPARE(*a.read(u"data-encryption-key"_s), QByteArray("key of a"));
    }

    void ensureSecretCreatesOnce()
    {
        KeychainSecretStore store(freshDataDir());
        auto first = KeyRing::ensureSecret(store, KeyRing::dataEncryptionKeyName(), 32);
        QVERIFY2(first, qPrintable(first.ok() ? QString() : first.error().message));
        QCOMPARE(first->size(), 32);
        QCOMPARE(*KeyRing::ensureSecret(store, KeyRing::dataEncryptionKeyName(), 32), *first);
        QCOMPARE(*store.read(u"data-encryption-key"_s), *first);
    }

    void usableFromAnyThread()
    {
        // The console opens the store in its server-control thread.
        KeychainSecretStore store(freshDataDir());
        QVERIFY(store.write(u"k"_s, "from the test thread"));
        QByteArray seen;
        std::thread other([&] {
            if (auto value = store.read(u"k"_s))
                seen = *value;
        });
        other.join();
        QCOMPARE(seen, QByteArray("from the test thread"));
    }

    void factoryChoosesTheKeychainAndSticksToIt()
    {
        Config config;
        config.dataDir = freshDataDir();
        // auto, desktop, first start: the Secret Service answers.
        auto store = makeSecretStore(config, desktopKeychain());
        QVERIFY2(store, qPrintable(store.ok() ? QString() : store.error().message));
        QCOMPARE((*store)->describe(), u"keychain (Secret Service)"_s);
        QFile marker(config.dataDir + u"/secret-store"_s);
        QVERIFY(marker.open(QIODevice::ReadOnly));
        QCOMPARE(marker.readAll(), QByteArray("keychain\n"));
        QCOMPARE(KeychainSecretStore::indexPathFor(config.dataDir), marker.fileName());
        // Later desktop starts stay with the keychain that holds this data dir's keys...
        QCOMPARE((*makeSecretStore(config, desktopKeychain()))->describe(),
                 u"keychain (Secret Service)"_s);
        // ...and gatehoused, which has no keychain, refuses the data dir rather than create new
        // keys in the file store.
        auto headless = makeSecretStore(config);
        QCOMPARE(headless.error().code, u"SECRET_STORE_UNAVAILABLE"_s);
        QVERIFY2(headless.error().message.contains(u"desktop console"_s),
                 qPrintable(headless.error().message));
        QVERIFY(!QFileInfo::exists(config.dataDir + u"/secrets"_s));

        // auto, headless, first start: the file store, without asking the keychain.
        config.dataDir = freshDataDir();
        QCOMPARE((*makeSecretStore(config))->describe(),
                 u"file store "_s + config.dataDir + u"/secrets"_s);
        // Keys already in the file store keep a desktop start there.
        QVERIFY(KeyRing::ensureSecret(**makeSecretStore(config), u"k"_s, 32));
        QCOMPARE((*makeSecretStore(config, desktopKeychain()))->describe(),
                 u"file store "_s + config.dataDir + u"/secrets"_s);

        config.dataDir = freshDataDir();
        config.secretStore = u"keychain"_s;
        QCOMPARE((*makeSecretStore(config, desktopKeychain()))->describe(),
                 u"keychain (Secret Service)"_s);
        // Configured, but no keychain in this process (gatehoused): a clear error at once.
        auto unavailable = makeSecretStore(config);
        QCOMPARE(unavailable.error().code, u"SECRET_STORE_UNAVAILABLE"_s);
        QVERIFY2(unavailable.error().message.contains(u"--secret-store file"_s),
                 qPrintable(unavailable.error().message));
    }

    void lockedKeyringIsNotMistakenForAMissingKey()
    {
        // A key stored while the keyring was unlocked...
        const QString dataDir = freshDataDir();
        KeychainSecretStore store(dataDir);
        auto key = KeyRing::ensureSecret(store, KeyRing::dataEncryptionKeyName(), 32);
        QVERIFY2(key, qPrintable(key.ok() ? QString() : key.error().message));
        QFile index(KeychainSecretStore::indexPathFor(dataDir));
        QVERIFY(index.open(QIODevice::ReadOnly));
        QCOMPARE(index.readAll(), QByteArray("keychain\ndata-encryption-key\n"));
        // ...then a start whose keyring is locked: its lookup answers "no such entry", but
        // Gatehouse must fail, not create a new key over the one the data is encrypted with.
        const ChildReport report = runChild("ensure", QString(), dataDir, 10000);
        QCOMPARE(report.code, u"SECRET_STORE_UNAVAILABLE"_s);
        QVERIFY2(report.message.contains(u"probably locked"_s), qPrintable(report.message));
        QVERIFY2(report.ms < 10000, qPrintable(QString::number(report.ms)));
        QCOMPARE(*store.read(u"data-encryption-key"_s), *key);
        qInfo("locked keyring: %s (%lld ms)", qPrintable(report.message), report.ms);
        // Removing the key takes it off the index: then "not found" is believed again.
        QVERIFY(store.remove(u"data-encryption-key"_s));
        index.close(); // replaced atomically: read the new file
        QVERIFY(index.open(QIODevice::ReadOnly));
        QCOMPARE(index.readAll(), QByteArray("keychain\n"));
    }

    void noBusIsUnavailable()
    {
        const ChildReport report =
            runChild("read", u"unix:path="_s + m_dir.path() + u"/no-bus"_s, freshDataDir(), 5000);
        QCOMPARE(report.code, u"SECRET_STORE_UNAVAILABLE"_s);
        QVERIFY2(report.message.contains(u"--secret-store file"_s) &&
                     report.message.contains(u"Unlock the keyring"_s),
                 qPrintable(report.message));
        QVERIFY2(report.ms < 5000, qPrintable(QString::number(report.ms)));
        qInfo("no bus: %s (%lld ms)", qPrintable(report.message), report.ms);
    }

    void noSecretServiceOnTheBusIsUnavailable()
    {
        QProcess daemon;
        QString address;
        QVERIFY(startEmptyBus(daemon, &address));
        const ChildReport report = runChild("write", address, freshDataDir(), 5000);
        daemon.kill();
        daemon.waitForFinished();
        QCOMPARE(report.code, u"SECRET_STORE_UNAVAILABLE"_s);
        QVERIFY2(report.message.contains(u"--secret-store file"_s), qPrintable(report.message));
        QVERIFY2(report.ms < 5000, qPrintable(QString::number(report.ms)));
        qInfo("no Secret Service: %s (%lld ms)", qPrintable(report.message), report.ms);
    }

    void silentSecretServiceTimesOut()
    {
        QProcess daemon;
        QString address;
        QVERIFY(startEmptyBus(daemon, &address));
        QDBusConnection bus = QDBusConnection::connectToBus(address, u"silent-secrets"_s);
        QVERIFY2(bus.isConnected(), qPrintable(bus.lastError().message()));
        SilentSecretService silent;
        QVERIFY(bus.registerVirtualObject(u"/"_s, &silent, QDBusConnection::SubPath));
        QVERIFY(bus.registerService(u"org.freedesktop.secrets"_s));

        const ChildReport read = runChild("read", address, freshDataDir(), 1500);
        QCOMPARE(read.code, u"SECRET_STORE_UNAVAILABLE"_s);
        QVERIFY2(read.message.contains(u"did not answer within 1.5 s"_s) &&
                     read.message.contains(u"--secret-store file"_s),
                 qPrintable(read.message));
        QVERIFY2(read.ms >= 1400 && read.ms < 3000, qPrintable(QString::number(read.ms)));
        QVERIFY2(read.wallMs < 10000,
                 qPrintable(QString::number(read.wallMs))); // exits promptly too

        // The console in auto mode falls back to the file store after the probe timeout.
        const QString dataDir = freshDataDir();
        const ChildReport chosen = runChild("auto", address, dataDir, 0);
        QCOMPARE(chosen.code, u"OK"_s);
        QCOMPARE(chosen.message, u"file store "_s + dataDir + u"/secrets"_s);
        QVERIFY2(chosen.ms < KeychainSecretStore::kProbeTimeoutMs + 1500,
                 qPrintable(QString::number(chosen.ms)));
        QVERIFY(!QFileInfo::exists(dataDir + u"/secret-store"_s));

        bus.unregisterObject(u"/"_s, QDBusConnection::UnregisterTree);
        QDBusConnection::disconnectFromBus(u"silent-secrets"_s);
        daemon.kill();
        daemon.waitForFinished();
    }

private:
    QTemporaryDir m_dir;
    int m_dataDirs = 0;
};

int main(int argc, char **argv)
{
    if (const QByteArray mode = qgetenv(kChildModeVariable); !mode.isEmpty())
        return childMain(argc, argv, mode);
    QCoreApplication app(argc, argv);
    TestKeychainSecretStore test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "TestKeychainSecretStore.moc"
