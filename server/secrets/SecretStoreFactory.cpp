#include "server/secrets/SecretStoreFactory.h"

#include "models/common/Log.h"
#include "server/config/Config.h"
#include "server/secrets/FileSecretStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace {

Status ensureDataDir(const QString &dataDir)
{
    if (dataDir.isEmpty())
        return makeError(QString(SecretStore::kUnavailable),
                         QStringLiteral("No data directory is configured (set data-dir): Gatehouse "
                                        "needs one for its keys"));
    const QString path = QDir::cleanPath(QFileInfo(dataDir).absoluteFilePath());
    if (QFileInfo(path).isDir())
        return {};
    QDir().mkpath(QFileInfo(path).absolutePath());
    if (::mkdir(QFile::encodeName(path).constData(), 0700) != 0 && errno != EEXIST)
        return makeError(QString(SecretStore::kUnavailable),
                         QStringLiteral("Cannot create the data directory %1: %2")
                             .arg(path, QString::fromLocal8Bit(std::strerror(errno))));
    return {};
}

Error noKeychain(const QString &why)
{
    return makeError(QString(SecretStore::kUnavailable), why);
}

} // namespace

QString keychainIndexPath(const QString &dataDir)
{
    return QDir::cleanPath(QFileInfo(dataDir).absoluteFilePath()) + QStringLiteral("/secret-store");
}

bool keychainHoldsKeysOf(const QString &dataDir)
{
    QFile index(keychainIndexPath(dataDir));
    return index.open(QIODevice::ReadOnly) && index.readLine(64).trimmed() == "keychain";
}

Result<std::unique_ptr<SecretStore>> makeSecretStore(const Config &config,
                                                     const KeychainBackend &keychain)
{
    if (Status st = ensureDataDir(config.dataDir); !st)
        return st.error();
    const bool inKeychain = keychainHoldsKeysOf(config.dataDir);
    auto file = std::make_unique<FileSecretStore>(config.dataDir);
    bool useKeychain = false;
    QString reason;
    if (config.secretStore == QLatin1String("file")) {
        reason = QStringLiteral("configured");
        if (inKeychain && !file->hasSecrets())
            Log::warning(QStringLiteral("secrets.store_switched"),
                         {{QStringLiteral("dataDir"), config.dataDir},
                          {QStringLiteral("detail"),
                           QStringLiteral("this data dir's keys are in the keychain; the file "
                                          "store starts with new ones")}});
    } else if (config.secretStore == QLatin1String("keychain")) {
        if (!keychain.available())
            return noKeychain(QStringLiteral("The keychain backend is only available in the "
                                             "desktop console; use --secret-store file"));
        useKeychain = true;
        reason = QStringLiteral("configured");
    } else if (inKeychain) {
        // Never fall back to the file store here: it would create new keys, and data already
        // encrypted with the keychain's could not be read any more.
        if (!keychain.available())
            return noKeychain(
                QStringLiteral("The keys of the data dir %1 are in the desktop keychain (%2 says "
                               "so), and the keychain backend is only available in the desktop "
                               "console: run this data dir with the console (gatehouse), or "
                               "start with --secret-store file and new keys (data encrypted "
                               "with the old ones can then not be read)")
                    .arg(config.dataDir, keychainIndexPath(config.dataDir)));
        useKeychain = true;
        reason = QStringLiteral("this data dir's keys are in the keychain");
    } else if (file->hasSecrets()) {
        reason = QStringLiteral("this data dir's keys are in the file store");
    } else if (!keychain.available()) {
        reason = QStringLiteral("headless (no keychain backend)");
    } else if (Status probed = keychain.probe(config); probed) {
        useKeychain = true;
        reason = QStringLiteral("a Secret Service answered");
    } else {
        reason = QStringLiteral("no usable Secret Service: ") + probed.error().message;
    }

    std::unique_ptr<SecretStore> store;
    if (useKeychain) {
        auto opened = keychain.open(config);
        if (!opened)
            return opened.error();
        store = std::move(opened).value();
    } else {
        store = std::move(file);
    }
    Log::info(QStringLiteral("secrets.store"),
              {{QStringLiteral("backend"),
                useKeychain ? QStringLiteral("keychain") : QStringLiteral("file")},
               {QStringLiteral("store"), store->describe()},
               {QStringLiteral("reason"), reason}});
    return store;
}
