#include "server/secrets/SecretStoreFactory.h"

#include "models/common/Log.h"
#include "server/config/Config.h"
#include "server/secrets/FileSecretStore.h"
#include "server/secrets/KeychainSecretStore.h"

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

} // namespace

Result<std::unique_ptr<SecretStore>> makeSecretStore(const Config &config, bool desktop)
{
    if (Status st = ensureDataDir(config.dataDir); !st)
        return st.error();
    const bool inKeychain = KeychainSecretStore::holdsKeysOf(config.dataDir);
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
        useKeychain = true;
        reason = QStringLiteral("configured");
    } else if (inKeychain) {
        useKeychain = true;
        reason = QStringLiteral("this data dir's keys are in the keychain");
    } else if (file->hasSecrets()) {
        reason = QStringLiteral("this data dir's keys are in the file store");
    } else if (!desktop) {
        reason = QStringLiteral("headless");
    } else if (Status probed =
                   KeychainSecretStore(config.dataDir, KeychainSecretStore::kProbeTimeoutMs)
                       .probe();
               probed) {
        useKeychain = true;
        reason = QStringLiteral("a Secret Service answered");
    } else {
        reason = QStringLiteral("no usable Secret Service: ") + probed.error().message;
    }

    std::unique_ptr<SecretStore> store;
    if (useKeychain) {
        auto keychain = std::make_unique<KeychainSecretStore>(config.dataDir);
        if (Status st = keychain->claimDataDir(); !st)
            return st.error();
        store = std::move(keychain);
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
