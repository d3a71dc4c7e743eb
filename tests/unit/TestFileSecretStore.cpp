// The file secret store: values round-trip byte for byte, names are checked, the directory is
// 0700 and the files 0600 from the moment they exist, and a file someone loosened, handed to
// another account or replaced with a symlink is refused by name. ensureSecret creates a key
// once, even when several processes race, and the value never reaches the log.

#include "models/common/Log.h"
#include "server/config/Config.h"
#include "server/secrets/FileSecretStore.h"
#include "server/secrets/KeyRing.h"
#include "server/secrets/SecretStoreFactory.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

mode_t modeOf(const QString &path)
{
    struct stat info
    {
    };
    if (::lstat(QFile::encodeName(path).constData(), &info) != 0)
        return 0;
    return info.st_mode & 07777;
}

QByteArray allBytes()
{
    QByteArray bytes;
    for (int i = 0; i < 256; ++i)
        bytes.append(static_cast<char>(i));
    return bytes;
}

} // namespace

class TestFileSecretStore : public QObject
{
    Q_OBJECT

private:
    QString dataDir() const { return m_dir.path() + u"/data"_s; }
    QString secretsDir() const { return dataDir() + u"/secrets"_s; }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QDir(dataDir()).removeRecursively();
    }

    void roundTrip_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("text") << QByteArray("hello");
        QTest::newRow("all 256 byte values") << allBytes();
        QTest::newRow("NUL only") << QByteArray(1, '\0');
        QTest::newRow("newlines") << QByteArray("\n\r\n");
        QTest::newRow("64 KiB") << QByteArray(SecretStore::kMaxValueBytes, '\xA5');
    }
    void roundTrip()
    {
        QFETCH(QByteArray, value);
        FileSecretStore store(dataDir());
        QVERIFY(store.write(u"data-encryption-key"_s, value));
        auto read = store.read(u"data-encryption-key"_s);
        QVERIFY2(read, qPrintable(read.ok() ? QString() : read.error().message));
        QCOMPARE(*read, value);
        // A second instance (a restart) sees the same bytes.
        QCOMPARE(*FileSecretStore(dataDir()).read(u"data-encryption-key"_s), value);
    }

    void overwriteAndRemove()
    {
        FileSecretStore store(dataDir());
        QVERIFY(store.write(u"jwt-signing-key-k1"_s, "first"));
        QVERIFY(store.write(u"jwt-signing-key-k1"_s, "second, longer"));
        QCOMPARE(*store.read(u"jwt-signing-key-k1"_s), QByteArray("second, longer"));
        QVERIFY(store.remove(u"jwt-signing-key-k1"_s));
        QCOMPARE(store.read(u"jwt-signing-key-k1"_s).error().code, u"SECRET_NOT_FOUND"_s);
        QVERIFY(store.remove(u"jwt-signing-key-k1"_s)); // already gone: fine
        // Only the secrets themselves are left: no temporary files.
        QVERIFY(store.write(u"a"_s, "1"));
        QVERIFY(store.write(u"a"_s, "2"));
        QCOMPARE(
            QDir(secretsDir()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
            QStringList{u"a"_s});
    }

    void notFound()
    {
        FileSecretStore store(dataDir());
        auto missing = store.read(u"data-encryption-key"_s); // no directory yet
        QCOMPARE(missing.error().code, u"SECRET_NOT_FOUND"_s);
        QVERIFY(!QFileInfo::exists(secretsDir())); // reading creates nothing
        QVERIFY(store.remove(u"data-encryption-key"_s));
        QVERIFY(store.write(u"other"_s, "x"));
        missing = store.read(u"data-encryption-key"_s);
        QCOMPARE(missing.error().code, u"SECRET_NOT_FOUND"_s);
        QVERIFY2(missing.error().message.contains(secretsDir()),
                 qPrintable(missing.error().message));
    }

    void badNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("empty") << QString();
        QTest::newRow("upper case") << u"Data-Key"_s;
        QTest::newRow("slash") << u"a/b"_s;
        QTest::newRow("dot dot") << u".."_s;
        QTest::newRow("hidden") << u".key"_s;
        QTest::newRow("space") << u"a b"_s;
        QTest::newRow("underscore") << u"a_b"_s;
        QTest::newRow("non-ASCII") << u"clé"_s;
        QTest::newRow("65 characters") << QString(65, u'a');
    }
    void badNames()
    {
        QFETCH(QString, name);
        FileSecretStore store(dataDir());
        QCOMPARE(store.write(name, "x").error().code, u"SECRET_NAME_INVALID"_s);
        QCOMPARE(store.create(name, "x").error().code, u"SECRET_NAME_INVALID"_s);
        QCOMPARE(store.read(name).error().code, u"SECRET_NAME_INVALID"_s);
        QCOMPARE(store.remove(name).error().code, u"SECRET_NAME_INVALID"_s);
        QVERIFY(SecretStore::isValidName(QString(64, u'a')));
        QVERIFY(SecretStore::isValidName(u"jwt-signing-key-2026-01"_s));
    }

    void badValues()
    {
        FileSecretStore store(dataDir());
        QCOMPARE(store.write(u"k"_s, {}).error().code, u"SECRET_VALUE_INVALID"_s);
        QCOMPARE(store.write(u"k"_s, QByteArray(SecretStore::kMaxValueBytes + 1, 'x')).error().code,
                 u"SECRET_VALUE_INVALID"_s);
        QVERIFY(!QFileInfo::exists(secretsDir() + u"/k"_s));
    }

    void permissionsAreExact()
    {
        // Even with umask 0 the file is never more than 0600 and the directories 0700.
        const mode_t previous = ::umask(0);
        FileSecretStore store(dataDir());
        const bool written = store.write(u"data-encryption-key"_s, "k").ok();
        ::umask(previous);
        QVERIFY(written);
        QCOMPARE(modeOf(dataDir()), mode_t(0700));
        QCOMPARE(modeOf(secretsDir()), mode_t(0700));
        QCOMPARE(modeOf(store.filePath(u"data-encryption-key"_s)), mode_t(0600));
        struct stat info
        {
        };
        QCOMPARE(
            ::stat(QFile::encodeName(store.filePath(u"data-encryption-key"_s)).constData(), &info),
            0);
        QCOMPARE(info.st_uid, ::geteuid());
        QCOMPARE(store.describe(), u"file store "_s + secretsDir());

        // A directory someone opened up is made private again.
        QVERIFY(::chmod(QFile::encodeName(secretsDir()).constData(), 0755) == 0);
        QVERIFY(store.read(u"data-encryption-key"_s));
        QCOMPARE(modeOf(secretsDir()), mode_t(0700));
    }

    void widerFileModeIsRefused_data()
    {
        QTest::addColumn<int>("mode");
        QTest::newRow("0644") << 0644;
        QTest::newRow("0640") << 0640;
        QTest::newRow("0604") << 0604;
        QTest::newRow("0700") << 0700;
        QTest::newRow("0666") << 0666;
    }
    void widerFileModeIsRefused()
    {
        QFETCH(int, mode);
        FileSecretStore store(dataDir());
        QVERIFY(store.write(u"data-encryption-key"_s, "k"));
        const QString path = store.filePath(u"data-encryption-key"_s);
        QCOMPARE(::chmod(QFile::encodeName(path).constData(), static_cast<mode_t>(mode)), 0);
        auto refused = store.read(u"data-encryption-key"_s);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, u"SECRET_FILE_UNSAFE"_s);
        QVERIFY2(refused.error().message.contains(path), qPrintable(refused.error().message));
        QVERIFY2(refused.error().message.contains(QString::number(mode, 8)),
                 qPrintable(refused.error().message));
        // 0400 is narrower than 0600: fine.
        QCOMPARE(::chmod(QFile::encodeName(path).constData(), 0400), 0);
        QVERIFY(store.read(u"data-encryption-key"_s));
    }

    void symlinksAreRefused()
    {
        FileSecretStore store(dataDir());
        QVERIFY(store.write(u"real"_s, "k"));
        // A link to a perfectly private file is still refused: we read only our own files.
        const QString elsewhere = m_dir.path() + u"/elsewhere"_s;
        QVERIFY(QFile::copy(store.filePath(u"real"_s), elsewhere));
        QVERIFY(QFile::setPermissions(elsewhere, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        QVERIFY(QFile::link(elsewhere, store.filePath(u"linked"_s)));
        auto refused = store.read(u"linked"_s);
        QCOMPARE(refused.error().code, u"SECRET_FILE_UNSAFE"_s);
        QVERIFY2(refused.error().message.contains(store.filePath(u"linked"_s)) &&
                     refused.error().message.contains(u"symbolic link"_s),
                 qPrintable(refused.error().message));

        // The secrets directory itself as a symlink.
        const QString otherData = m_dir.path() + u"/other-data"_s;
        QVERIFY(QDir().mkpath(otherData));
        QVERIFY(QFile::link(secretsDir(), otherData + u"/secrets"_s));
        FileSecretStore linkedDir(otherData);
        QCOMPARE(linkedDir.read(u"real"_s).error().code, u"SECRET_FILE_UNSAFE"_s);
        QCOMPARE(linkedDir.write(u"real"_s, "x").error().code, u"SECRET_FILE_UNSAFE"_s);
        QCOMPARE(*store.read(u"real"_s), QByteArray("k"));
    }

    void foreignOwnerIsRefused()
    {
        if (::geteuid() != 0)
            QSKIP("needs root to give a file to another account");
        FileSecretStore store(dataDir());
        QVERIFY(store.write(u"data-encryption-key"_s, "k"));
        const QString path = store.filePath(u"data-encryption-key"_s);
        QCOMPARE(::chown(QFile::encodeName(path).constData(), 65534, 65534), 0);
        auto refused = store.read(u"data-encryption-key"_s);
        QCOMPARE(refused.error().code, u"SECRET_FILE_UNSAFE"_s);
        QVERIFY2(refused.error().message.contains(path), qPrintable(refused.error().message));
    }

    void noDataDir()
    {
        FileSecretStore store{QString()};
        QCOMPARE(store.read(u"k"_s).error().code, u"SECRET_STORE_UNAVAILABLE"_s);
        QCOMPARE(store.write(u"k"_s, "x").error().code, u"SECRET_STORE_UNAVAILABLE"_s);
    }

    void createIsExclusive()
    {
        FileSecretStore store(dataDir());
        QVERIFY(store.create(u"k"_s, "first"));
        QCOMPARE(store.create(u"k"_s, "second").error().code, u"SECRET_EXISTS"_s);
        QCOMPARE(*store.read(u"k"_s), QByteArray("first"));
        QCOMPARE(
            QDir(secretsDir()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
            QStringList{u"k"_s});
    }

    void ensureSecretCreatesOnce()
    {
        QStringList logged;
        auto connection = connect(
            Log::Hub::instance(), &Log::Hub::record, this,
            [&logged](int, const QString &line) { logged << line; }, Qt::DirectConnection);
        FileSecretStore store(dataDir());
        auto first = KeyRing::ensureSecret(store, KeyRing::dataEncryptionKeyName(), 32);
        QVERIFY2(first, qPrintable(first.ok() ? QString() : first.error().message));
        QCOMPARE(first->size(), 32);
        QVERIFY(*first != QByteArray(32, '\0'));
        QCOMPARE(modeOf(store.filePath(u"data-encryption-key"_s)), mode_t(0600));
        auto again = KeyRing::ensureSecret(store, KeyRing::dataEncryptionKeyName(), 32);
        QCOMPARE(*again, *first);
        auto restarted = FileSecretStore(dataDir());
        QCOMPARE(*KeyRing::ensureSecret(restarted, KeyRing::dataEncryptionKeyName(), 32), *first);
        // Another key is independent.
        auto other = KeyRing::ensureSecret(store, u"jwt-signing-key-a"_s, 32);
        QVERIFY(*other != *first);
        disconnect(connection);

        // The creation was logged, the key was not (in any common encoding).
        QVERIFY2(logged.join(u'\n').contains(u"secrets.created"_s), qPrintable(logged.join(u'\n')));
        for (const QString &line : std::as_const(logged)) {
            const QByteArray bytes = line.toUtf8();
            QVERIFY(!bytes.contains(first->toHex()));
            QVERIFY(!bytes.contains(first->toBase64()));
            QVERIFY(!bytes.contains(
                first->toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
            QVERIFY(!bytes.contains(first->left(12)));
        }
    }

    void ensureSecretRefusesAWrongLength()
    {
        FileSecretStore store(dataDir());
        QVERIFY(store.write(u"data-encryption-key"_s, QByteArray(31, 'x')));
        auto refused = KeyRing::ensureSecret(store, KeyRing::dataEncryptionKeyName(), 32);
        QCOMPARE(refused.error().code, u"SECRET_VALUE_INVALID"_s);
        QCOMPARE(*store.read(u"data-encryption-key"_s), QByteArray(31, 'x')); // not replaced
    }

    void ensureSecretPropagatesRefusals()
    {
        FileSecretStore store(dataDir());
        QVERIFY(store.write(u"data-encryption-key"_s, QByteArray(32, 'x')));
        QCOMPARE(
            ::chmod(QFile::encodeName(store.filePath(u"data-encryption-key"_s)).constData(), 0644),
            0);
        auto refused = KeyRing::ensureSecret(store, KeyRing::dataEncryptionKeyName(), 32);
        QCOMPARE(refused.error().code, u"SECRET_FILE_UNSAFE"_s);
    }

    void racingStartsAgreeOnOneKey()
    {
        // Several processes starting on one data dir at once: exactly one key wins.
        constexpr int kRacers = 8;
        std::vector<QByteArray> keys(kRacers);
        std::vector<std::thread> threads;
        const QString dir = dataDir();
        for (int i = 0; i < kRacers; ++i) {
            threads.emplace_back([&keys, i, dir] {
                FileSecretStore store(dir);
                auto key = KeyRing::ensureSecret(store, KeyRing::dataEncryptionKeyName(), 32);
                if (key)
                    keys[static_cast<size_t>(i)] = *key;
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        const QByteArray stored = *FileSecretStore(dir).read(u"data-encryption-key"_s);
        QCOMPARE(stored.size(), 32);
        for (const QByteArray &key : keys)
            QCOMPARE(key, stored);
    }

    void factoryPicksTheFileStoreWhenHeadless()
    {
        Config config;
        config.dataDir = dataDir();
        for (const QString &choice : {u"auto"_s, u"file"_s}) {
            config.secretStore = choice;
            auto store = makeSecretStore(config);
            QVERIFY2(store, qPrintable(store.ok() ? QString() : store.error().message));
            QCOMPARE((*store)->describe(), u"file store "_s + secretsDir());
        }
        QCOMPARE(modeOf(dataDir()), mode_t(0700)); // created private
        config.dataDir.clear();
        QCOMPARE(makeSecretStore(config).error().code, u"SECRET_STORE_UNAVAILABLE"_s);
    }

    void factoryWithoutKeychainRefusesTheKeychain()
    {
        // gatehoused has no keychain backend: "keychain" is refused with what to do...
        Config config;
        config.dataDir = m_dir.path() + u"/keychain-data"_s;
        config.secretStore = u"keychain"_s;
        auto configured = makeSecretStore(config);
        QCOMPARE(configured.error().code, u"SECRET_STORE_UNAVAILABLE"_s);
        QVERIFY2(configured.error().message.contains(u"--secret-store file"_s),
                 qPrintable(configured.error().message));
        // ...and so is "auto" on a data dir whose keys the console put in the keychain: no new
        // key in the file store, which would leave the encrypted data unreadable.
        config.secretStore = u"auto"_s;
        QFile index(keychainIndexPath(config.dataDir));
        QVERIFY(index.open(QIODevice::WriteOnly));
        index.write("keychain\ndata-encryption-key\n");
        index.close();
        auto sticky = makeSecretStore(config);
        QCOMPARE(sticky.error().code, u"SECRET_STORE_UNAVAILABLE"_s);
        QVERIFY2(sticky.error().message.contains(index.fileName()),
                 qPrintable(sticky.error().message));
        QVERIFY(!QFileInfo::exists(config.dataDir + u"/secrets"_s));
        // "file" is the administrator's explicit choice: it starts over with new keys.
        config.secretStore = u"file"_s;
        QVERIFY(makeSecretStore(config));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestFileSecretStore)
#include "TestFileSecretStore.moc"
